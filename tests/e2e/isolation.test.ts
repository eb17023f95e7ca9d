import { beforeAll, describe, expect, it } from 'vitest';
import { headerValues, runFixtures } from './helpers.ts';
import type { RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

/**
 * No cell may pass or fail because of another. The fixture repeats identical
 * probes against a server that lets preflights be cached for ten minutes,
 * lets responses be cached for ten minutes, and sets a cookie. One probe at
 * a time, in one shared page, so every later cell could have reused what an
 * earlier one left behind.
 */
describe('isolation between cells, in every engine', () => {
  let results: RunResults;
  beforeAll(async () => {
    results = await runFixtures('isolation', { concurrencyPerPage: 1, isolatedContexts: 1, stacks: ['express-cors'], engines: ['chromium', 'firefox', 'webkit'] });
  });
  const named = (prefix: string) => results.cells.filter((c) => c.probeName.startsWith(prefix));

  it('every PUT sends its own preflight, although Access-Control-Max-Age allowed caching it', () => {
    const puts = named('put');
    expect(puts).toHaveLength(9);
    for (const put of puts) {
      expect(headerValues(exchangeAt(put.observed, 'preflight')?.response?.headers, 'Access-Control-Max-Age')).toEqual(['600']);
      expect(exchangeAt(put.observed, 'preflight')).not.toBeNull();
      expect(put.observed!.reachedHandler).toBe(true);
    }
  });

  it('every GET reaches the server, although the response was cacheable', () => {
    const gets = named('get');
    expect(gets).toHaveLength(9);
    for (const get of gets) {
      expect(headerValues(exchangeAt(get.observed, 'actual')?.response?.headers, 'Cache-Control')).toEqual(['public, max-age=600']);
      expect(get.observed!.reachedHandler).toBe(true);
    }
  });

  it('no credentialed request carries a cookie set by an earlier cell', () => {
    const cookies = named('cookie');
    expect(cookies).toHaveLength(9);
    for (const c of cookies) {
      // The server did set a cookie every time, so a shared jar would have sent it back.
      expect(headerValues(exchangeAt(c.observed, 'actual')?.response?.headers, 'Set-Cookie')).toEqual(['seen=1; Path=/; SameSite=Lax']);
      expect(headerValues(exchangeAt(c.observed, 'actual')?.request.headers, 'Cookie')).toEqual([]);
    }
  });

  it("the run's profile counts every cell in one lane, and a context for every cookie-isolated scenario", () => {
    const profile = results.timings.profile!;
    expect(Object.keys(profile.engines)).toEqual(['chromium', 'firefox', 'webkit']);
    for (const [engine, figures] of Object.entries(profile.engines)) {
      const laneCells = Object.values(figures.lanes).reduce((n, lane) => n + lane.cells, 0);
      expect(laneCells, engine).toBe(results.cells.filter((c) => c.engine === engine).length);
      // The cookie probes carry credentials, so they run in contexts of their own: at least one per isolated scenario, one more after each Set-Cookie.
      expect(figures.lanes.isolated.cells, engine).toBe(named('cookie').filter((c) => c.engine === engine).length);
      expect(figures.contextsOpened + (figures.contextsReused ?? 0), engine).toBeGreaterThanOrEqual(figures.isolatedScenarios);
      expect(figures.isolatedScenarios, engine).toBeGreaterThan(0);
      expect(figures.cellMs, engine).toBeGreaterThan(0);
    }
    expect(Object.keys(profile.stacks)).toEqual(['express-cors']);
  });

  it('ran in all three engines', () => {
    expect(results.environment.engines.map((e) => e.name)).toEqual(['chromium', 'firefox', 'webkit']);
  });

  it('all cells pass', () => {
    expect(results.cells.map((c) => `${c.id}: ${c.verdict}`)).toEqual(results.cells.map((c) => `${c.id}: pass`));
  });
});

describe('a context that serves one cookie-isolated scenario after another', () => {
  let results: RunResults;
  beforeAll(async () => {
    // One context slot per engine, so the three scenarios run one after another in it.
    results = await runFixtures('isolation-reuse', { isolatedContexts: 1, stacks: ['express-cors'], engines: ['chromium', 'firefox', 'webkit'] });
  });

  it("sends exactly each scenario's own cookies: none of the scenario before it", () => {
    expect(results.cells).toHaveLength(18);
    for (const cell of results.cells) {
      const own = `only_${cell.scenario.split('/').pop()}`;
      const sent = headerValues(exchangeAt(cell.observed, 'actual')?.request.headers, 'Cookie');
      expect(sent, cell.id).toEqual([`${own}=1`]);
      expect(cell.verdict, cell.id).toBe('pass');
    }
  });

  it('is reused once the engine proves its jar empty, in every engine (WebKitGTK, where a context is a browser, too)', () => {
    const engines = results.timings.profile!.engines;
    for (const engine of ['chromium', 'firefox', 'webkit'] as const) {
      expect(engines[engine]!.contextsOpened, engine).toBe(1);
      expect(engines[engine]!.contextsReused, engine).toBe(2);
    }
  });
});

describe('a cookie that slips past the planner', () => {
  it('is caught on the wire: the cell that carried it is an error, not a result', async () => {
    const results = await runFixtures('isolation-leak', { concurrencyPerPage: 1, stacks: ['express-manual'] });
    const [first, second] = results.cells;
    expect(first!.verdict).toBe('pass');
    expect(second!.verdict).toBe('error');
    expect(second!.error).toMatch(/carried a cookie \(sneaky\) on a page shared with other cells/);
  });
});
