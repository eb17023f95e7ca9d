import { againFetch } from '../core/format.ts';
import { expandDeep, placeholderValues } from '../core/origins.ts';
import { stacksFor, type PlannedCell } from '../plan/plan.ts';
import { fetchCode, withCellToken } from '../probes/fetch-probe.ts';
import { observe } from '../observations/observe.ts';
import { explainCell } from '../explanations/explain-cell.ts';
import { judge } from '../verdicts/judge.ts';
import type { ProbePage } from '../browsers/driver.ts';
import type { CellExplanation, CellResult, Observation } from '../results/types.ts';
import { cellExchanges, type Lab, type RunningStack } from './start-servers.ts';
import { warmUp } from './warm-up.ts';

/** What running a cell needs from the started run. */
export interface CellContext {
  lab: Lab;
  /** How long the probe may take in the page (its `again` wait comes on top). */
  probeTimeoutMs: number;
}

/** A cell's result before it has a verdict: what was planned, with the run's real URLs. */
type CellBase = Omit<CellResult, 'verdict' | 'differences'>;

/**
 * Runs one cell on a page: the warm-up request if it has one, the probe with
 * a deadline, then the exchanges the recorders kept for its token, the
 * observation, the verdict and the model's explanation. Anything the harness
 * could not observe makes the cell an error, never a CORS outcome.
 */
export async function runCell(cell: PlannedCell, page: ProbePage, { lab, probeTimeoutMs }: CellContext): Promise<CellResult> {
  const stack = lab.stacks.get(cell.stack)!;
  const base = cellBase(cell, lab);
  const cannotRun = stack.startError || stack.setupErrors.get(cell.scenario.id);
  if (cannotRun) return { ...base, verdict: 'error', differences: [], error: cannotRun };

  // A probe that waits before asking again gets its wait on top of the usual time.
  const timeoutMs = probeTimeoutMs + (cell.probe.again?.afterMs ?? 0);
  if (cell.probe.warmUp) {
    try {
      await warmUp(withCellToken(base.request.url, cell.token), lab.pageOrigins[cell.probe.warmUp.from], timeoutMs);
    } catch (error) {
      return { ...base, verdict: 'error', differences: [], error: `the warm-up request failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const started = Date.now();
  const outcome = await withDeadline(
    page.run({ token: cell.token, code: base.pageCode, timeoutMs }),
    timeoutMs + 5_000,
    `the engine did not return from the probe within ${timeoutMs + 5_000} ms`,
  );
  const exchanges = await cellExchanges(stack, cell.token);
  const observed = observe({ js: outcome.js, messages: outcome.messages, messageSupport: page.messageSupport, exchanges, durationMs: Date.now() - started });
  return judged(cell, base, observed, stack, lab);
}

/** A cell that could not run (an engine that did not launch, a page that failed): an error with what was planned. */
export function errorCell(cell: PlannedCell, lab: Lab, error: string): CellResult {
  return { ...cellBase(cell, lab), verdict: 'error', differences: [], error };
}

/** The observation judged against the expectation, and explained by the model when it could be observed. */
function judged(cell: PlannedCell, base: CellBase, observed: ReturnType<typeof observe>, stack: RunningStack, lab: Lab): CellResult {
  const { observation } = observed;
  let { error } = observed;
  // The page is shared only because no cookie can be in its jar (see needsOwnContext); the wire says if one was.
  if (!error && !cell.freshContext && observation.cookiesSent && observation.cookiesSent.length > 0) {
    error = `the request carried a cookie (${observation.cookiesSent.join(', ')}) on a page shared with other cells: another cell's cookie leaked in, so this observation cannot be trusted`;
  }
  const { verdict, differences } = judge(cell.expected, observation, error);
  const explanation = error ? undefined : explanationOf(cell, base, observation, stack, lab);
  return { ...base, verdict, differences, observed: observation, ...(error ? { error } : {}), ...(explanation ? { explanation } : {}) };
}

function explanationOf(cell: PlannedCell, base: CellBase, observation: Observation, stack: RunningStack, lab: Lab): CellExplanation | undefined {
  return explainCell({
    request: base.request,
    pageOrigin: base.pageOrigin,
    from: cell.from,
    engine: cell.engine,
    stack: cell.stack,
    observed: observation,
    expected: cell.expected,
    policy: cell.scenario.server.policy && expandDeep(cell.scenario.server.policy, placeholderValues(stack.origins, cell.scenario.id)),
    stacks: stacksFor(cell.scenario, lab.variants),
    deviations: cell.probe.deviations ?? [],
    ...(cell.probe.again ? { again: { afterMs: cell.probe.again.afterMs, request: againFetch(base.request, expandDeep(cell.probe.again, placeholderValues(stack.origins, cell.scenario.id))) } } : {}),
  });
}

function cellBase(cell: PlannedCell, lab: Lab): CellBase {
  const stack = lab.stacks.get(cell.stack)!;
  const values = placeholderValues(stack.origins, cell.scenario.id);
  const request = expandDeep(cell.probe.fetch, values);
  // The second request of `again`, placeholders expanded and its URL (if it has one of its own) tokenized like the first's.
  const again = cell.probe.again && expandDeep(cell.probe.again, values);
  if (again?.url !== undefined) again.url = withCellToken(again.url, cell.token);
  return {
    id: cell.id,
    scenario: cell.scenario.id,
    probe: cell.probeIndex,
    probeName: cell.probeName,
    stack: cell.stack,
    engine: cell.engine,
    from: cell.from,
    pageOrigin: lab.pageOrigins[cell.from],
    expected: cell.expected,
    ...(cell.expectedBecause ? { expectedBecause: cell.expectedBecause } : {}),
    request,
    pageCode: fetchCode(request, withCellToken(request.url, cell.token), { from: cell.from, ...(again ? { again } : {}) }),
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
