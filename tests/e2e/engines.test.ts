/**
 * Firefox and WebKit, end to end: the real harness runs
 * scenarios/preflight/put-needs-preflight.yaml (real servers, real browsers)
 * with one engine at a time, and the test reads what was observed on the wire
 * and in the page. An engine that is missing or does not launch fails its
 * test: this project's machines have every engine.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { runLab } from '../../harness/run/run.ts';
import type { EngineName } from '../../harness/core/names.ts';
import type { CellResult, RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

const SCENARIO = 'scenarios/preflight/put-needs-preflight.yaml';

/** This process's children by pid and command name, to show the run left none behind. */
function children(): Map<number, string> {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is no child at all.
  }
  return new Map(
    out
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, stat, comm]) => pid && comm && comm !== 'ps' && !stat?.startsWith('Z'))
      .map(([pid, , comm]) => [Number(pid), comm!]),
  );
}

async function runEngine(engine: EngineName): Promise<RunResults> {
  const before = children();
  const results = await runLab({
    scenarios: await loadScenarios([SCENARIO], 'scenarios'),
    engines: [engine],
    reporters: [],
    // A missing engine throws here instead of becoming a notice and an empty run.
    requireEngines: true,
  });
  const left = [...children()].filter(([pid]) => !before.has(pid)).map(([pid, comm]) => `${comm} (${pid})`);
  expect(left, 'processes the run started and did not stop').toEqual([]);
  return results;
}

function byProbe(results: RunResults, engine: EngineName) {
  const cells = results.cells.filter((c) => c.engine === engine);
  const allowed = cells.filter((c) => c.probe === 0);
  const evil = cells.filter((c) => c.probe === 1);
  return { cells, allowed, evil };
}

/** What every engine must show for this scenario, whatever it says about it. */
function expectPreflightedPut(results: RunResults, engine: EngineName): { allowed: CellResult[]; evil: CellResult[] } {
  const info = results.environment.engines.find((e) => e.name === engine);
  expect(info, `${engine} ran`).toBeDefined();
  expect(info!.version).not.toBe('');
  expect(results.environment.missingEngines).toEqual([]);

  const { cells, allowed, evil } = byProbe(results, engine);
  expect(cells.length).toBeGreaterThan(0);
  expect(allowed.length).toBeGreaterThan(0);
  expect(evil.length).toBeGreaterThan(0);
  for (const cell of cells) expect(cell.error, cell.id).toBeUndefined();

  for (const cell of allowed) {
    expect(cell.from).toBe('app');
    expect(cell.observed?.result, cell.id).toBe('allowed');
    expect(exchangeAt(cell.observed, 'preflight')?.request.method, cell.id).toBe('OPTIONS');
    expect(exchangeAt(cell.observed, 'actual')?.request.method, cell.id).toBe('PUT');
    expect(cell.observed?.reachedHandler, cell.id).toBe(true);
    expect(cell.observed?.js).toMatchObject({ kind: 'response', status: 200 });
    expect(cell.verdict, cell.id).toBe('pass');
  }
  for (const cell of evil) {
    expect(cell.from).toBe('evil');
    expect(cell.observed?.result, cell.id).toBe('blocked');
    expect(exchangeAt(cell.observed, 'preflight')?.request.method, cell.id).toBe('OPTIONS');
    expect(exchangeAt(cell.observed, 'actual'), cell.id).toBeNull();
    expect(cell.observed?.reachedHandler, cell.id).toBe(false);
    expect(cell.observed?.js).toMatchObject({ kind: 'error', name: 'TypeError' });
    expect(cell.verdict, cell.id).toBe('pass');
  }
  return { allowed, evil };
}

describe('engines on a preflighted PUT', () => {
  it('firefox: the allowed PUT goes through after its preflight, the evil page is stopped at the preflight, and Firefox says why', async () => {
    const results = await runEngine('firefox');
    const { allowed, evil } = expectPreflightedPut(results, 'firefox');
    expect(allowed.every((c) => c.observed?.messages.length === 0)).toBe(true);
    for (const cell of evil) {
      const token = /corslab_cell=([a-z0-9]+)/.exec(cell.pageCode)?.[1];
      expect(token).toBeDefined();
      // Firefox's own console line, filed to this cell by the URL it names.
      const message = cell.observed?.messages.find((m) => m.text.includes('Cross-Origin Request Blocked'));
      expect(message?.text, cell.id).toContain(`corslab_cell=${token}`);
      expect(message?.text, cell.id).toMatch(/\(Reason: CORS header .Access-Control-Allow-Origin. (does not match|missing)/);
    }
  });

  it('webkit: the allowed PUT goes through after its preflight, the evil page is stopped at the preflight, and WebKit says nothing to automation', async () => {
    const results = await runEngine('webkit');
    const { evil } = expectPreflightedPut(results, 'webkit');
    const viaWebDriver = results.environment.engines[0]?.source !== 'playwright';
    for (const cell of evil) {
      expect(cell.observed?.js).toMatchObject({ kind: 'error', name: 'TypeError', message: 'Load failed' });
      if (viaWebDriver) {
        // WebKitGTK over classic WebDriver: no console, so no message, and the report must say so.
        expect(cell.observed?.messages).toEqual([]);
        expect(cell.observed?.messageSupport).toMatch(/gives no CORS message to automation/);
      } else if (cell.observed?.messages.length === 0) {
        expect(cell.observed?.messageSupport).toMatch(/no CORS message/);
      }
    }
  });
});
