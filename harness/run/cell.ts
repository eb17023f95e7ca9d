import { againFetch } from '../core/format.ts';
import { withDeadline } from '../core/deadline.ts';
import { expandDeep } from '../core/origins.ts';
import { stacksFor, type PlannedCell } from '../plan/plan.ts';
import { controlCode, controlToken, fetchCode, proxyControlToken, withCellToken } from '../probes/fetch-probe.ts';
import { observe, type ControlRequest } from '../observations/observe.ts';
import { expandExpectation } from '../scenarios/expectations.ts';
import { explainCell } from '../explanations/explain-cell.ts';
import { judge } from '../verdicts/judge.ts';
import type { PageOutcome, ProbePage } from '../browsers/driver.ts';
import type { CellExplanation, CellResult, Exchange, Observation } from '../results/types.ts';
import { cellExchanges, scenarioOrigins, scenarioValues, serverDeath, type Lab, type RunningStack } from './start-servers.ts';
import { isTargetStack } from '../core/target.ts';
import { harnessGet, warmUp } from './warm-up.ts';
import { modelRequest } from '../observations/model-request.ts';
import { prepareRequest } from '../model/request.ts';
import type { FetchSpec } from '../core/format.ts';

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
export async function runCell(cell: PlannedCell, page: ProbePage, context: CellContext): Promise<CellResult> {
  // The lab's addresses are fixed before its stacks are up (openLab): a cell starts once its own stack is.
  await context.lab.stacks.get(cell.stack)!.ready;
  const target = context.lab.stacks.get(cell.stack)!.target;
  if (!target) return runCellOnPage(cell, page, context);
  // A server the user runs: no token in its URLs, so its recorder attributes what arrives to the cell that runs now,
  // and only one cell runs at a time, whichever engine (see WireRecorder.claim).
  return target.oneAtATime.run(async () => {
    try {
      return await runCellOnPage(cell, page, context);
    } finally {
      context.lab.stacks.get(cell.stack)!.recorder.claim('');
    }
  });
}

async function runCellOnPage(cell: PlannedCell, page: ProbePage, { lab, probeTimeoutMs }: CellContext): Promise<CellResult> {
  const stack = lab.stacks.get(cell.stack)!;
  const base = cellBase(cell, lab);
  const withCellToken = urlFor(stack);
  stack.recorder.claim(cell.token);
  const cannotRun = stack.startError || stack.setupErrors.get(cell.scenario.id) || serverDeath(stack, cell.scenario.id);
  if (cannotRun) return { ...base, verdict: 'error', differences: [], error: cannotRun };

  // A probe that waits before asking again gets its wait on top of the usual time.
  const timeoutMs = probeTimeoutMs + (cell.probe.again?.afterMs ?? 0);
  if (cell.probe.warmUp) {
    try {
      await warmUp(withCellToken(base.request.url, cell.token), scenarioOrigins(lab, cell.stack, cell.scenario)[cell.probe.warmUp.from]!, timeoutMs, Number(new URL(stack.origins.apiOrigin).port));
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
  let exchanges = await cellExchanges(stack, cell.token);
  const durationMs = Date.now() - started;
  // A server that died under the probe: whatever the page saw says nothing about CORS.
  const died = serverDeath(stack, cell.scenario.id);
  if (died) return { ...base, verdict: 'error', differences: [], error: died };
  const left = lab.leftTheLab?.(cell.token) ?? [];
  if (left.length > 0) {
    // Not "blocked": the lab refused it, not the browser (harness/run/network.ts).
    return { ...base, verdict: 'error', differences: [], error: `the page asked for something outside the lab, which the lab's mapping proxy refused (nothing was sent): ${left.join('; ')}` };
  }
  let control: ControlRequest | undefined;
  let proxyControl: ControlRequest | undefined;
  if (needsControl(outcome.js, exchanges)) {
    control = isMixedContent(base.request, base.pageOrigin)
      ? await controlFromHarness(stack, base.request.url, cell.token, probeTimeoutMs)
      : await controlRequest(page, stack, base.request.url, cell.token, probeTimeoutMs);
    // Nothing at all came from the page: where the proxy is its only way to the API, ask through the proxy.
    if (!control.exchanges.some((e) => e.kind !== 'setup') && lab.mappingProxy && declaresHttpOrigin(cell, base.request.url)) {
      proxyControl = await controlFromHarness(stack, base.request.url, cell.token, probeTimeoutMs, lab.mappingProxy);
    }
    // Read again: a request of the probe's that was still on its way would have arrived by now.
    stack.recorder.claim(cell.token);
    exchanges = await cellExchanges(stack, cell.token);
  }
  const observed = observe({
    js: outcome.js,
    messages: outcome.messages,
    messageSupport: page.messageSupport,
    exchanges,
    durationMs,
    request: { spec: base.request, pageOrigin: base.pageOrigin },
    ...(control ? { control } : {}),
    ...(proxyControl ? { proxyControl } : {}),
  });
  return judged(cell, base, observed, stack, lab);
}

/**
 * How a cell's URLs carry its token: in the query (`withCellToken`), so the
 * recorder attributes each exchange by it; not at all in front of a server
 * the user runs, which must get its own URLs as they are (its recorder
 * attributes by claim instead).
 */
function urlFor(stack: RunningStack): (url: string, token: string) => string {
  return stack.target ? (url) => url : withCellToken;
}

/**
 * A rejection with nothing of the browser's on the wire, not there at once,
 * is silent: it could be the browser refusing the request, or a connection
 * that failed. A control request tells the two apart (see observe.ts).
 */
function needsControl(js: PageOutcome['js'], exchanges: readonly Exchange[]): boolean {
  return js.kind === 'error' && js.name === 'TypeError' && js.atOnce !== true && !exchanges.some((e) => e.kind !== 'setup');
}

async function controlRequest(page: ProbePage, stack: RunningStack, url: string, token: string, timeoutMs: number): Promise<ControlRequest> {
  const ctl = controlToken(token);
  const target = urlFor(stack)(url, ctl);
  stack.recorder.claim(ctl);
  const code = controlCode(target);
  const outcome = await withDeadline(page.run({ token: ctl, code, timeoutMs }), timeoutMs + 5_000, `the engine did not return from the control request within ${timeoutMs + 5_000} ms`).catch(
    (error: unknown): PageOutcome => ({ js: { kind: 'error', name: 'HarnessError', message: error instanceof Error ? error.message : String(error) }, messages: [] }),
  );
  return { url: target, code, js: outcome.js, exchanges: await cellExchanges(stack, ctl) };
}

/** Whether the URL is on an http origin the scenario declares: the browser can reach it only through the mapping proxy, which sees each request's token. */
function declaresHttpOrigin(cell: PlannedCell, url: string): boolean {
  try {
    const origin = new URL(url).origin;
    return origin.startsWith('http:') && Object.values(cell.scenario.origins ?? {}).includes(origin);
  } catch {
    return false;
  }
}

/** Whether the model says the page may not fetch this URL at all (mixed content): then a page's own control request would be refused the same way. */
function isMixedContent(request: FetchSpec, pageOrigin: string): boolean {
  try {
    return prepareRequest(modelRequest(request, pageOrigin)).error?.rule === 'mixed-content';
  } catch {
    return false;
  }
}

/**
 * The control for a request the page cannot make at all: mixed content
 * (https://w3c.github.io/webappsec-mixed-content/#should-block-fetch) blocks
 * a no-cors GET to the same URL too, so the harness makes it itself, to the
 * recorder in front of the stack, to show that the API answers at that URL.
 * (The page was loaded through the lab's mapping proxy, so the path from the
 * browser works too.)
 */
async function controlFromHarness(stack: RunningStack, url: string, token: string, timeoutMs: number, viaProxy?: string): Promise<ControlRequest> {
  const ctl = viaProxy ? proxyControlToken(token) : controlToken(token);
  const target = urlFor(stack)(url, ctl);
  stack.recorder.claim(ctl);
  const code = viaProxy ? `GET ${target} through the lab's mapping proxy, made by the harness itself` : `GET ${target}, made by the harness itself (a request from the page would be mixed content too)`;
  let js: PageOutcome['js'];
  try {
    const status = await harnessGet(target, {}, timeoutMs, Number(new URL(stack.origins.apiOrigin).port), viaProxy);
    js = { kind: 'response', type: 'basic', status, statusText: '', headers: [], body: '', bodyTruncated: false };
  } catch (error) {
    js = { kind: 'error', name: 'HarnessError', message: error instanceof Error ? error.message : String(error) };
  }
  return { url: target, code, js, exchanges: await cellExchanges(stack, ctl) };
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
  const { verdict, differences } = judge(base.expected, observation, error);
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
    expected: base.expected,
    // A server the user runs has its own code: the lab's policy does not describe it, and no lab stack's idiom is its.
    policy: stack.target ? undefined : cell.scenario.server.policy && expandDeep(cell.scenario.server.policy, scenarioValues(stack, cell.scenario)),
    stacks: stack.target ? [] : stacksFor(cell.scenario, lab.variants).filter((s) => !isTargetStack(s)),
    deviations: cell.probe.deviations ?? [],
    ...(cell.probe.again ? { again: { afterMs: cell.probe.again.afterMs, request: againFetch(base.request, expandDeep(cell.probe.again, scenarioValues(stack, cell.scenario))) } } : {}),
  });
}

/** The code a cell's page runs for its probe, its URLs tokenized (the benchmark batches many of them in one page for its floor). */
export function cellPageCode(cell: PlannedCell, lab: Lab): string {
  return cellBase(cell, lab).pageCode;
}

function cellBase(cell: PlannedCell, lab: Lab): CellBase {
  const stack = lab.stacks.get(cell.stack)!;
  const values = scenarioValues(stack, cell.scenario);
  const withCellToken = urlFor(stack);
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
    pageOrigin: scenarioOrigins(lab, cell.stack, cell.scenario)[cell.from]!,
    expected: expandExpectation(cell.expected, values),
    ...(cell.expectedBecause ? { expectedBecause: cell.expectedBecause } : {}),
    request,
    pageCode: fetchCode(request, withCellToken(request.url, cell.token), { from: cell.from, ...(again ? { again } : {}) }),
  };
}
