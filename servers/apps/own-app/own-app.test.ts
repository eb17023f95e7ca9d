import { afterEach, describe, expect, it } from 'vitest';
import { createServer, request, type IncomingMessage } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import { defaults } from '../../../harness/config/defaults.ts';
import { HandlerLog } from '../handler-log.ts';
import { resolveResponse, type StartedStack } from '../app-stack.ts';
import { detectKind, withoutCellParam } from './kinds.ts';
import { isHttpServer } from './load.ts';
import { ownAppStack } from './index.ts';

const detect = (value: unknown) => detectKind(value, isHttpServer);

describe("detecting what a user's app module exports", () => {
  it.each([
    ['an Express app', () => express(), 'express'],
    ['an Express router', () => express.Router(), 'router'],
    ['a Fastify instance', () => Fastify(), 'fastify'],
    ['an async Fastify plugin', () => async (_fastify: unknown) => {}, 'fastify-plugin'],
    ['a callback Fastify plugin', () => (_f: unknown, _o: unknown, done: () => void) => done(), 'fastify-plugin'],
    ['a Node (req, res) handler', () => (_req: unknown, _res: unknown) => {}, 'handler'],
    ['an http.Server', () => createServer(), 'server'],
    ['a factory', () => () => createServer(), 'factory'],
  ] as const)('%s', (_what, make, kind) => {
    expect(detect(make())).toBe(kind);
  });

  it('refuses what is no app', () => {
    expect(detect('app')).toBeUndefined();
    expect(detect({ get: () => {} })).toBeUndefined();
    expect(detect(undefined)).toBeUndefined();
  });
});

describe("taking the cell's parameter off the request target", () => {
  it.each([
    ['/items?corslab_cell=abc', '/items'],
    ['/items?page=2&corslab_cell=abc', '/items?page=2'],
    ['/items?corslab_cell=abc&page=2', '/items?page=2'],
    ['/items?a=%20b&corslab_cell=abc#f', '/items?a=%20b#f'],
    ['/items', '/items'],
    ['/items?corslab_cellx=1', '/items?corslab_cellx=1'],
  ])('%s -> %s', (target, expected) => {
    expect(withoutCellParam(target, 'corslab_cell')).toBe(expected);
  });
});

let dir = '';
let started: StartedStack[] = [];
afterEach(async () => {
  await Promise.all(started.map((s) => s.stop()));
  started = [];
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** A project folder with a package.json, the module files given and a scenario file naming `server.app`. */
async function project(files: Record<string, string>, app: string): Promise<string> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-own-app-'));
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const scenario = path.join(dir, 's.yaml');
  await writeFile(scenario, `title: t\nlesson: l\nserver:\n  app: ${app}\nprobes:\n  - fetch: { url: "{apiOrigin}/x" }\n    expect: { result: allowed }\n`);
  return scenario;
}

function get(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, headers }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startApp(scenarioFile: string, raw: object): Promise<{ port: number; log: HandlerLog }> {
  const log = new HandlerLog();
  const mount = { scenarioId: 's', prefix: '/s/s', code: '', response: resolveResponse(undefined), raw, scenarioFile };
  const stack = await ownAppStack.start({ host: '127.0.0.1', mounts: [mount], handlerLog: log, origins: { app: 'http://a.localhost:1', evil: 'http://e.localhost:1', apiOrigin: 'http://x.localhost:2' } });
  started.push(stack);
  return { port: stack.port, log };
}

const ECHO = "(req, res) => res.end(JSON.stringify({ url: req.url, raw: req.rawHeaders, exchange: req.headers['x-corslab-exchange'] ?? null }))";

describe("a user's app behind the lab", () => {
  it.each([
    ['a Node handler', `export default ${ECHO};`, {}],
    ['an Express app', `import express from 'express'; const app = express(); app.get('/x', ${ECHO}); export default app;`, {}],
    ['an Express router', `import express from 'express'; export const router = express.Router(); router.get('/x', ${ECHO});`, { export: 'router' }],
    ['a Fastify plugin', `export async function plugin(f) { f.get('/x', (request, reply) => { reply.send({ url: request.url, raw: request.raw.rawHeaders, exchange: request.headers['x-corslab-exchange'] ?? null }); }); }`, { export: 'plugin' }],
    ['a Fastify instance', `import Fastify from 'fastify'; const f = Fastify(); f.get('/x', (request, reply) => { reply.send({ url: request.url, raw: request.raw.rawHeaders, exchange: request.headers['x-corslab-exchange'] ?? null }); }); export default f;`, {}],
    ['an http.Server factory', `import { createServer } from 'node:http'; export default () => createServer(${ECHO});`, {}],
  ])('%s gets the request without the lab\'s token and exchange header, and is marked as reached', async (_what, source, extra) => {
    const scenario = await project({ 'app.js': source }, JSON.stringify({ module: './app.js', ...extra }));
    const { port, log } = await startApp(scenario, { module: './app.js', ...extra });
    const answer = await get(port, `/x?page=2&${defaults.cellParam}=tok`, { [defaults.exchangeHeader]: '7', 'X-Mine': 'yes' });
    const got = JSON.parse(answer.body) as { url: string; raw: string[]; exchange: string | null };
    expect(got.url).toBe('/x?page=2');
    expect(got.exchange).toBeNull();
    expect(got.raw.map((h) => h.toLowerCase())).not.toContain(defaults.exchangeHeader);
    expect(got.raw).toContain('X-Mine');
    expect(log.reached(7)).toBe(true);
    expect(log.reached(8)).toBe(false);
  });

  it('refuses an http.Server that already listens', async () => {
    const source = "import { createServer } from 'node:http'; const s = createServer(); s.listen(0, '127.0.0.1'); await new Promise((r) => s.once('listening', r)); export default s;";
    const scenario = await project({ 'app.js': source }, '{ module: ./app.js }');
    await expect(startApp(scenario, { module: './app.js' })).rejects.toThrow(/already listens/);
    const own = (await import(path.join(dir, 'app.js'))) as { default: import('node:http').Server };
    own.default.close();
  });
});

