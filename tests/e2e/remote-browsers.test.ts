/**
 * Remote browsers, all on loopback: Chromium and Firefox behind Playwright's
 * browser server (`corslab browser-server`, reached with --connect), and
 * WebKitGTK through a WebKitWebDriver this test starts as a process of its
 * own (on its own Xvfb), reached by URL with --webdriver. The same cells run
 * with browsers the run launches itself must give the same verdicts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../harness/results/types.ts';

const FIXTURE = 'tests/fixtures/shards';
// Scenarios on the lab's own names, and on declared origins (https, localhost) that the remote browsers reach through the run's
// mapping proxy, given per context. No cookie-isolated scenario: WebKitWebDriver gives one session per process, and an isolated
// context is a second one (see README).
const FOLDERS = [FIXTURE, 'tests/fixtures/named-origins'];
const FILTERS = ['-s', 'express-cors', '-g', '^(shards/(allow-list|trailing-slash|put-needs-preflight|wildcard-with-credentials)|named-origins/(?!secure-cookies)[a-z-]+) '];
const WEBKIT_WEBDRIVER = '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';

const started: ChildProcess[] = [];
let base: string | undefined;
afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
  // Each was started as the leader of its own process group: the group goes with it (a browser server's browser, Xvfb's clients).
  for (const child of started.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      continue;
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}, 30_000);

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...rest } = process.env;
  return { ...rest, ...extra };
}

/** Starts a process of its own and resolves with the first match of `ready` in its output. */
function startUntil(command: string, args: string[], ready: RegExp, extraEnv: NodeJS.ProcessEnv = {}, fd3 = false): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { env: env(extraEnv), detached: true, stdio: ['ignore', 'pipe', 'pipe', ...(fd3 ? (['pipe'] as const) : [])] });
  started.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} was not ready within 60 s: ${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    if (fd3) (child.stdio[3] as NodeJS.ReadableStream).on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready: ${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForStatus(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/status`, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // Not yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer /status`);
}

function corslab(args: string[]) {
  return spawnSync(process.execPath, ['bin/corslab.js', ...args], { encoding: 'utf8', env: env() });
}

async function results(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as RunResults;
}

const verdicts = (r: RunResults) =>
  Object.fromEntries(r.cells.map((c) => [c.id, { verdict: c.verdict, result: c.observed?.result, preflight: c.observed ? c.observed.preflight !== null : undefined, reachedHandler: c.observed?.reachedHandler }]));

describe('remote browsers on loopback', () => {
  it.skipIf(!existsSync(WEBKIT_WEBDRIVER) || (!process.env.DISPLAY && !existsSync(XVFB)))(
    'Chromium and Firefox over launchServer/connect and WebKit through a WebKitWebDriver reached by URL give the verdicts of a local run',
    { timeout: 300_000 },
    async () => {
      const [chromium, firefox] = (await Promise.all(
        ['chromium', 'firefox'].map((engine) => startUntil(process.execPath, ['bin/corslab.js', 'browser-server', engine], /run with: corslab run --connect (\w+=ws:\/\/127\.0\.0\.1:\d+\/\S+)/)),
      )) as [Awaited<ReturnType<typeof startUntil>>, Awaited<ReturnType<typeof startUntil>>];
      let display = process.env.DISPLAY;
      if (!display) display = `:${(await startUntil(XVFB, ['-displayfd', '3', '-nolisten', 'tcp'], /^(\d+)\n/m, {}, true)).match[1]}`;
      const port = await freePort();
      const webdriver = `http://127.0.0.1:${port}`;
      await startUntil(WEBKIT_WEBDRIVER, ['--host=127.0.0.1', `--port=${port}`], /./, { DISPLAY: display }).catch(() => undefined);
      await waitForStatus(webdriver);

      base = await mkdtemp(path.join(os.tmpdir(), 'corslab-remote-'));
      const [remoteDir, localDir] = [path.join(base, 'remote'), path.join(base, 'local')];
      const remote = corslab(['run', ...FOLDERS, ...FILTERS, '--connect', chromium.match[1]!, '--connect', firefox.match[1]!, '--webdriver', `webkit=${webdriver}`, '-r', 'json', '-o', remoteDir, '--require-engines']);
      expect(remote.status, `${remote.stdout}\n${remote.stderr}`).toBe(0);
      const local = corslab(['run', ...FOLDERS, ...FILTERS, '-r', 'json', '-o', localDir, '--require-engines']);
      expect(local.status, `${local.stdout}\n${local.stderr}`).toBe(0);

      const [r, l] = [await results(remoteDir), await results(localDir)];
      expect(r.cells.length).toBe(l.cells.length);
      expect(r.cells.filter((c) => c.scenario.startsWith('named-origins/')).length).toBe(21);
      expect(r.summary.error).toBe(0);
      expect(new Set(r.cells.map((c) => c.engine))).toEqual(new Set(['chromium', 'firefox', 'webkit']));
      expect(verdicts(r)).toEqual(verdicts(l));
      expect(r.environment.engines.map((e) => [e.name, e.source, e.remote])).toEqual([
        ['chromium', 'remote', { protocol: 'playwright', endpoint: chromium.match[1]!.split('=')[1] }],
        ['firefox', 'remote', { protocol: 'playwright', endpoint: firefox.match[1]!.split('=')[1] }],
        ['webkit', 'remote', { protocol: 'webdriver', endpoint: webdriver }],
      ]);
      // The same browsers as the local run's, as their versions say.
      expect(r.environment.engines.map((e) => e.version)).toEqual(l.environment.engines.map((e) => e.version));
      expect(l.environment.engines.every((e) => e.remote === undefined)).toBe(true);
    },
  );

  it('refuses an endpoint off loopback, an unknown engine and a protocol the engine does not speak, naming the flag, before anything starts', () => {
    const cases: [string[], string][] = [
      [['--connect', 'chromium=ws://10.1.2.3:9222/x'], '--connect chromium=ws://10.1.2.3:9222/x: 10.1.2.3 is not this machine\'s loopback'],
      [['--webdriver', 'webkit=http://grid.example.com:4444'], '--webdriver webkit=http://grid.example.com:4444: grid.example.com is not this machine\'s loopback'],
      [['--connect', 'chromum=ws://127.0.0.1:1/x'], 'unknown engine `chromum` (did you mean chromium?)'],
      [['--webdriver', 'chromium=http://127.0.0.1:4444'], 'Chromium cannot be reached by W3C WebDriver (use --connect)'],
      [['--connect', 'firefox=http://127.0.0.1:1'], 'the URL must start with ws:// or wss://'],
      [['--connect', 'firefox'], 'expected ENGINE=URL'],
    ];
    for (const [flags, message] of cases) {
      const run = corslab(['run', FIXTURE, '--list', ...flags]);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });
});
