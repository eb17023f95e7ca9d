/**
 * A server the user runs (`server.url`, `--target`) and `corslab audit`,
 * end to end: small servers of the test's own on 127.0.0.1 (tests/e2e/user-servers.ts)
 * stand for the user's, the corslab command runs against them in real
 * Chromium (and one scenario in Firefox), and the tests read its exit code,
 * its terminal output and its results.json. The servers keep every request's
 * bytes, so the record can be compared with what they really received.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../harness/results/types.ts';
import { canonicalHead } from '../../servers/recorder/http1.ts';
import { startUserServer, type UserServer } from './user-servers.ts';

const APP = 'https://app.mycompany.com';

/** The corslab command, run asynchronously: the user servers answer from this process meanwhile. */
function corslab(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...env } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/corslab.js', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function tmp(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `corslab-${prefix}-`));
}

async function results(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as RunResults;
}

const servers: Partial<Record<'safe' | 'reflect' | 'auth', UserServer>> = {};
beforeAll(async () => {
  servers.safe = await startUserServer('safe', [APP]);
  servers.reflect = await startUserServer('reflect-any', [APP]);
  servers.auth = await startUserServer('options-auth', [APP]);
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

describe('corslab audit', () => {
  it('finds nothing on a server with an exact allow-list, exits 0, and --save writes a scenario that validate accepts and run reproduces', async () => {
    const out = await tmp('audit-safe');
    const saved = path.join(out, 'audit.yaml');
    const audit = await corslab(['audit', '--target', `${servers.safe!.url}/api/items`, '--origin', APP, '--credentials', '--read', 'X-Total-Count', '-e', 'chromium', '-o', out, '--save', saved]);
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toContain(`Audit of ${servers.safe!.url}/api/items`);
    expect(audit.stdout).toContain('declared requests: 1 of 1 cells allowed and readable as asked');
    expect(audit.stdout).toContain('no attacker page could read a response');
    expect(audit.stdout).toContain('findings: none');
    const first = await results(out);
    expect(first.securityFindings).toEqual([]);
    // Every attacker class of the battery ran, and none was an error (an error is never counted as blocked).
    expect(first.cells.map((c) => c.from).sort()).toEqual(['app', 'dot', 'evil', 'http', 'prefix', 'sandboxed', 'sibling', 'special', 'sub', 'suffix']);
    expect(first.cells.every((c) => c.verdict === 'pass')).toBe(true);

    const text = await readFile(saved, 'utf8');
    expect(text).toContain(`url: ${servers.safe!.url}/api/items`);
    const validate = await corslab(['validate', saved]);
    expect(validate.status, validate.stdout + validate.stderr).toBe(0);
    const again = path.join(out, 'again');
    const run = await corslab(['run', saved, '-e', 'chromium', '-o', again, '-r', 'json']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const second = await results(again);
    expect(second.cells.map((c) => [c.from, c.verdict, c.observed?.result])).toEqual(first.cells.map((c) => [c.from, c.verdict, c.observed?.result]));
  });

  it('reports a server that reflects any Origin with credentials as exploitable where an attacker page read the user\'s data, and exits 1', async () => {
    const out = await tmp('audit-reflect');
    const audit = await corslab(['audit', '--target', `${servers.reflect!.url}/api/items`, '--origin', APP, '--credentials', '-e', 'chromium', '-o', out]);
    expect(audit.status, audit.stdout + audit.stderr).toBe(1);
    const saved = await results(out);
    const reflected = saved.securityFindings.filter((f) => f.id === 'foreign-origin-reflected-with-credentials');
    // Every attacker page with an origin got it reflected, and the sandboxed frame's null too.
    expect(reflected.map((f) => f.attackerOrigin ?? f.observed[0]).length).toBeGreaterThanOrEqual(8);
    expect(saved.securityFindings.some((f) => f.id === 'null-origin-allowed-with-credentials')).toBe(true);
    // Exploitable only where the browser really sent the cookie and the page read the answer: the same-site attackers.
    const exploited = saved.securityFindings.filter((f) => f.exploitedIn.includes('chromium'));
    expect(exploited.length).toBeGreaterThan(0);
    for (const finding of exploited) {
      const cells = saved.cells.filter((c) => finding.cells.includes(c.id) && c.from !== 'app');
      expect(cells.some((c) => c.observed?.result === 'allowed' && (c.observed.cookiesSent ?? []).includes('corslab_session'))).toBe(true);
    }
    // A reflection the page read without any cookie is reported, but never as exploitable.
    for (const finding of saved.securityFindings.filter((f) => f.readWithoutCookieIn.includes('chromium') && !f.exploitedIn.includes('chromium'))) {
      const cells = saved.cells.filter((c) => finding.cells.includes(c.id) && c.from !== 'app' && c.observed?.result === 'allowed');
      expect(cells.every((c) => (c.observed?.cookiesSent ?? []).length === 0)).toBe(true);
    }
    expect(audit.stdout).toMatch(/EXPLOITABLE in chromium: an attacker page read a credentialed response/);
  });

  it('reports an OPTIONS that needs authentication and an Access-Control-Allow-Origin that varies without Vary; the declared PUT fails, so it exits 1', async () => {
    const out = await tmp('audit-auth');
    const audit = await corslab(['audit', '--target', `${servers.auth!.url}/api/items`, '--origin', APP, '--credentials', '-X', 'GET', '-X', 'PUT', '-e', 'chromium', '-o', out]);
    expect(audit.status, audit.stdout + audit.stderr).toBe(1);
    const saved = await results(out);
    const ids = saved.securityFindings.map((f) => f.id);
    expect(ids).toContain('preflight-behind-auth');
    expect(ids).toContain('reflected-origin-without-vary');
    expect(ids.filter((id) => id.startsWith('foreign-origin'))).toEqual([]);
    expect(saved.securityFindings.every((f) => f.exploitedIn.length === 0)).toBe(true);
    expect(audit.stdout).toMatch(/FAIL declared: PUT from https:\/\/app\.mycompany\.com \[chromium\]: blocked: the preflight answered `401`/);
    expect(audit.stdout).toContain('medium: OPTIONS is answered 401');
  });

  it('refuses bad input with the flag named, before anything starts (exit 2)', async () => {
    const remote = await corslab(['audit', '--target', 'http://10.0.0.1:3000/x', '--origin', APP]);
    expect(remote.status).toBe(2);
    expect(remote.stderr).toContain('--target: 10.0.0.1 is not this machine');
    const noOrigin = await corslab(['audit', '--target', `${servers.safe!.url}/x`]);
    expect(noOrigin.status).toBe(2);
    expect(noOrigin.stderr).toContain('--origin: give the origin of at least one page');
    const run = await corslab(['run', 'tests/fixtures/observed', '--target', 'https://127.0.0.1:3000']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--target: "https://127.0.0.1:3000" is https');
  });
});

describe('server.url', () => {
  it('records exactly the bytes the user\'s server received, in Chromium and Firefox, and says the handler is unknown', async () => {
    const dir = await tmp('server-url');
    const file = path.join(dir, 'mine.yaml');
    await writeFile(
      file,
      [
        'title: My running server lets my page PUT',
        'lesson: The lab relays to a server I run.',
        `origins: { app: "${APP}", api: "https://api.mycompany.com" }`,
        `server: { url: "${servers.safe!.url}/v1" }`,
        'probes:',
        '  - fetch: { url: "{api}/items", method: PUT, headers: { Content-Type: application/json, X-Trace: "a  b" }, body: \'{"done":true}\', credentials: include }',
        '    expect: { result: allowed, preflight: true, readable: [X-Total-Count] }',
        // The same request again: the server allows a 600 s max-age, so only a context of its own per cell
        // (the URLs carry no token) makes this cell preflight again instead of using the first one's entry.
        '  - fetch: { url: "{api}/items", method: PUT, headers: { Content-Type: application/json, X-Trace: "a  b" }, body: \'{"done":true}\', credentials: include }',
        '    expect: { result: allowed, preflight: true }',
        '',
      ].join('\n'),
    );
    const before = servers.safe!.received.length;
    const out = path.join(dir, 'out');
    const run = await corslab(['run', file, '-e', 'chromium,firefox', '-o', out, '-r', 'json']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const saved = await results(out);
    const column = `url:127.0.0.1:${servers.safe!.port}`;
    expect(saved.cells.map((c) => [c.probe, c.stack, c.engine, c.verdict])).toEqual([
      [0, column, 'chromium', 'pass'],
      [0, column, 'firefox', 'pass'],
      [1, column, 'chromium', 'pass'],
      [1, column, 'firefox', 'pass'],
    ]);
    // In the order they ran (one at a time), which is what the server saw.
    const ran = [...saved.cells].sort((a, b) => a.observed!.exchanges[0]!.at - b.observed!.exchanges[0]!.at);
    const recorded = ran.flatMap((c) => c.observed!.exchanges).map((e) => {
      const head = e.request.rawHead ?? canonicalHead(`${e.request.method} ${e.request.target} HTTP/${e.request.httpVersion}`, e.request.headers);
      return head + (e.request.body ?? '');
    });
    const received = servers.safe!.received.slice(before);
    // Cells run one at a time, so the server's order is the record's; nothing was added (no token, no header of the lab's).
    expect(received).toEqual(recorded);
    expect(received).toHaveLength(8);
    expect(received.every((r) => r.includes('/v1/items HTTP/1.1\r\n') && !/corslab/i.test(r))).toBe(true);
    for (const cell of saved.cells) {
      expect(cell.observed!.reachedHandler).toBeNull();
      expect(cell.observed!.exchanges.every((e) => e.reachedHandler === null)).toBe(true);
    }
  });

  it('makes every cell an error that says nothing answers when the server is not up (never blocked)', async () => {
    const dir = await tmp('server-down');
    const file = path.join(dir, 'down.yaml');
    const closed = await startUserServer('safe', [APP]);
    await closed.close();
    await writeFile(file, `title: Down\nlesson: Nothing listens.\nserver: { url: "${closed.url}" }\nprobes:\n  - fetch: { url: "{api}/items" }\n    expect: { result: allowed }\n`);
    const out = path.join(dir, 'out');
    const run = await corslab(['run', file, '-e', 'chromium', '-o', out, '-r', 'json']);
    expect(run.status).toBe(1);
    const [only] = (await results(out)).cells;
    expect(only).toMatchObject({ verdict: 'error', error: expect.stringMatching(new RegExp(`your server at ${closed.url} cannot be reached: nothing answers at ${closed.url} \\(ECONNREFUSED\\): start your server first`)) });
    expect(only!.observed).toBeUndefined();
  });
});
