import type { CellResult, EngineDisagreement, EngineOutcome, Observation } from '../results/types.ts';

export function engineOutcome(o: Observation): EngineOutcome {
  return {
    ...(o.result !== undefined ? { result: o.result } : {}),
    preflight: o.preflight !== null,
    reachedHandler: o.reachedHandler,
    ...(o.js.kind === 'response' ? { status: o.js.status } : {}),
    cookiesSent: o.cookiesSent === null ? null : [...o.cookiesSent].sort(),
    readable: o.js.kind === 'response' ? o.js.headers.map(([n]) => n.toLowerCase()).sort() : [],
  };
}

/**
 * Probes whose observations differ between engines, stack by stack. Cells the
 * harness could not observe (errors) are left out: an error is not a
 * behaviour to compare.
 */
export function engineDisagreements(cells: readonly CellResult[]): EngineDisagreement[] {
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) {
    if (cell.verdict === 'error' || !cell.observed) continue;
    const key = `${cell.scenario}#${cell.probe}@${cell.stack}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const out: EngineDisagreement[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const outcomes = group.map((c) => [c.engine, engineOutcome(c.observed!)] as const);
    const fields = (Object.keys(outcomes[0]![1]) as (keyof EngineOutcome)[])
      .concat(['result', 'status'])
      .filter((f, i, all) => all.indexOf(f) === i)
      .filter((field) => new Set(outcomes.map(([, o]) => JSON.stringify(o[field]))).size > 1);
    if (fields.length === 0) continue;
    const first = group[0]!;
    out.push({ scenario: first.scenario, probe: first.probe, probeName: first.probeName, stack: first.stack, fields, byEngine: Object.fromEntries(outcomes) });
  }
  return out;
}
