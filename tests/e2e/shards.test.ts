/**
 * --shard and corslab merge, through the corslab command against real
 * servers and Chromium, on tests/fixtures/shards (five scenarios from
 * scenarios/, one of them cookie-isolated): two shards merged equal one run
 * of the whole, cell for cell, and inputs that are not one run's are refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { launchReportBrowser } from '../../harness/reporters/html/report-browser.ts';
import type { CellResult, RunResults } from '../../harness/results/types.ts';

const FIXTURE = 'tests/fixtures/shards';
const FILTERS = ['-e', 'chromium', '-s', 'express-cors,fastify-cors'];

function corslab(args: string[]) {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...env } = process.env;
  return spawnSync(process.execPath, ['bin/corslab.js', ...args], { encoding: 'utf8', env });
}

async function results(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as RunResults;
}

/** Ports and tokens differ between runs; the rest of what was observed must not. */
const normalize = (text: string) => text.replace(/corslab_cell=[^&\s"'`)]+/g, 'corslab_cell=TOKEN').replace(/(localhost|127\.0\.0\.1):\d+/g, '$1:PORT');

/** A cell's verdict and observations, without timings, sequence numbers, tokens or ports. */
function outcome(cell: CellResult): unknown {
  const o = cell.observed;
  return JSON.parse(
    normalize(
      JSON.stringify({
        id: cell.id,
        verdict: cell.verdict,
        expected: cell.expected,
        differences: cell.differences.map((d) => d.field),
        error: cell.error,
        observed: o && {
          result: o.result,
          notSent: o.notSent?.reason,
          preflight: o.preflight !== null,
          actual: o.actual !== null,
          reachedHandler: o.reachedHandler,
          cookiesSent: o.cookiesSent,
          js: o.js.kind === 'response' ? { kind: o.js.kind, type: o.js.type, status: o.js.status, headers: o.js.headers, body: o.js.body } : o.js.kind === 'error' ? { kind: o.js.kind, name: o.js.name, message: o.js.message } : o.js,
          messages: o.messages.map((m) => m.corsError ?? m.text),
          exchanges: o.exchanges.map((e) => ({
            kind: e.kind,
            method: e.request.method,
            target: e.request.target,
            request: e.request.headers.map(([n]) => n),
            status: e.response?.status,
            // Date and the like differ from run to run; the CORS headers are what a verdict reads.
            response: e.response?.headers.map(([n, v]) => [n, /^access-control-|^vary$|^set-cookie$/i.test(n) ? v : '']),
            reachedHandler: e.reachedHandler,
            answeredBy: e.answeredBy,
          })),
        },
        reason: cell.explanation?.reason,
        agreesWithModel: cell.explanation?.agreesWithModel,
      }),
    ),
  );
}

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'corslab-shards-'));
}, 10_000);
afterAll(() => rm(base, { recursive: true, force: true }));

describe('two shards of a run, merged', () => {
  it('are disjoint, together the whole run, and merged equal one run of the whole cell for cell', { timeout: 240_000 }, async () => {
    const [whole, one, two, merged] = ['whole', 'shard-1', 'shard-2', 'merged'].map((d) => path.join(base, d)) as [string, string, string, string];
    for (const [dir, shard] of [[whole, []], [one, ['--shard', '1/2']], [two, ['--shard', '2/2']]] as const) {
      const run = corslab(['run', FIXTURE, ...FILTERS, ...shard, '-r', 'json', '-o', dir]);
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    }
    const [w, a, b] = [await results(whole), await results(one), await results(two)];
    expect(a.shard).toEqual({ index: 1, total: 2 });
    expect(b.shard).toEqual({ index: 2, total: 2 });
    expect(a.environment.machine).toEqual({ hostname: os.hostname(), os: expect.stringContaining(os.type()), cpus: expect.any(Number) });
    expect(a.scenarioSetHash).toBe(w.scenarioSetHash);
    const ids = (r: RunResults) => r.cells.map((c) => c.id);
    expect(ids(a).filter((id) => ids(b).includes(id))).toEqual([]);
    expect(new Set([...ids(a), ...ids(b)])).toEqual(new Set(ids(w)));
    expect(a.cells.length).toBeGreaterThan(0);
    expect(b.cells.length).toBeGreaterThan(0);

    const merge = corslab(['merge', one, two, '-o', merged]);
    expect(merge.status, `${merge.stdout}\n${merge.stderr}`).toBe(0);
    expect(merge.stdout + merge.stderr).toContain(`merged ${w.cells.length} cells from 2 runs`);
    const m = await results(merged);
    expect(ids(m)).toEqual(ids(w));
    expect(m.cells.map(outcome)).toEqual(w.cells.map(outcome));
    expect(m.summary).toEqual(w.summary);
    expect(m.engineDisagreements).toEqual(w.engineDisagreements);
    expect(m.securityFindings.map((f) => normalize(JSON.stringify({ ...f, cells: [...f.cells].sort() })))).toEqual(w.securityFindings.map((f) => normalize(JSON.stringify({ ...f, cells: [...f.cells].sort() }))));
    expect(m.scenarios.map((s) => s.id)).toEqual(w.scenarios.map((s) => s.id));
    // Where each cell ran, with the versions there.
    expect(m.merged!.sources.map((s) => [s.dir, s.shard, s.machine.hostname])).toEqual([
      [one, { index: 1, total: 2 }, os.hostname()],
      [two, { index: 2, total: 2 }, os.hostname()],
    ]);
    expect(m.merged!.sources[0]!.engines.map((e) => e.name)).toEqual(['chromium']);
    for (const cell of m.cells) expect(m.merged!.sources[cell.source!]!.dir).toBe(ids(a).includes(cell.id) ? one : two);
    for (const file of ['index.html', 'junit.xml']) expect((await stat(path.join(merged, file))).size).toBeGreaterThan(0);
    const junit = await readFile(path.join(merged, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(w.cells.length);
    // The merged report's cell drawer says where the cell ran, and with what there.
    const browser = await launchReportBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(pathToFileURL(path.join(merged, 'index.html')).href);
      await page.locator('html[data-ready="true"]').waitFor({ timeout: 60_000 });
      const second = m.cells.find((c) => c.source === 1)!;
      await page.locator(`button[data-open="${second.id}"]`).click();
      const engine = b.environment.engines.find((e) => e.name === second.engine)!;
      await expect.poll(() => page.locator('dialog[open] .ran-where').innerText(), { timeout: 30_000 }).toBe(
        `Ran in shard 2/2 on ${os.hostname()} (${b.environment.machine.os}, ${b.environment.machine.cpus} CPUs), from ${two}; there: ${engine.name} ${engine.version}; ${Object.entries(b.environment.stacks.find((s) => s.name === second.stack)!.packages).map(([n, v]) => `${n} ${v}`).join(', ')}.`,
      );
    } finally {
      await browser.close();
    }

    // The same cell twice (a shard and the whole run) is refused, naming both folders, and nothing is written.
    const twice = corslab(['merge', one, whole, '-o', path.join(base, 'twice')]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain(`is in both ${one} and ${whole}`);
    await expect(stat(path.join(base, 'twice', 'results.json'))).rejects.toThrow();

    // Another scenario set (or tool version) is refused, naming the folders of each.
    const other = path.join(base, 'other');
    await mkdir(other);
    await writeFile(path.join(other, 'results.json'), JSON.stringify({ ...b, scenarioSetHash: 'f'.repeat(64) }));
    const differ = corslab(['merge', one, other, '-o', path.join(base, 'differ')]);
    expect(differ.status).toBe(2);
    expect(differ.stderr).toMatch(new RegExp(`different scenario sets .*: scenario set ${a.scenarioSetHash.slice(0, 12)}: ${one}; scenario set ffffffffffff: ${other}`));
    await writeFile(path.join(other, 'results.json'), JSON.stringify({ ...b, tool: { ...b.tool, version: '0.0.0-other' } }));
    const version = corslab(['merge', one, other, '-o', path.join(base, 'differ')]);
    expect(version.status).toBe(2);
    expect(version.stderr).toContain(`different corslab versions`);
    expect(version.stderr).toContain(`version 0.0.0-other: ${other}`);

    // A shard missing from the inputs is said, not hidden.
    const alone = corslab(['merge', one, '-o', path.join(base, 'alone'), '-r', 'json']);
    expect(alone.status).toBe(0);
    expect(alone.stderr + alone.stdout).toContain('shard 2/2 is not among the inputs');
  });

  it('refuses what is not a results folder, naming the file', () => {
    const missing = corslab(['merge', path.join(os.tmpdir(), 'no-such-corslab-run'), '-o', path.join(os.tmpdir(), 'corslab-merge-unused')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`${path.join(os.tmpdir(), 'no-such-corslab-run', 'results.json')} does not exist`);
    const none = corslab(['merge']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('merge needs the folders of the runs to merge');
  });
});
