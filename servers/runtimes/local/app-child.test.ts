import { rmSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaults } from '../../../harness/config/defaults.ts';
import { HandlerLog } from '../../apps/handler-log.ts';
import { DEFAULT_RESPONSE, type ScenarioMount, type StartedStack } from '../../apps/app-stack.ts';
import type { AppStackName } from '../../../harness/core/names.ts';
import { startAppChild } from './app-child.ts';
import { holdLifeline } from '../../../harness/system/lifeline.ts';

const ORIGINS = { app: 'http://app.example.localhost:1', evil: 'http://evil.localhost:1', apiOrigin: 'http://api.example.localhost:1' };

function mount(id: string, code: string): ScenarioMount {
  return { scenarioId: id, prefix: `/s/${id}`, code, response: DEFAULT_RESPONSE };
}

function get(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: target, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function until(check: () => unknown, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a process with that pid still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pidOf = (message: string | undefined) => Number(/pid (\d+)/.exec(message ?? '')?.[1]);

describe("a scenario's stack code runs in a child process of its own", () => {
  const started: StartedStack[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.stop();
  });

  async function start(app: AppStackName, mounts: ScenarioMount[], handlerLog = new HandlerLog()): Promise<StartedStack> {
    const stack = await startAppChild(app, { host: '127.0.0.1', mounts, handlerLog, origins: ORIGINS });
    started.push(stack);
    return stack;
  }

  for (const app of ['express-cors', 'fastify-cors'] as const) {
    it(`${app}: serves, marks the handler across the process boundary, and reports a setup that threw`, async () => {
      const log = new HandlerLog();
      const routes = app === 'express-cors' ? "app.get('/x', handler)" : "app.get('/x', handler)";
      const stack = await start(app, [mount('ok', routes), mount('bad', "throw new Error('setup went wrong')")], log);
      expect(stack.setupErrors).toEqual(new Map([['bad', 'setup went wrong']]));
      const answer = await get(stack.port, '/s/ok/x', { [defaults.exchangeHeader]: '41' });
      expect(answer).toEqual({ status: 200, body: '{"ok":true}' });
      expect(log.reached(41)).toBe(true);
      expect(log.reached(42)).toBe(false);
      expect(stack.died?.()).toBeUndefined();
    });
  }

  it('process.exit(0) in a handler: the stack is reported dead with its exit code, and the harness lives on', async () => {
    const stack = await start('express-cors', [mount('exits', "app.get('/x', () => process.exit(0))")]);
    await get(stack.port, '/s/exits/x').catch(() => undefined);
    await until(() => stack.died?.(), 5_000);
    expect(stack.died?.()).toMatch(/^the express-cors stack's process \(pid \d+\) exited with code 0 during the run/);
  });

  it('an endless loop in a handler: the child is killed once its event loop is blocked too long, and the stack is reported dead', async () => {
    const stack = await start('fastify-cors', [mount('loops', "app.get('/x', async () => { for (;;) {} })")]);
    const answer = get(stack.port, '/s/loops/x').catch((error: Error) => error);
    await until(() => stack.died?.(), defaults.appStallMs + 10_000);
    expect(stack.died?.()).toMatch(/stopped answering: its event loop was blocked for more than \d+ ms \(an endless loop in a scenario's code\?\), so it was killed/);
    expect(await answer).toBeInstanceOf(Error);
    await until(() => !alive(pidOf(stack.died?.())), 5_000);
  }, 30_000);

  it('setup that never returns: the start fails after its limit, naming it, and the child is gone', async () => {
    const limit = defaults.appStartMs;
    (defaults as { appStartMs: number }).appStartMs = 3_000;
    try {
      const error = await start('express-cors', [mount('hangs', 'for (;;) {}')]).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^the express-cors stack's process \(pid \d+\) did not start within 3000 ms \(a scenario's setup code that never returns\?\); it was stopped$/);
      await until(() => !alive(pidOf((error as Error).message)), 5_000);
    } finally {
      (defaults as { appStartMs: number }).appStartMs = limit;
    }
  }, 20_000);

  it('process.exit during setup: the start fails with the exit code, not the run', async () => {
    const error = await start('express-cors', [mount('exits', 'process.exit(0)')]).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^the express-cors stack's process \(pid \d+\) exited with code 0 before it listened/);
  });

  it("under Node's permission model the code can read no file outside node_modules, write none outside the run's folder, and start no process or worker", async () => {
    const code = [
      "const fs = await import('node:fs');",
      "const os = await import('node:os');",
      "const cp = await import('node:child_process');",
      "const wt = await import('node:worker_threads');",
      'const tries = {',
      "  passwd: () => fs.readFileSync('/etc/passwd', 'utf8'),",
      // (The package's own package.json is readable: the child's code finds its package folder by it.)
      "  project: () => fs.readFileSync(process.cwd() + '/README.md', 'utf8'),",
      "  home: () => fs.readdirSync('/root'),",
      "  write: () => fs.writeFileSync(process.cwd() + '/escaped.txt', 'x'),",
      "  spawn: () => cp.execSync('id'),",
      "  worker: () => new wt.Worker('1', { eval: true }),",
      "  binding: () => process.binding('fs'),",
      "  tmp: () => fs.writeFileSync(os.tmpdir() + '/corslab-app-child-test.txt', 'x'),",
      "  modules: () => fs.readFileSync(process.cwd() + '/node_modules/express/package.json', 'utf8'),",
      '};',
      'const seen = {};',
      "for (const [k, f] of Object.entries(tries)) { try { await f(); seen[k] = 'allowed'; } catch (e) { seen[k] = e.code ?? e.message; } }",
      "app.get('/x', (req, res) => res.json(seen))",
    ].join('\n');
    // As in a run, the lifeline makes TMPDIR the run's own folder, the one place the child may write
    // (a clone under /tmp must not make the project writable through the system's temporary folder).
    const lifeline = holdLifeline();
    let seen: Record<string, string>;
    try {
      const stack = await start('express-cors', [mount('fs', code)]);
      seen = JSON.parse((await get(stack.port, '/s/fs/x')).body) as Record<string, string>;
      rmSync(path.join(os.tmpdir(), 'corslab-app-child-test.txt'), { force: true });
      await started.splice(started.indexOf(stack), 1)[0]!.stop();
    } finally {
      await lifeline.release({ clean: true });
    }
    const denied = 'ERR_ACCESS_DENIED';
    expect(seen).toEqual({ passwd: denied, project: denied, home: denied, write: denied, spawn: denied, worker: denied, binding: denied, tmp: 'allowed', modules: 'allowed' });
  });

  it('listening on anything but 127.0.0.1, and connecting to anything but loopback, are refused in the child', async () => {
    const code = [
      "const net = await import('node:net');",
      "const dns = await import('node:dns');",
      'const tries = {',
      "  all: () => net.createServer().listen(0),",
      "  any: () => net.createServer().listen(0, '0.0.0.0'),",
      "  v6: () => net.createServer().listen({ port: 0, host: '::' }),",
      "  out: () => net.connect(80, '192.0.2.1'),",
      "  name: () => net.connect({ port: 80, host: 'example.com' }),",
      "  lookup: () => dns.lookup('example.com', () => {}),",
      "  resolve: () => dns.promises.resolve4('example.com'),",
      '};',
      'const seen = {};',
      'for (const [k, f] of Object.entries(tries)) { try { await f(); seen[k] = "allowed"; } catch (e) { seen[k] = e.code; } }',
      "const loop = net.createServer().listen(0, '127.0.0.1'); await new Promise((r) => loop.once('listening', r));",
      "const socket = net.connect(loop.address().port, '127.0.0.1'); await new Promise((r) => socket.once('connect', r)); seen.loopback = 'allowed'; socket.destroy(); loop.close();",
      "app.get('/x', (req, res) => res.json(seen))",
    ].join('\n');
    const stack = await start('express-cors', [mount('net', code)]);
    const answer = await get(stack.port, '/s/net/x');
    const refused = 'ERR_CORSLAB_LOOPBACK_ONLY';
    expect(JSON.parse(answer.body)).toEqual({ all: refused, any: refused, v6: refused, out: refused, name: refused, lookup: refused, resolve: refused, loopback: 'allowed' });
  });
});
