/**
 * What a browser that follows the Fetch standard does with one request, given what
 * the server answered on the wire. The report compares this with what each real
 * engine did; a disagreement is news, so the model says "undetermined" (and why)
 * rather than guess where the standard leaves the choice to the browser or where
 * the recorder saw nothing to judge.
 */
import type { PreflightCacheEntry } from './cache.ts';
import { code, explainFailure } from './explain.ts';
import { checkPreflight, type PreflightOutcome } from './preflight.ts';
import { followRedirect, type RedirectOutcome } from './redirect.ts';
import { prepareRequest, type CorsRequestInit, type PrepareOptions, type RequestPlan } from './request.ts';
import { checkResponse, type ResponseOutcome } from './response.ts';
import { failure } from './rules.ts';
import type { Failure, HeaderPair, Latitude, ModelResult } from './types.ts';

/** The part of a recorded Exchange (harness/results/types.ts) the model reads. */
export interface ExchangeLike {
  kind: 'preflight' | 'actual';
  response?: { status: number; headers: readonly HeaderPair[] };
  /** The server could not answer; the browser saw the connection close. */
  upstreamError?: string;
  /** When the request reached the recorder (ms on the recorder's clock): how long a preflight cache entry had lived. */
  at?: number;
}

export type PredictionStep =
  | { kind: 'request'; plan: RequestPlan }
  | { kind: 'preflight'; outcome: PreflightOutcome }
  | { kind: 'redirect'; outcome: RedirectOutcome }
  | { kind: 'response'; outcome: ResponseOutcome };

export interface Prediction {
  /** A CORS preflight goes out (at any hop); `undetermined` when it depends on the browser. */
  preflight: boolean | 'undetermined';
  /** How many preflights go out (one per hop that needs one). */
  preflights: number;
  /** The actual request goes out (its side effects happen even if the page is then blocked). */
  actualSent: boolean;
  /** How many times the actual request goes out (once, plus once per redirect followed). */
  actuals: number;
  result: ModelResult | 'undetermined';
  /** What JavaScript reads as the status: the response's when allowed, 0 when opaque, null otherwise. */
  status: number | null;
  /** Lowercase names of the response headers JavaScript can read. */
  readable: string[];
  /** The rule that decided a `blocked` result (first), and any others found on the same response. */
  failures: Failure[];
  explanation: string;
  /** Why there is no result: the recorder saw nothing to judge, or the standard leaves it to the browser. */
  undetermined?: { because: 'missing-evidence' | 'left-to-browser'; text: string };
  /** Points where the standard leaves something to the browser that touch this request. */
  notes: Latitude[];
  /** Hop by hop: each plan, preflight, redirect and final response the prediction went through. */
  steps: PredictionStep[];
  /** The first hop's plan (what fetch() makes of the call). */
  request: RequestPlan;
  /** The entries this request's passing preflights added to the CORS-preflight cache. */
  cacheEntries: PreflightCacheEntry[];
  /** How many of the exchanges given the prediction read: a later request's start after them. */
  exchangesRead: number;
}

export interface PredictOptions extends PrepareOptions {}

/** Predicts one request from the exchanges the recorder attributed to it, in order. */
export function predict(init: CorsRequestInit, exchanges: readonly ExchangeLike[], options: PredictOptions = {}): Prediction {
  const first = prepareRequest(init, options);
  const steps: PredictionStep[] = [{ kind: 'request', plan: first }];
  const notes: Latitude[] = [...first.notes];
  let cache: PreflightCacheEntry[] = [...(options.preflightCache ?? [])];
  const added: PreflightCacheEntry[] = [];
  let cursor = 0;
  let preflights = 0;
  let actuals = 0;
  let redirects = 0;

  const take = (kind: ExchangeLike['kind']): ExchangeLike | undefined => {
    for (let i = cursor; i < exchanges.length; i++) {
      if (exchanges[i]!.kind === kind) {
        cursor = i + 1;
        return exchanges[i];
      }
    }
    return undefined;
  };
  type Fixed = 'steps' | 'request' | 'notes' | 'preflight' | 'preflights' | 'actualSent' | 'actuals' | 'cacheEntries' | 'exchangesRead';
  const done = (p: Omit<Prediction, Fixed> & { preflight?: Prediction['preflight'] }): Prediction => ({
    preflight: preflights > 0,
    preflights,
    actualSent: actuals > 0,
    actuals,
    ...p,
    steps,
    request: first,
    notes: dedupe(notes),
    cacheEntries: added,
    exchangesRead: cursor,
  });
  const undetermined = (because: 'missing-evidence' | 'left-to-browser', text: string, extra: Partial<Prediction> = {}) =>
    done({ result: 'undetermined', status: null, readable: [], failures: [], explanation: `undetermined: ${text}`, undetermined: { because, text }, ...extra });
  const blocked = (failures: Failure[], explanation: string) => done({ result: 'blocked', status: null, readable: [], failures, explanation });
  const after = () => [preflights > 0 ? 'after a passing preflight' : '', redirects > 0 ? `after ${redirects} redirect${redirects > 1 ? 's' : ''}` : ''].filter(Boolean);

  let plan = first;
  for (;;) {
    if (plan.error) return blocked([plan.error], plan.explanation);
    if (plan.preflightDependsOnBrowser) {
      const text = 'whether a preflight goes out, or which headers it lists, depends on the Accept-Language value the browser adds, which the standard leaves to the browser';
      return undetermined('left-to-browser', text, { preflight: plan.preflight === null ? 'undetermined' : true });
    }
    if (plan.preflight) {
      preflights++;
      const exchange = take('preflight');
      if (!exchange?.response) {
        if (exchange?.upstreamError !== undefined) return noResponse(exchange.upstreamError, 'preflight');
        return undetermined('missing-evidence', `a preflight ${code('OPTIONS')} to ${code(plan.url)} should go out, but the recorder saw no response to one, so there is nothing to judge`);
      }
      const outcome = checkPreflight(plan, exchange.response, exchange.at);
      steps.push({ kind: 'preflight', outcome });
      notes.push(...outcome.notes);
      if (!outcome.ok) return blocked(outcome.failures, outcome.explanation);
      cache = [...cache, ...outcome.cacheEntries];
      added.push(...outcome.cacheEntries);
    }
    actuals++;
    const exchange = take('actual');
    if (!exchange?.response) {
      if (exchange?.upstreamError !== undefined) return noResponse(exchange.upstreamError, 'response');
      return undetermined('missing-evidence', `the ${code(plan.method)} request to ${code(plan.url)} should go out, but the recorder saw no response to it, so there is nothing to judge`);
    }
    const redirect = followRedirect(plan, exchange.response, cache);
    if (redirect.kind !== 'not-a-redirect') steps.push({ kind: 'redirect', outcome: redirect });
    if (redirect.kind === 'blocked') return blocked(redirect.failures, redirect.explanation);
    if (redirect.kind === 'follow') {
      redirects++;
      plan = redirect.next;
      steps.push({ kind: 'request', plan });
      notes.push(...plan.notes);
      continue;
    }
    const outcome = checkResponse(plan, exchange.response);
    steps.push({ kind: 'response', outcome });
    notes.push(...outcome.notes);
    if (outcome.result === 'undetermined') return undetermined('left-to-browser', outcome.explanation.replace(/^undetermined: /, ''));
    if (outcome.result === 'blocked') return blocked(outcome.failures, outcome.explanation);
    const context = after();
    return done({
      result: outcome.result,
      status: outcome.status,
      readable: outcome.readable.map(([n]) => n).filter((n, i, all) => all.indexOf(n) === i),
      failures: [],
      explanation: context.length > 0 ? `${outcome.explanation} (${context.join(', ')})` : outcome.explanation,
    });
  }

  function noResponse(error: string, stage: 'preflight' | 'response'): Prediction {
    const f = failure('no-response', stage, { observed: [error] });
    return blocked([f], explainFailure(f));
  }
}

/** Each note once, in the order first given. */
export function dedupe(notes: readonly Latitude[]): Latitude[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const key = `${n.id}\n${n.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
