/**
 * The run flags that change what a run does (--max-failures, --last-failed,
 * --update, --watch), through the corslab command against real servers and
 * Chromium, on tests/fixtures/observed: three probes whose expectations are
 * wrong on purpose and two that are right.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResults } from '../../harness/results/types.ts';

const FIXTURE = 'tests/fixtures/observed';
const ONE_CELL_EACH = ['-e', 'chromium', '-s', 'express-cors'];

function env(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...rest } = process.env;
  return rest;
}

function corslab(args: string[]) {
  return spawnSync(process.execPath, ['bin/corslab.js', ...args], { encoding: 'utf8', env: env() });
}

async function tmp(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `corslab-${prefix}-`));
}

async function results(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as RunResults;
}

describe('--max-failures', () => {
  it('starts no new cell once n cells failed, says how many were not run (terminal, results.json, junit.xml) and exits 1', async () => {
    const out = await tmp('max-failures');
    // One cell at a time, in plan order: right.yaml passes, wrong.yaml's first probe fails, and the run stops.
    const run = corslab(['run', FIXTURE, ...ONE_CELL_EACH, '-c', '1', '--isolated-contexts', '1', '--max-failures', '1', '-o', out, '-r', 'terminal,json,junit']);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('\nStopped early: --max-failures 1: 1 cell failed or errored, so no new cell started; 3 cells not run.\n');
    expect(run.stdout).toMatch(/\nSummary: 2 cells, 1 pass, 1 fail, 0 error, 3 not run in /);
    const saved = await results(out);
    expect(saved.summary).toMatchObject({ total: 2, pass: 1, fail: 1, error: 0, notRun: 3 });
    expect(saved.cells.map((c) => c.id)).toEqual(['observed/right#0@express-cors/chromium', 'observed/wrong#0@express-cors/chromium']);
    expect(saved.notRun).toEqual({
      reason: '--max-failures 1: 1 cell failed or errored, so no new cell started',
      maxFailures: 1,
      cells: [1, 2, 3].map((probe) => expect.objectContaining({ id: `observed/wrong#${probe}@express-cors/chromium`, scenario: 'observed/wrong', probe, stack: 'express-cors', engine: 'chromium' })),
    });
    const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites name="CORS Lab" tests="5" failures="1" errors="0" skipped="3"/);
    expect(junit.match(/<skipped message="not run: --max-failures 1/g)).toHaveLength(3);
  });
});

describe('--last-failed', () => {
  it("runs only the cells that failed or errored in the output folder's previous results", async () => {
    const out = await tmp('last-failed');
    expect(corslab(['run', FIXTURE, ...ONE_CELL_EACH, '-o', out, '-r', 'json']).status).toBe(1);
    const again = corslab(['run', FIXTURE, ...ONE_CELL_EACH, '-o', out, '-r', 'terminal,json', '--last-failed']);
    expect(again.stderr).toMatch(/^corslab: --last-failed: the 3 cells that failed or errored in .*results\.json \(started /);
    expect(again.stdout).toMatch(/^CORS Lab: 3 cells from 1 scenarios\n/);
    expect(again.status).toBe(1);
    expect((await results(out)).cells.map((c) => c.probe)).toEqual([0, 1, 2]);
  });
});

describe('--update', () => {
  it('shows the diff; with --dry-run writes nothing, without it writes the observation as the expectation, after which the run passes', async () => {
    const dir = await tmp('update');
    await cp(FIXTURE, dir, { recursive: true });
    const file = path.join(dir, 'wrong.yaml');
    const before = await readFile(file, 'utf8');
    const diff = [
      `--- ${file}`,
      `+++ ${file}`,
      '@@ -6,19 +6,19 @@',
      ' probes:',
      '   - name: a simple GET, expected blocked',
      '     fetch: { url: "{api}/items" }',
      '-    expect: { preflight: false, reachedHandler: true, result: blocked }',
      '+    expect: { preflight: false, reachedHandler: true, result: allowed }',
      ' ',
      '   # A PUT is not safelisted, so it is preflighted.',
      '   - name: a PUT, expected without a preflight',
      '     fetch: { url: "{api}/items", method: PUT }',
      '     expect:',
      '-      preflight: false',
      '+      preflight: true',
      '       result: allowed',
      ' ',
      '   - name: a GET from the attacker, expected allowed',
      '     from: evil',
      '     fetch: { url: "{api}/items" }',
      '-    expect: { result: allowed, status: 200 }',
      '+    expect: { result: blocked }',
      ' ',
      '   - name: a GET, as expected',
      '     fetch: { url: "{api}/items" }',
      '',
    ].join('\n');

    const dry = corslab(['run', dir, ...ONE_CELL_EACH, '-r', 'terminal', '--update', '--dry-run']);
    expect(dry.stdout).toContain(`\n${diff}--update --dry-run: 1 file (3 probes) would change as shown; nothing was written\n`);
    expect(dry.status).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(before);

    const written = corslab(['run', dir, ...ONE_CELL_EACH, '-r', 'terminal', '--update']);
    expect(written.stdout).toContain(`\n${diff}--update: wrote 1 file (3 probes), as shown above\n`);
    // The run's own exit code: its cells did fail.
    expect(written.status).toBe(1);
    expect(await readFile(file, 'utf8')).not.toBe(before);

    const after = corslab(['run', dir, ...ONE_CELL_EACH, '-r', 'terminal', '--update']);
    expect(after.stdout).toMatch(/\nSummary: 5 cells, 5 pass, 0 fail, 0 error in /);
    expect(after.stdout).toContain('--update: no cell failed, so nothing to write\n');
    expect(after.status).toBe(0);
  });

  it('--dry-run without --update is bad input', () => {
    expect(corslab(['run', FIXTURE, '--dry-run'])).toMatchObject({ status: 2, stderr: 'corslab: --dry-run goes with --update: `corslab run --update --dry-run` shows what would be written, and writes nothing\n' });
  });
});

describe('--watch', () => {
  it('runs the scenarios of a file that changes again, and stops with everything it started on Ctrl-C', async () => {
    const dir = await tmp('watch');
    await cp(FIXTURE, dir, { recursive: true });
    const child = spawn(process.execPath, ['bin/corslab.js', 'run', dir, ...ONE_CELL_EACH, '-r', 'terminal', '--watch'], { env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (check: () => boolean, what: string) => {
      const end = Date.now() + 90_000;
      while (!check()) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${what}:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await until(() => stderr.includes('Ctrl-C stops'), 'first run');
      expect(stdout).toMatch(/^CORS Lab: 5 cells from 2 scenarios\n/);
      const watching = stderr.length;
      const right = path.join(dir, 'right.yaml');
      await utimes(right, new Date(), new Date());
      await until(() => stderr.slice(watching).includes('Ctrl-C stops'), 'second run');
      expect(stdout).toContain(`\n${right} changed; running its scenarios again\nCORS Lab: 1 cells from 1 scenarios\n`);
      expect(stdout.match(/\nSummary: /g)).toHaveLength(2);
      expect(stdout).toMatch(/\nSummary: 1 cells, 1 pass, 0 fail, 0 error in [\d.]+s\n$/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    expect(stderr).toContain('corslab: SIGINT: stopped watching\n');
  });
});
