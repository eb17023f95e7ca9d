import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { runLab } from '../../harness/run/run.ts';
import { engineOutcome } from '../../harness/observations/engine-differences.ts';
import type { RunResults } from '../../harness/results/types.ts';

/**
 * Isolation holds at full speed: the default suite gives the same verdicts,
 * and the same observations, one cell at a time as with many cells in flight
 * on a shared page. If sharing a page leaked anything between cells (a
 * cached preflight, a cookie, a cached response, a misattributed message),
 * the two runs would differ.
 *
 * Left out, to keep the serial run to a few minutes: scenarios that wait on
 * purpose (a probe asking again after a second or more, to watch the
 * preflight cache expire), whose URLs are per cell like every other's, and
 * scenarios that set cookies, whose cells each get a browser context of
 * their own in both runs, so they share nothing that a parallel run could
 * leak.
 */
describe('the default suite, one cell at a time and at full speed', () => {
  let serial: RunResults;
  let parallel: RunResults;
  beforeAll(async () => {
    const scenarios = (await loadScenarios(['scenarios'], 'scenarios')).filter((s) => !s.cookies && s.probes.every((p) => (p.again?.afterMs ?? 0) < 1000));
    const options = { scenarios, engines: ['chromium', 'firefox', 'webkit'] as const, reporters: [], requireEngines: true };
    serial = await runLab({ ...options, concurrencyPerPage: 1, isolatedContexts: 1 });
    parallel = await runLab(options);
  }, 600_000);

  it('has the same cells', () => {
    expect(parallel.cells.map((c) => c.id)).toEqual(serial.cells.map((c) => c.id));
    expect(serial.summary.error).toBe(0);
  });

  it('gives every cell the same verdict', () => {
    const verdicts = (r: RunResults) => r.cells.map((c) => `${c.id}: ${c.verdict}`);
    expect(verdicts(parallel)).toEqual(verdicts(serial));
  });

  it('observes the same outcome in every cell: result, preflight, handler, status, cookies, readable headers', () => {
    const outcomes = (r: RunResults) => r.cells.map((c) => `${c.id}: ${JSON.stringify(c.observed ? engineOutcome(c.observed) : c.error)}`);
    expect(outcomes(parallel)).toEqual(outcomes(serial));
  });
});
