/**
 * In an app stack's child process (app-main.ts), before any scenario code
 * loads: the process may listen on 127.0.0.1 only, and connect, send or look
 * up names on loopback only (issue 17: a scenario's code must not bind
 * 0.0.0.0 or reach another host). It wraps Node's own entry points, so it
 * holds for everything in the process that uses them (net, http, https, tls,
 * dgram, dns, fetch through undici's net.connect); it is not an OS barrier:
 * native code could get around it, which nothing in a scenario can load.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

/** The refusal every wrapped call throws, naming what was asked for. */
export class LoopbackOnlyError extends Error {
  override name = 'LoopbackOnlyError';
  readonly code = 'ERR_CORSLAB_LOOPBACK_ONLY';
}

const BIND_ADDRESS = '127.0.0.1';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (net.isIPv4(v4)) return v4.split('.')[0] === '127';
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** `localhost` and its subdomains, which mean loopback (RFC 6761 section 6.3), and loopback addresses. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  return isLoopbackAddress(name) || name === 'localhost' || name.endsWith('.localhost');
}

type Args = unknown[];

/** Only 127.0.0.1, with a port: no other address, no unspecified host (all interfaces), no Unix socket or inherited handle. */
function checkListen(args: Args): void {
  const first = args[0];
  let host: unknown;
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    const options = first as { host?: unknown; path?: unknown; port?: unknown; fd?: unknown; _handle?: unknown };
    if (options.path !== undefined || options.fd !== undefined || options._handle !== undefined || !('port' in options || 'host' in options)) {
      throw new LoopbackOnlyError(`a server of a scenario's code may listen on ${BIND_ADDRESS} only, not on a Unix socket or an inherited handle`);
    }
    host = options.host;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    throw new LoopbackOnlyError(`a server of a scenario's code may listen on ${BIND_ADDRESS} only, not on the Unix socket ${first}`);
  } else {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  if (host !== BIND_ADDRESS) {
    throw new LoopbackOnlyError(`a server of a scenario's code may listen on ${BIND_ADDRESS} only, not on ${host === undefined ? 'every address (no host given)' : String(host)}`);
  }
}

/** A connection's host (net.connect's forms, and the normalized array Node passes internally) must be loopback; Unix sockets are refused. */
function checkConnect(args: Args): void {
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  let host: unknown = 'localhost';
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: unknown; path?: unknown };
    if (options.path !== undefined) throw new LoopbackOnlyError(`a scenario's code may not connect to the Unix socket ${String(options.path)}`);
    host = options.host ?? 'localhost';
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    throw new LoopbackOnlyError(`a scenario's code may not connect to the Unix socket ${first}`);
  } else if (typeof args[1] === 'string') {
    host = args[1];
  }
  if (typeof host !== 'string' || !isLoopbackHost(host)) throw new LoopbackOnlyError(`a scenario's code may connect to loopback only, not to ${String(host)}`);
}

function wrap<T extends object>(target: T, name: keyof T & string, check: (args: Args) => void): void {
  const original = target[name] as unknown as (...args: Args) => unknown;
  if (typeof original !== 'function' || Object.getOwnPropertyDescriptor(target, name)?.configurable === false) return;
  const wrapped = function (this: unknown, ...args: Args) {
    check(args);
    return original.apply(this, args);
  };
  Object.defineProperty(target, name, { value: wrapped, writable: false, configurable: false, enumerable: false });
}

let installed = false;

/** Installs the wraps, once; they cannot be undone or replaced from inside the process (the properties are made read-only). */
export function allowLoopbackOnly(): void {
  if (installed) return;
  installed = true;
  wrap(net.Server.prototype, 'listen', checkListen);
  wrap(net.Socket.prototype, 'connect', checkConnect);
  const checkDatagram = (at: number) => (args: Args) => {
    // send(msg, [offset, length,] port, address, cb) and connect(port, address, cb): the address is the last string argument.
    const address = args.slice(at).find((a) => typeof a === 'string');
    if (typeof address !== 'string' || !isLoopbackHost(address)) throw new LoopbackOnlyError(`a scenario's code may send datagrams to loopback only, not to ${String(address ?? 'the default host')}`);
  };
  wrap(dgram.Socket.prototype, 'send', checkDatagram(1));
  wrap(dgram.Socket.prototype, 'connect', checkDatagram(0));
  wrap(dgram.Socket.prototype, 'bind', (args) => {
    const first = args[0];
    const address = typeof first === 'object' && first !== null ? (first as { address?: unknown }).address : args[1];
    if (address !== BIND_ADDRESS) throw new LoopbackOnlyError(`a socket of a scenario's code may bind ${BIND_ADDRESS} only, not ${String(address ?? 'every address')}`);
  });
  const checkName = (args: Args) => {
    if (typeof args[0] !== 'string' || !isLoopbackHost(args[0])) throw new LoopbackOnlyError(`a scenario's code may look up loopback names only (localhost, *.localhost), not ${String(args[0])}`);
  };
  // Lookups through the system resolver: loopback names only. Queries to DNS servers (resolve*, reverse): none.
  wrap(dns, 'lookup', checkName);
  wrap(dns.promises, 'lookup', checkName);
  const refuse = (what: string) => () => {
    throw new LoopbackOnlyError(`a scenario's code may not query DNS servers (${what})`);
  };
  for (const target of [dns, dns.promises, dns.Resolver.prototype, dns.promises.Resolver.prototype] as Record<string, unknown>[]) {
    for (const name of Object.getOwnPropertyNames(target)) {
      if (/^(resolve|reverse)/.test(name) && typeof target[name] === 'function') wrap(target, name, refuse(name));
    }
  }
  // `import { lookup } from 'node:dns'` reads the module's named exports, which are copies until synced.
  syncBuiltinESMExports();
}
