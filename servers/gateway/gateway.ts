import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import { defaults } from '../../harness/config/defaults.ts';
import type { RawHeader } from '../../harness/results/types.ts';
import { BodyReader, MAX_HEAD_BYTES, absoluteFormOf, headEnd, originFormOf, parseRequestHead, parseResponseHead, requestFraming, responseFraming, statusOf } from '../recorder/http1.ts';

export interface GatewayOptions {
  /** The bind address (defaults.bindAddress), where the servers behind listen too. */
  host: string;
  /** Whether an origin (serialized: 'https://api.example.com', 'http://localhost:5173', 'http://app.example.com:8080') is one of the run's. */
  isDeclared(origin: string): boolean;
  /** The 127.0.0.1 port that serves one request of a declared origin; target is origin-form (path?query). undefined: nothing serves it. */
  route(origin: string, target: string): number | undefined;
  /** TLS server contexts by host name (lower case; an IPv6 address without its brackets), for the origins reached through CONNECT: the run's labAuthority (harness/system/certificates.ts). */
  certificates: { secureContextFor(host: string): SecureContext };
  /** What `at` of a refusal counts from, as Date.now() gives it: the run's start. Default: when the gateway was made. */
  startedAt?: number;
}

/** A request the gateway answered by itself instead of passing it on. */
export interface GatewayRefusal {
  /** ms since GatewayOptions.startedAt. */
  at: number;
  /** The origin the request named (`https://api.other.example`), or '' when it named none (a request sent to the gateway directly, bytes that are not HTTP). */
  origin: string;
  /** The request target as sent: `host:port` for CONNECT, the absolute form for http. */
  target?: string;
  method?: string;
  /** Why, in plain words, with the status the client got. */
  reason: string;
}

/**
 * The lab's forward proxy: the browsers' HTTP and HTTPS proxy, so that the
 * real-looking origins a scenario declares (`https://app.example.com`,
 * `http://localhost:5173`) reach the lab's own listeners on 127.0.0.1
 * without DNS or /etc/hosts, and nothing else leaves the machine: a host
 * that is not declared is answered 403 here and reported (refusals()).
 *
 * `CONNECT host:port` to a declared origin is answered 200, and TLS ends here
 * with the lab's certificate for that host (certificates.secureContextFor);
 * an http URL comes in absolute form (`GET http://host/path HTTP/1.1`).
 * Either way each request is routed on its own (`route(origin, target)`: a
 * browser reuses one proxy connection for several http hosts) and passed on
 * byte for byte as received, the absolute form and Proxy-Connection
 * included: the wire recorder behind records it so and hands the server the
 * origin form (servers/recorder/recorder.ts). The answer comes back byte for
 * byte; its framing is read (servers/recorder/http1.ts) only to know where it
 * ends.
 *
 * The gateway answers by itself only when no server could: a host that is
 * not one of the run's (403), nothing routing the request or nothing
 * listening on its port (502), a request that is not one for a proxy (400,
 * 431). Each answer says why in a one-line text body, carries
 * `Connection: close`, and is recorded as a refusal. A server that drops the
 * connection without answering is mirrored: the browser's connection is
 * dropped too, as it would be without the gateway in between.
 */
export class LabGateway {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly refused: GatewayRefusal[] = [];
  private readonly lab: Lab;

  constructor(options: GatewayOptions) {
    const startedAt = options.startedAt ?? Date.now();
    this.lab = {
      options,
      refuse: (refusal) => this.refused.push({ at: Date.now() - startedAt, ...refusal }),
      track: (socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      },
    };
    // allowHalfOpen: a browser that stops sending still gets the rest of its answer.
    // noDelay: a head and its body may go out in two writes, and Nagle's algorithm
    // would hold the second until the first is acknowledged (~40 ms with delayed ACKs).
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.lab.track(socket);
      new ClientConnection(this.lab, socket);
    });
  }

  /** Listens on `port` (default: one the OS picks) of GatewayOptions.host and resolves with it. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.lab.options.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Every request refused so far (undeclared host, nothing routes it, malformed), in order. */
  refusals(): readonly GatewayRefusal[] {
    return this.refused;
  }

  /** Stops listening and destroys every socket: the browsers', the TLS sessions inside them, and those to the servers. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What a connection needs from its gateway. */
interface Lab {
  options: GatewayOptions;
  refuse(refusal: Omit<GatewayRefusal, 'at'>): void;
  /** Every socket the gateway opens or accepts, so close() can destroy it. */
  track(socket: Socket): void;
}

/** An origin as the browser serializes it (https://html.spec.whatwg.org/#ascii-serialisation-of-an-origin), with its host and port. */
interface Target {
  origin: string;
  /** Lower case; an IPv6 address in brackets. */
  host: string;
  port: number;
}

/** `host[:port]` of a scheme read as an origin, or undefined when it is not one (userinfo, no host, a bad port). */
export function originOf(scheme: 'http' | 'https', authority: string): Target | undefined {
  if (authority === '' || /[@\s]/.test(authority)) return undefined;
  try {
    const url = new URL(`${scheme}://${authority}`);
    if (url.hostname === '' || url.pathname !== '/') return undefined;
    return { origin: url.origin, host: url.hostname, port: Number(url.port || (scheme === 'https' ? 443 : 80)) };
  } catch {
    return undefined;
  }
}

/** Bytes that cannot begin an HTTP request: they do not start with a method token and a space (a TLS ClientHello sent to the proxy as if it were the server, say). */
function notHttp(buf: Buffer): boolean {
  let i = 0;
  while (buf[i] === 0x0d || buf[i] === 0x0a) i++;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x20) return false;
    // tchar (RFC 9110 §5.6.2)
    if (!(c > 0x20 && c < 0x7f && !'"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c)))) return true;
  }
  return false;
}

const lowerValues = (headers: readonly RawHeader[], name: string) =>
  headers.filter(([n]) => n.toLowerCase() === name).flatMap(([, v]) => v.split(',')).map((v) => v.trim().toLowerCase());

/** One request on a client connection, from its head until both it and its response have ended. */
interface InFlight {
  method: string;
  /** What a refusal of it would say, should its server not answer. */
  what: Omit<GatewayRefusal, 'at' | 'reason'>;
  upstream: Upstream;
  request: { reader: BodyReader; done: boolean };
  responseDone: boolean;
}

/** The gateway's connection to one server port, for one client connection. */
interface Upstream {
  port: number;
  socket: Socket;
  connected: boolean;
  closed: boolean;
  error?: Error;
  waiting?: InFlight;
  /** Response head bytes that have arrived so far. */
  head?: Buffer;
  body?: BodyReader;
  /** The response said `Connection: close`. */
  closeAfter: boolean;
}

/**
 * One client connection: the browser's to the gateway, or the TLS session
 * inside one of its CONNECT tunnels (`tunnelOrigin` set). Requests are read
 * one after another (one that arrives before the previous response has ended
 * waits in the inbox), each routed on its own to a connection of its own to
 * that port, reused.
 */
class ClientConnection {
  private inbox: Buffer[] = [];
  private current: InFlight | undefined;
  private lastUpstream: Upstream | undefined;
  private readonly upstreams = new Map<number, Upstream>();
  /** Not HTTP any more (101 Switching Protocols, a request that cannot be framed): bytes go both ways as they come. */
  private tunnel: Upstream | undefined;
  /** The client has sent its last byte (FIN). */
  private ended = false;
  /** The client's socket is closed. */
  private gone = false;
  /** The gateway has answered by itself or is closing: nothing more is read. */
  private closing = false;
  /** A CONNECT made this socket a TLS session's: this object reads it no more. */
  private handedOver = false;

  private readonly onData = (chunk: Buffer) => {
    this.inbox.push(chunk);
    this.pump();
  };
  private readonly onEnd = () => {
    this.ended = true;
    if (this.tunnel) this.tunnel.socket.end();
    this.closeIfIdle();
  };
  private readonly onDrain = () => {
    for (const up of this.upstreams.values()) up.socket.resume();
  };

  constructor(
    private readonly lab: Lab,
    private readonly socket: Socket,
    private readonly tunnelOrigin?: Target,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', () => {});
    socket.on('close', () => this.clientGone());
    socket.setTimeout(defaults.keepAliveMs, () => this.destroy());
  }

  private destroy(): void {
    this.socket.destroy();
    for (const up of this.upstreams.values()) up.socket.destroy();
  }

  private pump(): void {
    while (!this.socket.destroyed && !this.handedOver && this.inbox.length > 0) {
      if (this.closing) {
        this.inbox = [];
        return;
      }
      if (this.tunnel) {
        for (const chunk of this.inbox) this.toUpstream(this.tunnel, chunk);
        this.inbox = [];
        return;
      }
      const current = this.current;
      if (current?.request.done) return; // the next request waits for this response
      if (!current) {
        const buf = this.inbox.length === 1 ? this.inbox[0]! : Buffer.concat(this.inbox);
        const end = headEnd(buf);
        if (end < 0) {
          if (notHttp(buf)) return this.refuse(400, 'Bad Request', 'what came is not an HTTP request', { origin: '' });
          if (buf.length > MAX_HEAD_BYTES) return this.refuse(431, 'Request Header Fields Too Large', `the request head is longer than ${MAX_HEAD_BYTES} bytes without an empty line to end it`, { origin: '' });
          this.inbox = [buf];
          return;
        }
        this.inbox = end < buf.length ? [buf.subarray(end)] : [];
        this.startRequest(buf.subarray(0, end));
        continue;
      }
      const chunk = this.inbox.shift()!;
      const read = current.request.reader.read(chunk);
      if (read.used > 0) this.toUpstream(current.upstream, chunk.subarray(0, read.used));
      if (read.error) {
        // The body cannot be delimited: from here on the connection is the server's, raw, as the recorder behind does.
        this.tunnel = current.upstream;
        this.inbox.unshift(chunk.subarray(read.used));
        continue;
      }
      if (read.used < chunk.length) this.inbox.unshift(chunk.subarray(read.used));
      if (read.done) this.requestEnded(current);
    }
  }

  /** A request head has arrived: find its origin, refuse it or route it, and send it on as it came. */
  private startRequest(raw: Buffer): void {
    const head = parseRequestHead(raw);
    const [method, target] = head.start;
    let to = this.tunnelOrigin;
    if (!to) {
      if (method === 'CONNECT') return this.connectTunnel(target);
      const absolute = absoluteFormOf(target);
      if (!absolute) {
        const hostHeader = head.headers.find(([n]) => n.toLowerCase() === 'host')?.[1].trim();
        const why = /^[/*]/.test(target)
          ? `\`${method} ${target}\`${hostHeader ? ` for ${hostHeader}` : ''} came to the lab's gateway as if it were the server; it is the browsers' proxy, and takes absolute-form requests (\`GET http://host/path\`) and CONNECT`
          : `${JSON.stringify(head.start.join(' ').slice(0, 120))} is not a request line a proxy can read`;
        return this.refuse(400, 'Bad Request', why, { origin: '', method, target });
      }
      if (absolute.scheme !== 'http') return this.refuse(400, 'Bad Request', `an ${absolute.scheme}: URL in absolute form (${target}); https goes through CONNECT`, { origin: '', method, target });
      to = originOf('http', absolute.authority);
      if (!to) return this.refuse(400, 'Bad Request', `\`${absolute.authority}\` in ${target} is not a host and port`, { origin: '', method, target });
      if (!this.lab.options.isDeclared(to.origin)) {
        return this.refuse(403, 'Forbidden', `${to.origin} is not one of this run's origins; nothing was sent`, { origin: to.origin, method, target });
      }
    }
    const port = this.lab.options.route(to.origin, originFormOf(target));
    if (port === undefined) return this.refuse(502, 'Bad Gateway', `nothing serves ${to.origin}${originFormOf(target).split('?')[0]} in this run`, { origin: to.origin, method, target });
    const { framing } = requestFraming(head.headers);
    const upstream = this.upstreamFor(port);
    const current: InFlight = { method, what: { origin: to.origin, method, target }, upstream, request: { reader: new BodyReader(framing), done: false }, responseDone: false };
    this.current = current;
    this.lastUpstream = upstream;
    upstream.waiting = current;
    this.toUpstream(upstream, raw);
    if (framing.kind === 'tunnel') {
      this.tunnel = upstream;
      return;
    }
    if (current.request.reader.done) this.requestEnded(current);
  }

  /** `CONNECT host:port`: refused unless the origin is the run's; else 200, and TLS ends here with the lab's certificate for that host. */
  private connectTunnel(authority: string): void {
    const where = { method: 'CONNECT', target: authority };
    const to = /:[0-9]+$/.test(authority) ? originOf('https', authority) : undefined;
    if (!to) return this.refuse(400, 'Bad Request', `\`CONNECT ${authority}\` does not name a host and port`, { origin: '', ...where });
    if (!this.lab.options.isDeclared(to.origin)) {
      return this.refuse(403, 'Forbidden', `${to.host}:${to.port} is not one of this run's origins; nothing was sent`, { origin: to.origin, ...where });
    }
    let secureContext: SecureContext;
    try {
      // The CONNECT host names the certificate, whatever the ClientHello's SNI says: it is the host the browser means.
      secureContext = this.lab.options.certificates.secureContextFor(to.host.replace(/^\[(.*)\]$/, '$1'));
    } catch (error) {
      return this.refuse(502, 'Bad Gateway', `the lab has no certificate for ${to.host}: ${error instanceof Error ? error.message : String(error)}`, { origin: to.origin, ...where });
    }
    this.handedOver = true;
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('drain', this.onDrain);
    socket.setTimeout(0);
    socket.pause();
    for (const up of this.upstreams.values()) up.socket.destroy();
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    // Node's TLSSocket reads a connected socket's handle directly, so bytes already read
    // (a client that sent its ClientHello without waiting for the 200) would be lost: then
    // the TLS session reads through a stream that hands them over first.
    const early = this.inbox.length > 0 ? Buffer.concat(this.inbox) : undefined;
    this.inbox = [];
    const tls = new TLSSocket(early ? replaying(socket, early) : socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
    this.lab.track(tls);
    let secure = false;
    tls.once('secure', () => (secure = true));
    tls.on('error', (error: Error & { code?: string; reason?: string }) => {
      // A browser that does not trust the certificate says so with an alert before any request: worth
      // a line in the report. One that just leaves (a speculative connection it did not need) is not.
      if (!secure && error.code !== 'ECONNRESET' && error.code !== 'EPIPE') {
        const hint = /CERTIFICATE|UNKNOWN_CA/.test(error.code ?? '') ? " (the client does not accept the lab's certificate: is the lab's CA trusted?)" : '';
        this.lab.refuse({ origin: to.origin, ...where, reason: `the TLS handshake for ${to.host} failed: ${error.reason ?? error.message}${hint}` });
      }
      tls.destroy();
    });
    tls.once('close', () => socket.destroy());
    socket.once('close', () => tls.destroy());
    new ClientConnection(this.lab, tls, to);
  }

  /** Answers by itself (with Connection: close), records why, and closes. */
  private refuse(status: number, statusText: string, why: string, what: Omit<GatewayRefusal, 'at' | 'reason'>): void {
    this.lab.refuse({ ...what, reason: `${status} ${statusText}: ${why}` });
    const body = Buffer.from(`CORS Lab: ${why}\n`, 'utf8');
    this.closing = true;
    this.inbox = [];
    this.current = undefined;
    for (const up of this.upstreams.values()) up.socket.destroy();
    if (this.gone) return;
    if (this.socket.writableEnded) {
      this.socket.destroy();
      return;
    }
    const head = `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    this.socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  }

  private toUpstream(upstream: Upstream, bytes: Buffer): void {
    if (!upstream.socket.write(bytes)) this.socket.pause();
  }

  private toClient(bytes: Buffer, from: Upstream): void {
    if (this.gone) return;
    if (!this.socket.write(bytes)) from.socket.pause();
  }

  private requestEnded(current: InFlight): void {
    current.request.done = true;
    this.finishIfDone(current);
  }

  private finishIfDone(current: InFlight): void {
    if (!current.request.done || !current.responseDone || this.current !== current) return;
    this.current = undefined;
    if (this.gone) return this.destroy();
    if (current.upstream.closeAfter) return this.closeClient();
    if (this.ended) return this.closeIfIdle();
    // A request that waited goes out on the next tick, once whatever else came in the same read is dealt with.
    process.nextTick(() => this.pump());
  }

  private upstreamFor(port: number): Upstream {
    const existing = this.upstreams.get(port);
    if (existing && !existing.closed) return existing;
    const socket = connect({ host: this.lab.options.host, port, noDelay: true });
    this.lab.track(socket);
    const up: Upstream = { port, socket, connected: false, closed: false, closeAfter: false };
    this.upstreams.set(port, up);
    socket.on('connect', () => (up.connected = true));
    socket.on('data', (chunk: Buffer) => this.fromUpstream(up, chunk));
    socket.on('drain', () => this.socket.resume());
    socket.on('error', (error) => (up.error ??= error));
    socket.on('end', () => this.upstreamGone(up));
    socket.on('close', () => this.upstreamGone(up));
    return up;
  }

  /** Bytes from a server: the response to the request waiting on this connection, framed only to know where it ends, passed on as they come. */
  private fromUpstream(up: Upstream, chunk: Buffer): void {
    let bytes = chunk;
    while (bytes.length > 0) {
      if (this.tunnel === up) return this.toClient(bytes, up);
      const current = up.waiting;
      // Bytes no request is waiting for: passed on only when nothing else could be on its way to the client, as the recorder does.
      if (!current || current.responseDone) {
        if (!this.current && this.lastUpstream === up) this.toClient(bytes, up);
        return;
      }
      if (!up.body) {
        const buf: Buffer = up.head ? Buffer.concat([up.head, bytes]) : bytes;
        const end = headEnd(buf);
        if (end < 0 && buf.length <= MAX_HEAD_BYTES) {
          up.head = buf;
          return;
        }
        up.head = undefined;
        const raw = end < 0 ? buf : buf.subarray(0, end);
        bytes = end < 0 ? Buffer.alloc(0) : buf.subarray(end);
        const head = parseResponseHead(raw);
        const status = statusOf(head.start[1]);
        this.toClient(raw, up);
        if (end >= 0 && status >= 100 && status < 200 && status !== 101) continue; // interim: the final response follows
        const { framing } = end < 0 ? { framing: { kind: 'close' } as const } : responseFraming(current.method, status, head.headers);
        up.closeAfter = lowerValues(head.headers, 'connection').includes('close');
        up.body = new BodyReader(framing);
        if (framing.kind === 'tunnel') {
          this.tunnel = up;
          this.responseEnded(up, current);
          continue;
        }
        if (up.body.done) this.responseEnded(up, current);
        continue;
      }
      const read = up.body.read(bytes);
      if (read.used > 0) this.toClient(bytes.subarray(0, read.used), up);
      if (read.error) up.body = new BodyReader({ kind: 'close' });
      bytes = bytes.subarray(read.used);
      if (read.done) this.responseEnded(up, current);
    }
  }

  private responseEnded(up: Upstream, current: InFlight): void {
    current.responseDone = true;
    up.body = undefined;
    up.waiting = undefined;
    this.finishIfDone(current);
  }

  /** A server's side closed (or failed): finish a close-delimited response, answer 502 when it could not be reached, or drop the client as the server dropped it. */
  private upstreamGone(up: Upstream): void {
    if (up.closed) return;
    up.closed = true;
    up.socket.destroy();
    if (this.upstreams.get(up.port) === up) this.upstreams.delete(up.port);
    const current = up.waiting;
    if (current && !current.responseDone && !this.closing) {
      const kind = up.body?.framing.kind;
      if (up.body && (kind === 'close' || kind === 'tunnel') && !up.error) {
        this.responseEnded(up, current);
        this.closeClient();
      } else if (!up.connected) {
        const why = up.error ? `: ${up.error.message}` : '';
        this.refuse(502, 'Bad Gateway', `nothing answered on ${this.lab.options.host}:${up.port}, which serves ${current.what.origin}${why}`, current.what);
      } else {
        this.current = undefined;
        this.destroy();
      }
      return;
    }
    if (this.tunnel === up || (this.lastUpstream === up && !this.current)) this.closeClient();
  }

  /** Ends the client's side once everything written so far has gone out. */
  private closeClient(): void {
    if (this.current && !this.current.responseDone) return;
    this.closing = true;
    for (const other of this.upstreams.values()) other.socket.destroy();
    if (!this.gone && !this.socket.writableEnded) this.socket.end();
  }

  private closeIfIdle(): void {
    if (this.current || this.tunnel) return;
    this.closeClient();
  }

  private clientGone(): void {
    this.gone = true;
    if (this.handedOver) return;
    for (const up of this.upstreams.values()) up.socket.destroy();
  }
}

/** The socket as a stream that yields `early` first, then what the socket reads; for a TLS session that must see bytes already read. */
function replaying(socket: Socket, early: Buffer): Duplex {
  const stream = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _encoding, done) => socket.write(chunk, done),
    final: (done) => socket.end(done),
    destroy: (error, done) => {
      socket.destroy();
      done(error);
    },
  });
  stream.push(early);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.resume();
  return stream;
}
