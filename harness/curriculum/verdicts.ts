import { type EngineName, baseStack } from '../core/names.ts';
import { engineNames } from '../browsers/catalog.ts';
import { judge } from '../verdicts/judge.ts';
import type { CellResult, Claim, ClaimResult, ClaimVerdict, EngineClaimResult, EngineClaimVerdict } from '../results/types.ts';

/**
 * Decides each claim from what the browsers did. A check's `says` is the
 * article's claim written as an expectation; it is judged against each
 * selected cell's observation with the same judge as a scenario's own
 * expectation. Nothing here knows the answer in advance: the article's words
 * on one side, the wire and the page on the other.
 */
export function claimVerdicts(claims: readonly Claim[], cells: readonly CellResult[]): ClaimResult[] {
  return claims.map((claim) => {
    const engines: Record<EngineName, EngineClaimResult> = {};
    for (const check of claim.checks) {
      for (const cell of cells) {
        if (cell.scenario !== check.scenario) continue;
        if (check.probe !== undefined && cell.probeName !== check.probe) continue;
        // A stack column of one image version among several (`nginx@1.27>…`) counts as its stack.
        if (check.stacks && !check.stacks.includes(baseStack(cell.stack))) continue;
        const entry = (engines[cell.engine] ??= { verdict: 'not run', matched: [], contradicted: [], errors: [] });
        if (cell.verdict === 'error' || !cell.observed) {
          entry.errors.push(cell.id);
          continue;
        }
        const { verdict, differences } = judge(check.says, cell.observed, undefined);
        if (verdict === 'pass') entry.matched.push(cell.id);
        else if (verdict === 'fail') {
          const first = differences[0]!;
          entry.contradicted.push({ cell: cell.id, field: first.field, expected: first.expected, observed: first.observed });
        } else entry.errors.push(cell.id);
      }
    }
    for (const entry of Object.values(engines)) entry.verdict = engineVerdict(entry);
    return { ...claim, engines, verdict: overall(claim, engines) };
  });
}

function engineVerdict(entry: EngineClaimResult): EngineClaimVerdict {
  const { matched, contradicted } = entry;
  if (matched.length === 0 && contradicted.length === 0) return 'not run';
  if (contradicted.length === 0) return 'confirmed';
  if (matched.length === 0) return 'refuted';
  return 'partly';
}

function overall(claim: Claim, engines: Record<EngineName, EngineClaimResult>): ClaimVerdict {
  if (claim.notObservable) return 'not observable';
  const observed = engineNames().map((e) => engines[e]?.verdict).filter((v): v is EngineClaimVerdict => v !== undefined && v !== 'not run');
  if (observed.length === 0) return 'not run';
  const distinct = new Set(observed);
  if (distinct.size === 1) return observed[0]!;
  return 'engine-dependent';
}

/** Counts of each overall verdict, for summaries. */
export function claimCounts(results: readonly ClaimResult[]): Record<ClaimVerdict, number> {
  const counts: Record<ClaimVerdict, number> = { confirmed: 0, refuted: 0, partly: 0, 'engine-dependent': 0, 'not observable': 0, 'not run': 0 };
  for (const r of results) counts[r.verdict]++;
  return counts;
}
