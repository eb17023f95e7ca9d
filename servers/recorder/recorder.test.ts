import { createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WireRecorder, cellToken } from './recorder.ts';
import { closeServer, listenOnFreePort } from '../../harness/system/listen.ts';

const host = '127.0.0.1';
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function upstream(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server: Server = createServer(handler);
  const port = await listenOnFreePort(server, host);
  cleanups.push(() => closeServer(server));
  return port;
}

async function recorderFor(port: number | undefined): Promise<{ recorder: WireRecorder; port: number }> {
  const recorder = new WireRecorder(host, Date.now());
  const recorderPort = await recorder.listen();
  if (port !== undefined) recorder.setUpstream(port);
  cleanups.push(() => recorder.close());
  return { recorder, port: recorderPort };
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

describe('the wire recorder', () => {
  it('passes a response on unchanged and records names, case, order and duplicates', async () => {
    const seen: string[][] = [];
    const port = await upstream((req, res) => {
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
    const port = await upstream((_req, res) => res.writeHead(204).end());
    const { recorder, port: front } = await recorderFor(port);
    await send(front, '/x?corslab_cell=t1', 'OPTIONS', ['Origin', 'http://app.localhost', 'Access-Control-Request-Method', 'PUT']);
    await send(front, '/x?corslab_cell=t2', 'OPTIONS', ['Origin', 'http://app.localhost']);
    expect(recorder.exchangesFor('t1')[0]!.kind).toBe('preflight');
    expect(recorder.exchangesFor('t2')[0]!.kind).toBe('actual');
  });

  it('never invents a response when the app is down: the connection drops and the exchange says why', async () => {
    const deadPort = await upstream(() => {});
    await cleanups.pop()!(); // close it: nothing listens there any more
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
