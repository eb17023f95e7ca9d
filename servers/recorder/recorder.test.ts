/**
 * The recorder on raw sockets: a browser side written byte by byte with
 * node:net, and tiny raw upstreams that keep every byte they received, so
 * "passed on unchanged" is checked on the bytes themselves. A few tests also
 * go through node:http on both sides, as the stacks do.
 */
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WireRecorder, cellToken } from './recorder.ts';
import { closeServer, listenOnFreePort } from '../../harness/system/listen.ts';

const host = '127.0.0.1';
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** An upstream that keeps what it received on each connection and answers when `answer` returns bytes for what has arrived so far. */
async function rawUpstream(answer: (received: string) => { reply: string; close?: boolean } | undefined) {
  const connections: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
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
  return { port: (server.address() as AddressInfo).port, connections };
}

/** Answers once a whole head (and nothing more is expected) has arrived. */
const afterHead = (reply: string, close?: boolean) => (received: string) => (received.includes('\r\n\r\n') ? { reply, close } : undefined);

async function recorderFor(upstream: number | ((target: string) => number | undefined) | undefined, options: { tap?: boolean } = {}) {
  const recorder = new WireRecorder(host, Date.now(), options);
  const port = await recorder.listen();
  if (upstream !== undefined) recorder.setUpstream(upstream);
  cleanups.push(() => recorder.close());
  return { recorder, port };
}

async function httpUpstream(handler: Parameters<typeof createHttpServer>[1]): Promise<number> {
  const server: Server = createHttpServer(handler);
  const port = await listenOnFreePort(server, host);
  cleanups.push(() => closeServer(server));
  return port;
}

function send(port: number, path: string, method: string, rawHeaders: string[], body?: string) {
  return new Promise<{ status: number; rawHeaders: string[]; body: string } | { error: string }>((resolve) => {
    // HTTP/1.1 requires Host; Node's server answers 400 without one.
    const headers = rawHeaders.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host') ? rawHeaders : ['Host', 'api.example.localhost', ...rawHeaders];
    const req = request({ host, port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: text }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end(body);
  });
}

/** A browser's side of one connection, as raw bytes. */
async function browser(port: number) {
  const socket = connect({ host, port });
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  let received = '';
  let closed = false;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  socket.on('data', (c) => ((received += c.toString('latin1')), wake()));
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
    send: (text: string) => socket.write(Buffer.from(text, 'latin1')),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
    received: () => received,
    isClosed: () => closed,
    /** Waits until `text` has arrived, `count` times. */
    receive: (text: string, count = 1) => until(() => received.split(text).length - 1 >= count, JSON.stringify(text)),
    closed: () => until(() => closed, 'the connection to close'),
  };
}

const added = (seq: number) => `x-corslab-exchange: ${seq}\r\n`;
/** What the upstream must have received: the browser's bytes with the one added line after the request line. */
const withAdded = (request: string, seq: number) => request.replace('\r\n', `\r\n${added(seq)}`);

const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('the wire recorder, byte for byte', () => {
  it.each(['patch', 'SUPER'])('forwards and records the method token %s, which Node refuses, with the answer it got', async (method) => {
    const up = await rawUpstream(afterHead('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 4\r\n\r\nnope'));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    const request = `${method} /items?corslab_cell=m1 HTTP/1.1\r\nHost: api.example.localhost\r\nOrigin: http://app.example.localhost\r\n\r\n`;
    b.send(request);
    await b.receive('nope');
    expect(b.received()).toBe('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 4\r\n\r\nnope');
    expect(up.connections).toEqual([withAdded(request, 1)]);
    const [exchange] = recorder.exchangesFor('m1');
    expect(exchange).toMatchObject({
      kind: 'actual',
      request: { method, target: '/items?corslab_cell=m1', httpVersion: '1.1' },
      response: { httpVersion: '1.1', status: 405, statusText: 'Method Not Allowed', headers: [['Allow', 'GET'], ['Content-Length', '4']], body: 'nope', complete: true },
    });
    expect(exchange!.request.rawHead).toBeUndefined();
  });

  it('records header values with their surrounding spaces and tabs, and they reach the app byte for byte', async () => {
    const response = 'HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin:   http://app.example.localhost:1  \t \r\nAccess-Control-Allow-Credentials:  true \r\nContent-Length: 0\r\n\r\n';
    const up = await rawUpstream(afterHead(response));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    const request = 'GET /w?corslab_cell=ws HTTP/1.1\r\nHost: api.example.localhost\r\nX-Pad:   x  \t\r\nX-Empty: \r\n\r\n';
    b.send(request);
    await b.receive('\r\n\r\n');
    expect(b.received()).toBe(response);
    expect(up.connections[0]).toBe(withAdded(request, 1));
    const [exchange] = recorder.exchangesFor('ws');
    expect(exchange!.request.headers).toEqual([['Host', 'api.example.localhost'], ['X-Pad', '  x  \t'], ['X-Empty', '']]);
    expect(exchange!.response!.headers).toEqual([
      ['Access-Control-Allow-Origin', '  http://app.example.localhost:1  \t '],
      ['Access-Control-Allow-Credentials', ' true '],
      ['Content-Length', '0'],
    ]);
    // One space after each colon: the record re-serializes to these very bytes, so no raw copy is kept.
    expect(exchange!.request.rawHead).toBeUndefined();
    expect(exchange!.response!.rawHead).toBeUndefined();
  });

  it('keeps the exact head when it is not the canonical form: no space or a tab after the colon, an obs-fold, a bare LF', async () => {
    const response = 'HTTP/1.1 200 OK\nAccess-Control-Allow-Origin:http://app.example.localhost\r\nX-Fold: a\r\n  b\r\nContent-Length:\t0\r\n\r\n';
    const up = await rawUpstream(afterHead(response));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    const request = 'GET /r?corslab_cell=raw HTTP/1.1\r\nHost:api.example.localhost\r\nX-Tab:\tv\r\n\r\n';
    b.send(request);
    await b.receive('\r\n\r\n');
    expect(b.received()).toBe(response);
    expect(up.connections[0]).toBe(withAdded(request, 1));
    const [exchange] = recorder.exchangesFor('raw');
    expect(exchange!.request.headers).toEqual([['Host', 'api.example.localhost'], ['X-Tab', '\tv']]);
    expect(exchange!.request.rawHead).toBe(request);
    expect(exchange!.response!.headers).toEqual([['Access-Control-Allow-Origin', 'http://app.example.localhost'], ['X-Fold', 'a b'], ['Content-Length', '\t0']]);
    expect(exchange!.response!.rawHead).toBe(response);
    expect(exchange!.response!.notes).toEqual(['the value of X-Fold continues on a folded line (obs-fold), recorded as one space']);
    expect(exchange!.response!.complete).toBe(true);
  });

  it('keeps duplicates, their order and the case of every name, both ways', async () => {
    const response = 'HTTP/1.1 200 OK\r\naccess-control-allow-origin: http://a.localhost\r\nVary: Origin\r\nACCESS-CONTROL-ALLOW-ORIGIN: http://b.localhost\r\nContent-Length: 0\r\n\r\n';
    const up = await rawUpstream(afterHead(response));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    const request = 'GET /d?corslab_cell=dup HTTP/1.1\r\nhost: api.example.localhost\r\nX-A: 1\r\nx-a: 2\r\nX-B: 3\r\nX-A: 4\r\n\r\n';
    b.send(request);
    await b.receive('\r\n\r\n');
    expect(b.received()).toBe(response);
    expect(up.connections[0]).toBe(withAdded(request, 1));
    const [exchange] = recorder.exchangesFor('dup');
    expect(exchange!.request.headers).toEqual([['host', 'api.example.localhost'], ['X-A', '1'], ['x-a', '2'], ['X-B', '3'], ['X-A', '4']]);
    expect(exchange!.response!.headers.map(([n]) => n)).toEqual(['access-control-allow-origin', 'Vary', 'ACCESS-CONTROL-ALLOW-ORIGIN', 'Content-Length']);
  });

  it('passes a chunked request body and a chunked response on with their chunk framing, and records the bodies decoded', async () => {
    const response = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';
    const up = await rawUpstream((r) => (r.endsWith('0\r\n\r\n') ? { reply: response } : undefined));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    const head = 'POST /c?corslab_cell=chunk HTTP/1.1\r\nHost: api.example.localhost\r\nTransfer-Encoding: chunked\r\n\r\n';
    // In pieces, split inside the framing, as TCP may deliver it.
    b.send(`${head}3\r\nab`);
    await new Promise((r) => setTimeout(r, 20));
    b.send('c\r\n4\r');
    await new Promise((r) => setTimeout(r, 20));
    b.send('\ndefg\r\n0\r\n\r\n');
    await b.receive('X-Trailer: t\r\n\r\n');
    expect(b.received()).toBe(response);
    expect(up.connections[0]).toBe(withAdded(`${head}3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n`, 1));
    const [exchange] = recorder.exchangesFor('chunk');
    expect(exchange!.request).toMatchObject({ body: 'abcdefg', bodyBytes: 7 });
    expect(exchange!.response).toMatchObject({ body: 'hello, world', bodyBytes: 12, complete: true });
  });

  it('expects no body after a HEAD response with Content-Length, or after a 204, and the connection goes on', async () => {
    const up = await rawUpstream((r) => {
      if (!r.includes('\r\n\r\n')) return undefined;
      if (r.startsWith('HEAD')) return { reply: 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n' };
      if (r.startsWith('DELETE')) return { reply: 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n' };
      return { reply: ok };
    });
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send('HEAD /h?corslab_cell=h1 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n');
    await b.receive('\r\n\r\n');
    expect(recorder.exchangesFor('h1')[0]!.response).toMatchObject({ status: 200, complete: true });
    expect(recorder.exchangesFor('h1')[0]!.response!.body).toBeUndefined();
    b.send('DELETE /h?corslab_cell=h2 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n');
    await b.receive('\r\n\r\n', 2);
    expect(recorder.exchangesFor('h2')[0]!.response).toMatchObject({ status: 204, statusText: 'No Content', complete: true });
    b.send('GET /h?corslab_cell=h3 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n');
    await b.receive('ok');
    expect(recorder.exchangesFor('h3')[0]!.response).toMatchObject({ status: 200, body: 'ok', complete: true });
    expect(up.connections).toHaveLength(1); // one kept-alive connection to the app for all three
  });

  it('routes each request of a kept-alive connection by its own target, keeping one app connection per port', async () => {
    const a = await rawUpstream(afterHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA'));
    const c = await rawUpstream(afterHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC'));
    const { recorder, port } = await recorderFor((target) => (target.startsWith('/s/a/') ? a.port : target.startsWith('/s/c/') ? c.port : undefined));
    const b = await browser(port);
    b.send('GET /s/a/x?corslab_cell=k1 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n');
    await b.receive('A');
    b.send('GET /s/c/x?corslab_cell=k2 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n');
    await b.receive('C');
    b.send('GET /s/a/y?corslab_cell=k3 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n');
    await b.receive('A', 2);
    expect(a.connections).toEqual([
      withAdded('GET /s/a/x?corslab_cell=k1 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n', 1) + withAdded('GET /s/a/y?corslab_cell=k3 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n', 3),
    ]);
    expect(c.connections).toEqual([withAdded('GET /s/c/x?corslab_cell=k2 HTTP/1.1\r\nHost: api.example.localhost\r\n\r\n', 2)]);
    expect(['k1', 'k2', 'k3'].map((t) => recorder.exchangesFor(t)[0]!.response?.body)).toEqual(['A', 'C', 'A']);
    expect(b.isClosed()).toBe(false);
  });

  it('queues a request that arrives before the previous response has ended', async () => {
    let answers = 0;
    const up = await rawUpstream((r) => (r.includes('\r\n\r\n') ? { reply: `HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${++answers}` } : undefined));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send('GET /q?corslab_cell=q1 HTTP/1.1\r\nHost: h\r\n\r\nGET /q?corslab_cell=q2 HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.receive('\r\n\r\n2');
    expect(recorder.exchangesFor('q1')[0]!.response!.body).toBe('1');
    expect(recorder.exchangesFor('q2')[0]!.response!.body).toBe('2');
    // The second went out only after the first was answered.
    expect(up.connections[0]).toBe(withAdded('GET /q?corslab_cell=q1 HTTP/1.1\r\nHost: h\r\n\r\n', 1) + withAdded('GET /q?corslab_cell=q2 HTTP/1.1\r\nHost: h\r\n\r\n', 2));
  });

  it('adds no delay of its own: a head and a body written apart go out at once (no Nagle)', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { port } = await recorderFor(up.port);
    const b = await browser(port);
    const started = performance.now();
    for (let i = 1; i <= 40; i++) {
      b.send(`GET /n?corslab_cell=n${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
      await b.receive('ok', i);
    }
    // With Nagle's algorithm each body waits for the ACK of its head: ~40 ms each on Linux.
    expect(performance.now() - started).toBeLessThan(600);
  });

  it('classifies a preflight by its method compared case-sensitively, and a setup request by its header', async () => {
    const up = await rawUpstream(afterHead('HTTP/1.1 204 No Content\r\n\r\n'));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    const cases = [
      ['OPTIONS', 'Access-Control-Request-Method: PUT', 'preflight'],
      // https://fetch.spec.whatwg.org/#cors-preflight-request: the method is `OPTIONS`, a byte sequence; `options` is another method.
      ['options', 'Access-Control-Request-Method: PUT', 'actual'],
      ['OPTIONS', 'X-Corslab-Setup: 1', 'setup'],
    ];
    for (const [i, [method, header]] of cases.entries()) {
      b.send(`${method} /k?corslab_cell=kind${i} HTTP/1.1\r\nHost: h\r\n${header}\r\n\r\n`);
      await b.receive('204 No Content', i + 1);
    }
    expect(cases.map((_, i) => recorder.exchangesFor(`kind${i}`)[0]!.kind)).toEqual(cases.map(([, , kind]) => kind));
  });

  it('never takes bytes the app sent after a response for the answer to the next request', async () => {
    const up = await rawUpstream((r) => (r.includes('corslab_cell=x1') ? { reply: `${ok}EXTRA` } : r.includes('\r\n\r\n') ? { reply: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nTWO' } : undefined));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    // The second request is already waiting when the first answer and the extra bytes arrive together.
    b.send('GET /x?corslab_cell=x1 HTTP/1.1\r\nHost: h\r\n\r\nGET /x?corslab_cell=x2 HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.receive('TWO');
    expect(b.received()).toBe(`${ok}EXTRAHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nTWO`);
    expect(recorder.exchangesFor('x1')[0]!.response!.notes).toEqual(['the app sent 5 more bytes after this response; they were passed on']);
    expect(recorder.exchangesFor('x2')[0]!.response).toMatchObject({ status: 200, body: 'TWO', complete: true });
  });

  it('adds nothing in tap mode', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { recorder, port } = await recorderFor(up.port, { tap: true });
    const b = await browser(port);
    const request = 'GET /t?corslab_cell=tap HTTP/1.0\r\nHost: 127.0.0.1\r\nx-corslab-exchange: 7\r\nConnection: close\r\n\r\n';
    b.send(request);
    await b.receive('ok');
    expect(up.connections).toEqual([request]);
    expect(recorder.exchangesFor('tap')[0]!.request).toMatchObject({ httpVersion: '1.0', headers: [['Host', '127.0.0.1'], ['x-corslab-exchange', '7'], ['Connection', 'close']] });
  });

  it('drops the connection and says why when the app cannot be reached', async () => {
    const up = await rawUpstream(() => undefined);
    const deadPort = up.port;
    await cleanups.pop()!(); // nothing listens there any more
    const { recorder, port } = await recorderFor(deadPort);
    const b = await browser(port);
    b.send('GET /x?corslab_cell=down HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.closed();
    expect(b.received()).toBe('');
    const [exchange] = recorder.exchangesFor('down');
    expect(exchange!.response).toBeUndefined();
    expect(exchange!.upstreamError).toMatch(/^the app could not be reached: connect ECONNREFUSED/);
  });

  it('drops the connection when nothing serves the target', async () => {
    const { recorder, port } = await recorderFor(() => undefined);
    const b = await browser(port);
    b.send('GET /nowhere?corslab_cell=none HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.closed();
    expect(recorder.exchangesFor('none')[0]!.upstreamError).toBe('nothing serves /nowhere on this stack');
  });

  it('passes on an answer after which the app closes, and closes the browser side after it', async () => {
    const response = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
    const up = await rawUpstream(afterHead(response, true));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send('SUPER /x?corslab_cell=bad HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.closed();
    expect(b.received()).toBe(response);
    const [exchange] = recorder.exchangesFor('bad');
    expect(exchange!.upstreamError).toBeUndefined();
    expect(exchange!.response).toMatchObject({ status: 400, statusText: 'Bad Request', headers: [['Connection', 'close']], complete: true });
  });

  it('records what a real node:http server answers to SUPER: its own 400, and the close after it', async () => {
    let handled = 0;
    const server = createHttpServer((_req, res) => {
      handled++;
      res.end('handled');
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
    const { recorder, port } = await recorderFor((server.address() as AddressInfo).port);
    const b = await browser(port);
    b.send('SUPER /x?corslab_cell=node HTTP/1.1\r\nHost: api.example.localhost\r\nOrigin: http://app.example.localhost\r\n\r\n');
    await b.closed();
    expect(handled).toBe(0);
    expect(b.received()).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    const [exchange] = recorder.exchangesFor('node');
    expect(exchange).toMatchObject({ kind: 'actual', request: { method: 'SUPER' }, response: { status: 400, statusText: 'Bad Request', complete: true } });
    expect(exchange!.upstreamError).toBeUndefined();
  });

  it('reads a response without a length until the app closes', async () => {
    const response = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it';
    const up = await rawUpstream(afterHead(response, true));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send('GET /c?corslab_cell=close HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.closed();
    expect(b.received()).toBe(response);
    expect(recorder.exchangesFor('close')[0]!.response).toMatchObject({ httpVersion: '1.0', body: 'all of it', complete: true });
  });

  it('says the app broke off when it closes in the middle of a response with a length', async () => {
    const up = await rawUpstream(afterHead('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', true));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send('GET /c?corslab_cell=cut HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.closed();
    const [exchange] = recorder.exchangesFor('cut');
    expect(exchange!.response!.complete).toBe(false);
    expect(exchange!.upstreamError).toBe('the app broke off its response');
  });

  it('still reads the whole answer when the browser leaves early, and notes it', async () => {
    let release: () => void = () => {};
    const later = new Promise<void>((r) => (release = r));
    const server = createServer((socket) => {
      socket.once('data', async () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab');
        await later;
        // The recorder learns that the browser has gone only when a write to it fails.
        for (const byte of 'cde') {
          socket.write(byte);
          await new Promise((r) => setTimeout(r, 30));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { recorder, port } = await recorderFor((server.address() as AddressInfo).port);
    const b = await browser(port);
    b.send('GET /e?corslab_cell=early HTTP/1.1\r\nHost: h\r\n\r\n');
    await b.receive('ab');
    b.destroy();
    await new Promise((r) => setTimeout(r, 50));
    release();
    await recorder.settled('early', 2000);
    const response = recorder.exchangesFor('early')[0]!.response!;
    expect(response).toMatchObject({ body: 'abcde', complete: true, notes: ['the browser had closed its connection before the end of the response; the recorder read the rest from the app'] });
  });

  it('passes on an interim 100 Continue and records the final response', async () => {
    const response = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';
    const up = await rawUpstream((r) => (r.endsWith('xyz') ? { reply: response } : undefined));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send('PUT /p?corslab_cell=cont HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz');
    await b.receive('Created\r\nContent-Length: 0\r\n\r\n');
    expect(b.received()).toBe(response);
    const exchange = recorder.exchangesFor('cont')[0]!;
    expect(exchange.request).toMatchObject({ body: 'xyz', bodyBytes: 3 });
    expect(exchange.response).toMatchObject({ status: 201, complete: true, notes: ['the app sent an interim response first: HTTP/1.1 100 Continue'] });
  });

  it('passes on a head it cannot find the end of as raw bytes, and notes why', async () => {
    const request = `GET /big?corslab_cell=big HTTP/1.1\r\nX-Long: ${'a'.repeat(300 * 1024)}`;
    const up = await rawUpstream((r) => (r.length >= request.length ? { reply: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n', close: true } : undefined));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send(request);
    await b.closed();
    expect(up.connections[0] === withAdded(request, 1)).toBe(true);
    const exchange = recorder.exchangesFor('big')[0]!;
    expect(exchange.request).toMatchObject({ method: 'GET', target: '/big?corslab_cell=big', notes: [expect.stringContaining('without an empty line')] });
    expect(exchange.response).toMatchObject({ status: 431, complete: true });
  });

  it('passes on a request body it cannot delimit as raw bytes, and notes why', async () => {
    const up = await rawUpstream((r) => (r.includes('tail') ? { reply: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n', close: true } : undefined));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    const request = 'POST /b?corslab_cell=bad-length HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nbody and tail';
    b.send(request);
    await b.closed();
    expect(up.connections[0]).toBe(withAdded(request, 1));
    const exchange = recorder.exchangesFor('bad-length')[0]!;
    expect(exchange.request.notes).toEqual(["the request's Content-Length `3, 4` is not one length, so its body cannot be delimited; the rest of the connection was passed on as raw bytes"]);
    expect(exchange.request.body).toBe('body and tail');
    expect(exchange.response).toMatchObject({ status: 400, complete: true });
  });
});

describe('the wire recorder, through node:http clients', () => {
  it('passes a response on unchanged and records names, case, order and duplicates', async () => {
    const seen: string[][] = [];
    const port = await httpUpstream((req, res) => {
      seen.push(req.rawHeaders);
      res.writeHead(200, ['access-control-allow-origin', 'http://a.localhost', 'Access-Control-Allow-Origin', 'http://b.localhost', 'X-Z', '1']);
      res.end('ok');
    });
    const { recorder, port: front } = await recorderFor(port);
    const answer = await send(front, '/p?corslab_cell=abc1', 'POST', ['Host', 'api.example.localhost', 'X-Custom', 'one', 'x-custom', 'two'], 'a=1');
    expect(answer).toMatchObject({ status: 200, body: 'ok' });
    const names = 'rawHeaders' in answer ? answer.rawHeaders.filter((_, i) => i % 2 === 0) : [];
    expect(names.slice(0, 3)).toEqual(['access-control-allow-origin', 'Access-Control-Allow-Origin', 'X-Z']);

    const [exchange] = recorder.exchangesFor('abc1');
    expect(exchange).toMatchObject({ kind: 'actual', request: { method: 'POST', target: '/p?corslab_cell=abc1', body: 'a=1' } });
    expect(exchange!.request.headers.slice(0, 3)).toEqual([['Host', 'api.example.localhost'], ['X-Custom', 'one'], ['x-custom', 'two']]);
    expect(exchange!.response).toMatchObject({ status: 200, body: 'ok', complete: true });
    expect(exchange!.response!.headers.slice(0, 3)).toEqual([
      ['access-control-allow-origin', 'http://a.localhost'],
      ['Access-Control-Allow-Origin', 'http://b.localhost'],
      ['X-Z', '1'],
    ]);
    // The app learns which exchange reached it.
    expect(seen[0]).toContain('x-corslab-exchange');
  });

  it('tells a preflight from an OPTIONS request that is not one', async () => {
    const port = await httpUpstream((_req, res) => res.writeHead(204).end());
    const { recorder, port: front } = await recorderFor(port);
    await send(front, '/x?corslab_cell=t1', 'OPTIONS', ['Origin', 'http://app.localhost', 'Access-Control-Request-Method', 'PUT']);
    await send(front, '/x?corslab_cell=t2', 'OPTIONS', ['Origin', 'http://app.localhost']);
    expect(recorder.exchangesFor('t1')[0]!.kind).toBe('preflight');
    expect(recorder.exchangesFor('t2')[0]!.kind).toBe('actual');
  });

  it('never invents a response when the app is down: the connection drops and the exchange says why', async () => {
    // Port 1 (tcpmux), which nothing on these machines serves. A port closed just before would do, but
    // between its closing and the connection another test file running in parallel can be handed it.
    const deadPort = 1;
    const { recorder, port: front } = await recorderFor(deadPort);
    const answer = await send(front, '/x?corslab_cell=down', 'GET', []);
    expect(answer).toHaveProperty('error');
    const [exchange] = recorder.exchangesFor('down');
    expect(exchange!.response).toBeUndefined();
    expect(exchange!.upstreamError).toMatch(/could not be reached/);
  });

  it('finds the cell token in a target', () => {
    expect(cellToken('/a/b?x=1&corslab_cell=k9')).toBe('k9');
    expect(cellToken('/a/b')).toBe('');
  });
});

describe('the wire recorder, behind the lab gateway (absolute-form requests)', () => {
  const proxied =
    'GET http://api.example.com/items?corslab_cell=abs1 HTTP/1.1\r\nHost: api.example.com\r\nProxy-Connection: keep-alive\r\nOrigin: http://app.example.com\r\nproxy-connection:  Keep-Alive\r\n\tfolded\r\nAccept: */*\r\n\r\n';

  it('records an absolute-form request as received, and passes it on in origin form without Proxy-Connection, saying so', async () => {
    const up = await rawUpstream(afterHead(ok));
    const routed: string[] = [];
    const { recorder, port } = await recorderFor((target) => (routed.push(target), up.port));
    const b = await browser(port);
    b.send(proxied);
    await b.receive('ok');
    expect(b.received()).toBe(ok);
    expect(up.connections).toEqual([
      `GET /items?corslab_cell=abs1 HTTP/1.1\r\n${added(1)}Host: api.example.com\r\nOrigin: http://app.example.com\r\nAccept: */*\r\n\r\n`,
    ]);
    expect(routed).toEqual(['/items?corslab_cell=abs1']);
    const [exchange] = recorder.exchangesFor('abs1');
    expect(exchange!.request).toMatchObject({
      method: 'GET',
      target: 'http://api.example.com/items?corslab_cell=abs1',
      headers: [['Host', 'api.example.com'], ['Proxy-Connection', 'keep-alive'], ['Origin', 'http://app.example.com'], ['proxy-connection', ' Keep-Alive folded'], ['Accept', '*/*']],
    });
    expect(exchange!.request.rawHead).toBe(proxied);
    expect(exchange!.request.notes).toContain(
      "sent through the lab's mapping proxy in absolute form (`GET http://api.example.com/items?corslab_cell=abs1`) with Proxy-Connection; passed on to the server in origin form without it",
    );
  });

  it('gives an empty path as / (RFC 9112 §3.2.4), keeps a request body, and notes a request without Proxy-Connection', async () => {
    const up = await rawUpstream((r) => (r.endsWith('abc') ? { reply: ok } : undefined));
    const { recorder, port } = await recorderFor(up.port);
    const b = await browser(port);
    b.send('POST http://localhost:5173?corslab_cell=abs2 HTTP/1.1\r\nHost: localhost:5173\r\nContent-Length: 3\r\n\r\nabc');
    await b.receive('ok');
    expect(up.connections).toEqual([`POST /?corslab_cell=abs2 HTTP/1.1\r\n${added(1)}Host: localhost:5173\r\nContent-Length: 3\r\n\r\nabc`]);
    const [exchange] = recorder.exchangesFor('abs2');
    expect(exchange!.request).toMatchObject({ target: 'http://localhost:5173?corslab_cell=abs2', body: 'abc' });
    expect(exchange!.request.rawHead).toBeUndefined();
    expect(exchange!.request.notes).toEqual(["sent through the lab's mapping proxy in absolute form (`POST http://localhost:5173?corslab_cell=abs2`); passed on to the server in origin form"]);
  });

  it('changes nothing of an absolute-form request in tap mode', async () => {
    const up = await rawUpstream(afterHead(ok));
    const { recorder, port } = await recorderFor(up.port, { tap: true });
    const b = await browser(port);
    b.send(proxied);
    await b.receive('ok');
    expect(up.connections).toEqual([proxied]);
    expect(recorder.exchangesFor('abs1')[0]!.request.notes).not.toContainEqual(expect.stringContaining('mapping proxy'));
  });

  it('routes by the origin form through node:http too', async () => {
    const seen: string[] = [];
    const app = await httpUpstream((req, res) => {
      seen.push(`${req.url} ${req.rawHeaders.filter((_, i) => i % 2 === 0).join(',')}`);
      res.end('hi');
    });
    const { recorder, port } = await recorderFor((target) => (target.startsWith('/s/a/') ? app : undefined));
    const b = await browser(port);
    b.send('GET http://api.mycompany.test/s/a/x?corslab_cell=abs3 HTTP/1.1\r\nHost: api.mycompany.test\r\nProxy-Connection: keep-alive\r\n\r\n');
    await b.receive('hi');
    expect(seen).toEqual(['/s/a/x?corslab_cell=abs3 x-corslab-exchange,Host']);
    expect(recorder.exchangesFor('abs3')[0]!.response).toMatchObject({ status: 200, body: 'hi', complete: true });
  });
});
