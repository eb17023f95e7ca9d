/**
 * The gateway on real sockets: a browser's side written byte by byte with
 * node:net (and node:tls inside a CONNECT tunnel), and tiny raw upstreams
 * that keep every byte they received, so "passed on unchanged" is checked on
 * the bytes themselves. Certificates come from the lab's own CA
 * (harness/system/certificates.ts), made in a temporary folder; one test
 * uses the openssl CLI as a client that answers an untrusted certificate
 * with an alert, as browsers do.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LabGateway, originOf } from './gateway.ts';
import { labAuthority, type LabAuthority } from '../../harness/system/certificates.ts';

const host = '127.0.0.1';
const OPENSSL = '/usr/bin/openssl';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Resolves as `promise` does, or fails within `ms` saying what was awaited (the suite's own timeout is minutes). */
function within<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The lab's own certificate authority (harness/system/certificates.ts), made afresh in a temporary folder. */
let authority: LabAuthority;
let ca = '';
let caDir = '';
beforeAll(async () => {
  caDir = await mkdtemp(path.join(tmpdir(), 'corslab-gateway-test-'));
  authority = await labAuthority(caDir);
  ca = authority.caCertPem;
});
afterAll(() => rm(caDir, { recursive: true, force: true }));

/** An upstream that keeps what it received on each connection and answers when `answer` returns bytes for what has arrived so far. */
async function rawUpstream(answer: (received: string) => { reply: string; close?: boolean } | undefined) {
  const connections: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const index = connections.push('') - 1;
    let answered = 0;
    socket.on('data', (chunk) => {
      connections[index] += chunk.toString('latin1');
      const out = answer(connections[index]!.slice(answered));
      if (!out) return;
      answered = connections[index]!.length;
      socket.write(Buffer.from(out.reply, 'latin1'));
      if (out.close) socket.end();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as AddressInfo).port, connections, open: () => sockets.size };
}

/** Answers once a whole head has arrived. */
const afterHead = (reply: string, close?: boolean) => (received: string) => (received.includes('\r\n\r\n') ? { reply, close } : undefined);
const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** A gateway for these origins, each served by one port; `routed` keeps every route() call. */
async function gatewayFor(ports: Record<string, number>) {
  const routed: string[] = [];
  const gateway = new LabGateway({
    host,
    isDeclared: (origin) => origin in ports,
    route: (origin, target) => {
      routed.push(`${origin} ${target}`);
      return ports[origin] || undefined;
    },
    certificates: authority, // the lab's CA is what a run hands the gateway
  });
  const port = await gateway.listen();
  cleanups.push(() => gateway.close());
  return { gateway, port, routed };
}

/** One end of a connection, as raw bytes: a browser's to the gateway, or the TLS session inside a tunnel. */
function client(socket: Socket | TLSSocket) {
  let received = '';
  let closed = false;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  socket.on('data', (c: Buffer) => ((received += c.toString('latin1')), wake()));
  socket.on('error', () => {});
  socket.on('close', () => ((closed = true), wake()));
  cleanups.push(() => void socket.destroy());
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 3000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(received)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return {
    socket,
    send: (text: string | Buffer) => socket.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : text),
    received: () => received,
    forget: () => (received = ''),
    isClosed: () => closed,
    receive: (text: string, count = 1) => until(() => received.split(text).length - 1 >= count, JSON.stringify(text)),
    closed: () => until(() => closed, 'the connection to close'),
  };
}

async function browser(port: number) {
  const socket = connect({ host, port });
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  return client(socket);
}

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/** CONNECT through the gateway, then TLS inside the tunnel, checked against the test CA. */
async function tunnel(port: number, authority: string, servername: string, identity = servername) {
  const b = await browser(port);
  b.send(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Connection: keep-alive\r\n\r\n`);
  await b.receive('\r\n\r\n');
  expect(b.received()).toBe(ESTABLISHED);
  b.socket.removeAllListeners('data');
  const secure = tlsConnect({ socket: b.socket, servername, ca, ALPNProtocols: ['http/1.1'], checkServerIdentity: (_h, cert) => checkServerIdentity(identity, cert) });
  await within(new Promise<void>((r, j) => secure.once('secureConnect', r).once('error', j)), 'the TLS handshake');
  return client(secure);
}

describe('the lab gateway, http in absolute form', () => {
  it('passes an absolute-form GET to a declared origin on byte for byte, Proxy-Connection included, and its answer back byte for byte', async () => {
    const response = 'HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin:  http://app.example.com \t\r\nContent-Length: 2\r\n\r\nok';
    const up = await rawUpstream(afterHead(response));
    const { gateway, port, routed } = await gatewayFor({ 'http://api.example.com:8080': up.port });
    const b = await browser(port);
    const request = 'GET http://API.example.com:8080/items?corslab_cell=g1 HTTP/1.1\r\nHost: api.example.com:8080\r\nProxy-Connection: keep-alive\r\nOrigin: http://app.example.com\r\n\r\n';
    b.send(request);
    await b.receive('ok');
    expect(b.received()).toBe(response);
    expect(up.connections).toEqual([request]);
    expect(routed).toEqual(['http://api.example.com:8080 /items?corslab_cell=g1']);
    expect(gateway.refusals()).toEqual([]);
    expect(b.isClosed()).toBe(false);
  });

  it('routes each request of one browser connection on its own: two http hosts, two ports', async () => {
    const a = await rawUpstream(afterHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA'));
    const c = await rawUpstream(afterHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC'));
    const { port, routed } = await gatewayFor({ 'http://app.example.com': a.port, 'http://localhost:5173': c.port });
    const b = await browser(port);
    const toA = 'GET http://app.example.com/ HTTP/1.1\r\nHost: app.example.com\r\nProxy-Connection: keep-alive\r\n\r\n';
    const toC = 'POST http://localhost:5173/api?x=1 HTTP/1.1\r\nHost: localhost:5173\r\nContent-Length: 3\r\n\r\nabc';
    b.send(toA);
    await b.receive('A');
    b.send(toC);
    await b.receive('C');
    b.send(toA);
    await b.receive('A', 2);
    expect(a.connections).toEqual([toA + toA]); // one upstream connection per port, reused
    expect(c.connections).toEqual([toC]);
    expect(routed).toEqual(['http://app.example.com /', 'http://localhost:5173 /api?x=1', 'http://app.example.com /']);
    expect(b.received()).toBe('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nCHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA');
  });

  it('relays a chunked response exactly, and knows where it ends: the next request on the connection gets its own answer', async () => {
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n';
    const replies = [chunked, ok];
    let n = 0;
    const server = await rawUpstream((r) => (r.includes('\r\n\r\n') ? { reply: replies[n++]! } : undefined));
    const { port } = await gatewayFor({ 'http://api.example.com': server.port });
    const b = await browser(port);
    b.send('GET http://api.example.com/c HTTP/1.1\r\nHost: api.example.com\r\n\r\nGET http://api.example.com/d HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.receive('\r\n\r\nok');
    expect(b.received()).toBe(chunked + ok);
    // The second request went out only once the first response had ended.
    expect(server.connections).toEqual(['GET http://api.example.com/c HTTP/1.1\r\nHost: api.example.com\r\n\r\nGET http://api.example.com/d HTTP/1.1\r\nHost: api.example.com\r\n\r\n']);
  });

  it('expects no body after a HEAD response with a Content-Length, or a 304, and goes on', async () => {
    const replies = ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n', ok];
    let n = 0;
    const up = await rawUpstream((r) => (r.includes('\r\n\r\n') ? { reply: replies[n++]! } : undefined));
    const { port } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    b.send('HEAD http://api.example.com/h HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.receive('100\r\n\r\n');
    b.send('GET http://api.example.com/n HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.receive('Not Modified');
    b.send('GET http://api.example.com/o HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.receive('ok');
    expect(b.received()).toBe(replies.join(''));
  });

  it('passes an interim 100 Continue on and waits for the final response', async () => {
    const up = await rawUpstream((r) => (r.includes('\r\n\r\n') && !r.endsWith('body') ? { reply: 'HTTP/1.1 100 Continue\r\n\r\n' } : r.endsWith('body') ? { reply: ok } : undefined));
    const { port } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    b.send('PUT http://api.example.com/u HTTP/1.1\r\nHost: api.example.com\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await b.receive('100 Continue\r\n\r\n');
    b.send('body');
    await b.receive('ok');
    expect(b.received()).toBe(`HTTP/1.1 100 Continue\r\n\r\n${ok}`);
  });

  it('closes the browser connection after a response with Connection: close', async () => {
    const response = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
    const up = await rawUpstream(afterHead(response));
    const { port } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    b.send('SUPER http://api.example.com/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.closed();
    expect(b.received()).toBe(response);
  });

  it('reads a response without a length until the server closes, then closes the browser connection', async () => {
    const response = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it';
    const up = await rawUpstream(afterHead(response, true));
    const { port } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    b.send('GET http://api.example.com/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.closed();
    expect(b.received()).toBe(response);
  });

  it('pipes both ways raw after 101 Switching Protocols', async () => {
    const up = await rawUpstream((r) => (r.endsWith('\r\n\r\n') ? { reply: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n' } : r === 'ping' ? { reply: 'pong' } : undefined));
    const { port } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    const upgrade = 'GET http://api.example.com/ws HTTP/1.1\r\nHost: api.example.com\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n';
    b.send(upgrade);
    await b.receive('\r\n\r\n');
    b.send('ping');
    await b.receive('pong');
    expect(up.connections).toEqual([`${upgrade}ping`]);
  });
});

describe('the lab gateway, https through CONNECT', () => {
  it('answers CONNECT to a declared origin with 200, ends TLS with the lab certificate, and passes the plaintext request on byte for byte', async () => {
    const response = 'HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.example.com\r\n\r\n';
    const up = await rawUpstream(afterHead(response));
    const { gateway, port, routed } = await gatewayFor({ 'https://api.example.com': up.port });
    const t = await tunnel(port, 'api.example.com:443', 'api.example.com');
    expect((t.socket as TLSSocket).authorized).toBe(true);
    expect((t.socket as TLSSocket).alpnProtocol).toBe('http/1.1');
    const request = 'OPTIONS /items?corslab_cell=t1 HTTP/1.1\r\nHost: api.example.com\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n\r\n';
    t.send(request);
    await t.receive('\r\n\r\n');
    expect(t.received()).toBe(response);
    expect(up.connections).toEqual([request]);
    expect(routed).toEqual(['https://api.example.com /items?corslab_cell=t1']);
    // The connection goes on inside the tunnel.
    t.forget();
    t.send(request);
    await t.receive('\r\n\r\n');
    expect(up.connections).toEqual([request + request]);
    expect(gateway.refusals()).toEqual([]);
  });

  it('names the certificate by the CONNECT host, whatever the SNI says; a port other than 443 is part of the origin', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { port } = await gatewayFor({ 'https://app.example.com:8443': up.port });
    const t = await tunnel(port, 'APP.example.com:8443', 'elsewhere.example', 'app.example.com');
    t.send('GET / HTTP/1.1\r\nHost: app.example.com:8443\r\n\r\n');
    await t.receive('ok');
    expect(up.connections).toEqual(['GET / HTTP/1.1\r\nHost: app.example.com:8443\r\n\r\n']);
  });

  it('reads a ClientHello that came in the same packet as the CONNECT', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { port } = await gatewayFor({ 'https://api.example.com': up.port });
    const raw = await browser(port);
    raw.socket.removeAllListeners('data');
    // A stream between the TLS client and the socket: the first write (the ClientHello) goes out
    // with the CONNECT in one write; the 200 is taken off what comes back before TLS sees it.
    let skip = ESTABLISHED.length;
    let first = true;
    const relay: Duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _e, done) {
        raw.socket.write(first ? Buffer.concat([Buffer.from('CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n'), chunk]) : chunk, done);
        first = false;
      },
    });
    raw.socket.on('data', (chunk: Buffer) => {
      const cut = Math.min(skip, chunk.length);
      skip -= cut;
      if (cut < chunk.length) relay.push(chunk.subarray(cut));
    });
    const secure = tlsConnect({ socket: relay, servername: 'api.example.com', ca });
    await within(new Promise<void>((r, j) => secure.once('secureConnect', r).once('error', j)), 'the TLS handshake');
    const t = client(secure);
    t.send('GET /early HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await t.receive('ok');
    expect(up.connections).toEqual(['GET /early HTTP/1.1\r\nHost: api.example.com\r\n\r\n']);
  });

  it('records a refusal when the client does not trust the certificate and says so with an alert, as browsers do', async () => {
    if (!existsSync(OPENSSL)) throw new Error(`this test runs the openssl CLI as its TLS client, and there is none at ${OPENSSL}`);
    const { gateway, port } = await gatewayFor({ 'https://api.example.com': 1 });
    // openssl s_client sends the CONNECT itself, and without the test CA refuses the certificate with an alert
    // (Node's own TLS client checks the certificate after the handshake and just closes, with no alert).
    const args = ['s_client', '-proxy', `${host}:${port}`, '-connect', 'api.example.com:443', '-servername', 'api.example.com', '-verify_return_error'];
    await new Promise<void>((resolve) => execFile(OPENSSL, args, { timeout: 5000 }, () => resolve()).stdin?.end());
    const deadline = Date.now() + 3000;
    while (gateway.refusals().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(gateway.refusals()).toEqual([
      {
        at: expect.any(Number),
        origin: 'https://api.example.com',
        method: 'CONNECT',
        target: 'api.example.com:443',
        reason: "the TLS handshake for api.example.com failed: tlsv1 alert unknown ca (the client does not accept the lab's certificate: is the lab's CA trusted?)",
      },
    ]);
  });
});

describe('the lab gateway, sealed: what it answers by itself', () => {
  it('refuses CONNECT to a host that is not one of the run\'s with 403, says why, and sends nothing anywhere', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { gateway, port, routed } = await gatewayFor({ 'https://api.example.com': up.port });
    const b = await browser(port);
    b.send('CONNECT api.other.example:443 HTTP/1.1\r\nHost: api.other.example:443\r\n\r\n');
    await b.closed();
    const body = "CORS Lab: api.other.example:443 is not one of this run's origins; nothing was sent\n";
    expect(b.received()).toBe(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(gateway.refusals()).toEqual([
      { at: expect.any(Number), origin: 'https://api.other.example', method: 'CONNECT', target: 'api.other.example:443', reason: `403 Forbidden: ${body.slice('CORS Lab: '.length, -1)}` },
    ]);
    expect(routed).toEqual([]);
    expect(up.connections).toEqual([]);
  });

  it('refuses an absolute-form request to a host that is not one of the run\'s with 403, and sends nothing anywhere', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { gateway, port, routed } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    b.send('GET http://api.example.com:8080/x HTTP/1.1\r\nHost: api.example.com:8080\r\n\r\n');
    await b.closed();
    expect(b.received()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Length: \d+\r\nConnection: close\r\n\r\nCORS Lab: http:\/\/api\.example\.com:8080 is not one of this run's origins; nothing was sent\n$/);
    expect(gateway.refusals()).toEqual([expect.objectContaining({ origin: 'http://api.example.com:8080', method: 'GET', target: 'http://api.example.com:8080/x' })]);
    expect(routed).toEqual([]);
    expect(up.connections).toEqual([]);
  });

  it('answers 502 and records it when nothing routes a request, or nothing listens on its port', async () => {
    const down = await rawUpstream(() => undefined);
    await cleanups.pop()!(); // nothing listens there any more
    const { gateway, port } = await gatewayFor({ 'http://api.example.com': down.port, 'http://app.example.com': 0 });
    const b = await browser(port);
    b.send('GET http://api.example.com/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.closed();
    expect(b.received()).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Length: \d+\r\nConnection: close\r\n\r\nCORS Lab: nothing answered on 127\.0\.0\.1:\d+, which serves http:\/\/api\.example\.com: connect ECONNREFUSED/);
    const c = await browser(port);
    c.send('GET http://app.example.com/y HTTP/1.1\r\nHost: app.example.com\r\n\r\n');
    await c.closed();
    expect(c.received()).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n[^]*\r\n\r\nCORS Lab: nothing serves http:\/\/app\.example\.com\/y in this run\n$/);
    expect(gateway.refusals().map((r) => [r.origin, r.reason.split(':')[0]])).toEqual([
      ['http://api.example.com', '502 Bad Gateway'],
      ['http://app.example.com', '502 Bad Gateway'],
    ]);
  });

  it.each([
    ['a line that is not a request line', 'hello there\r\n\r\n'],
    ['a TLS ClientHello sent to the proxy as if it were the server', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
    ['an origin-form request nobody proxied', 'GET /items HTTP/1.1\r\nHost: api.example.com\r\n\r\n'],
  ])('answers 400 to %s, and records it', async (_what, bytes) => {
    const up = await rawUpstream(afterHead(ok));
    const { gateway, port } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    b.send(bytes);
    await b.closed();
    expect(b.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Length: \d+\r\nConnection: close\r\n\r\nCORS Lab: .+\n$/);
    expect(gateway.refusals()).toEqual([expect.objectContaining({ origin: '', reason: expect.stringMatching(/^400 Bad Request: /) })]);
    expect(up.connections).toEqual([]);
  });

  it('answers 431 to a head with no end in sight', async () => {
    const { gateway, port } = await gatewayFor({});
    const b = await browser(port);
    b.send(`GET http://api.example.com/ HTTP/1.1\r\nX: ${'x'.repeat(300 * 1024)}`);
    await b.closed();
    expect(b.received()).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(gateway.refusals()).toHaveLength(1);
  });

  it('drops the browser connection, as the server did, when a server closes without answering', async () => {
    const up = await rawUpstream((r) => (r.includes('\r\n\r\n') ? { reply: '', close: true } : undefined));
    const { gateway, port } = await gatewayFor({ 'http://api.example.com': up.port });
    const b = await browser(port);
    b.send('GET http://api.example.com/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await b.closed();
    expect(b.received()).toBe('');
    expect(gateway.refusals()).toEqual([]);
  });

  it('leaves no socket open after close(): browsers\', tunnels\' and servers\'', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { gateway, port } = await gatewayFor({ 'http://api.example.com': up.port, 'https://api.example.com': up.port });
    const plain = await browser(port);
    plain.send('GET http://api.example.com/x HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await plain.receive('ok');
    const t = await tunnel(port, 'api.example.com:443', 'api.example.com');
    t.send('GET /y HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    await t.receive('ok');
    const idle = await browser(port);
    expect(up.open()).toBe(2);
    await within(gateway.close(), 'close() to resolve');
    await plain.closed();
    await t.closed();
    await idle.closed();
    const deadline = Date.now() + 3000;
    while (up.open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(up.open()).toBe(0);
  });
});

describe('an origin as the gateway reads it', () => {
  it('is the browser\'s serialization: lower case, no default port, IPv6 in brackets', () => {
    expect(originOf('https', 'API.Example.com:443')).toEqual({ origin: 'https://api.example.com', host: 'api.example.com', port: 443 });
    expect(originOf('http', 'localhost:5173')).toEqual({ origin: 'http://localhost:5173', host: 'localhost', port: 5173 });
    expect(originOf('http', 'app.example.com:80')?.origin).toBe('http://app.example.com');
    expect(originOf('https', '[::1]:8443')).toEqual({ origin: 'https://[::1]:8443', host: '[::1]', port: 8443 });
  });

  it('is none for userinfo, an empty host or a bad port', () => {
    expect(originOf('http', 'user@api.example.com')).toBeUndefined();
    expect(originOf('http', '')).toBeUndefined();
    expect(originOf('https', 'api.example.com:99999')).toBeUndefined();
  });
});
