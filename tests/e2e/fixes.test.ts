import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { runLab } from '../../harness/run/run.ts';
import type { CellResult, RunResults } from '../../harness/results/types.ts';
import type { Policy, Scenario } from '../../harness/core/format.ts';

/**
 * A fix is only worth showing if it works. For a sample of blocked cells that
 * the site's own page makes, apply the fix in a generated variant of the
 * scenario (its policy replaced by the fixed one) and run it again in
 * Chromium: the same probe must now be allowed.
 */
const SAMPLE = [
  'origins/trailing-slash',
  'origins/mismatched-allow-origin',
  'credentials/missing-allow-credentials',
  'credentials/wildcard-with-credentials',
  'preflight/custom-header',
  'preflight/delete-and-patch',
  'frameworks/fastify-default-methods',
  'preflight/no-allow-headers',
];

function portable(policy: Policy, results: RunResults): Policy {
  // The fix names this run's origins; the variant runs on new ports.
  const swap = (o: string) => (o === results.environment.origins.app ? '{app}' : o === results.environment.origins.evil ? '{evil}' : o);
  return { ...policy, origin: Array.isArray(policy.origin) ? policy.origin.map(swap) : swap(policy.origin) };
}

describe('fixes', () => {
  let before: RunResults;
  let fixed: CellResult[];
  let after: RunResults;
  let variants: Scenario[];

  beforeAll(async () => {
    const scenarios = (await loadScenarios(['scenarios'], 'scenarios')).filter((s) => SAMPLE.includes(s.id));
    before = await runLab({ scenarios, engines: ['chromium'], reporters: [], requireEngines: true });
    fixed = before.cells.filter((c) => c.from === 'app' && c.observed?.result === 'blocked' && c.explanation?.fix?.policy);
    variants = fixed.map((cell, i) => {
      const scenario = scenarios.find((s) => s.id === cell.scenario)!;
      return {
        ...scenario,
        id: `fixed/${i}`,
        file: `${scenario.file} (fixed for ${cell.stack})`,
        server: { policy: portable(cell.explanation!.fix!.policy!, before), ...(scenario.server.response ? { response: scenario.server.response } : {}) },
        probes: [{ ...scenario.probes[cell.probe]!, expect: { result: 'allowed' }, expectFor: [] }],
        probeLines: [scenario.probeLines[cell.probe]!],
      };
    });
    after = await runLab({ scenarios: variants, engines: ['chromium'], reporters: [], requireEngines: true });
  });

  it('are offered for the blocked cells of the sample, in the idiom of every stack', () => {
    expect(new Set(fixed.map((c) => c.scenario))).toEqual(new Set(SAMPLE));
    for (const cell of fixed) {
      expect(cell.explanation!.fix!.summary).not.toBe('');
      expect(Object.keys(cell.explanation!.fix!.perStack).length).toBeGreaterThan(0);
    }
  });

  it('turn each sampled cell green when applied', () => {
    const stillBlocked = fixed.flatMap((cell, i) => {
      const rerun = after.cells.find((c) => c.scenario === `fixed/${i}` && c.stack === cell.stack);
      return rerun?.observed?.result === 'allowed' ? [] : [`${cell.id}: ${rerun?.observed?.result ?? rerun?.error} with ${JSON.stringify(variants[i]!.server.policy)}`];
    });
    expect(stillBlocked).toEqual([]);
  });
});
