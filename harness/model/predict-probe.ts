/**
 * A probe that makes its request twice (`again`): what a browser that follows the Fetch
 * standard does with both, given what the server answered on the wire. The first
 * request's passing preflights fill the CORS-preflight cache
 * (https://fetch.spec.whatwg.org/#cors-preflight-cache); the second request is
 * preflighted again unless entries that are still alive cover its method and every
 * CORS-unsafe header name (https://fetch.spec.whatwg.org/#concept-cache-match), under
 * its own origin, URL and credentials mode. Where whether an entry is still there is
 * left to the browser (see cache.ts), the count of preflights is `undetermined` and
 * the rest is predicted along the branch the wire shows.
 */
import { entryLife, hasHeaderNameCacheMatch, hasMethodCacheMatch, type EntryLife, type PreflightCacheEntry } from './cache.ts';
import { code, listAnd } from './explain.ts';
import { dedupe, predict, type ExchangeLike, type Prediction, type PredictOptions } from './predict.ts';
import type { PreflightOutcome } from './preflight.ts';
import { prepareRequest, type CorsRequestInit, type RequestPlan } from './request.ts';
import { isCorsSafelistedMethod } from './safelist.ts';
import { SPEC } from './spec.ts';
import type { Latitude } from './types.ts';

/** The second request of a probe. */
export interface AgainInit {
  /** Milliseconds between the first request's answer and the second request. */
  afterMs: number;
  /** The second fetch() call (the first with `again`'s URL, credentials mode or headers). */
  init: CorsRequestInit;
  /**
   * The second request comes from the same client (document) as the first. False for a
   * probe from a sandboxed frame, which makes each request in a new frame: both origins
   * serialize to `null`, but the network partition key, which the cache is keyed by
   * first, has "null or an implementation-defined" second key
   * (https://fetch.spec.whatwg.org/#network-partition-keys), so whether the new frame
   * shares the first one's entries is the browser's choice.
   */
  sameClient: boolean;
}

/** How the preflight cache reads for the second request. */
export interface CacheReading {
  /** The second request goes out with a preflight (`undetermined` when the browser's latitude or the timing decides). */
  preflight: boolean | 'undetermined';
  /** Why, in one clause. */
  text: string;
  /** The life of each entry the first request left, at the second request's lookup. */
  entries: { entry: PreflightCacheEntry; life: EntryLife }[];
}

export interface ProbePrediction {
  /** A preflight goes out for either request. */
  preflight: boolean | 'undetermined';
  /** Preflights of both requests together. */
  preflights: number | 'undetermined';
  actualSent: boolean;
  /** Actual requests of both together. */
  actuals: number;
  /** What JavaScript reads: the second request's answer. */
  result: Prediction['result'];
  status: Prediction['status'];
  readable: Prediction['readable'];
  failures: Prediction['failures'];
  undetermined?: Prediction['undetermined'];
  explanation: string;
  notes: Latitude[];
  first: Prediction;
  /** Present when the probe asks again. */
  second?: Prediction;
  cache?: CacheReading;
}

/** Predicts a probe: one request, or with `again` two, over the exchanges the recorder attributed to it in order. */
export function predictProbe(init: CorsRequestInit, exchanges: readonly ExchangeLike[], again?: AgainInit, options: PredictOptions = {}): ProbePrediction {
  const first = predict(init, exchanges, options);
  if (!again) {
    const { preflight, preflights, actualSent, actuals, result, status, readable, failures, undetermined, explanation, notes } = first;
    return { preflight, preflights, actualSent, actuals, result, status, readable, failures, ...(undetermined ? { undetermined } : {}), explanation, notes, first };
  }
  const rest = exchanges.slice(first.exchangesRead);
  const nextAt = rest.find((e) => e.at !== undefined)?.at;
  const entries = first.cacheEntries.map((entry) => ({
    entry,
    life: entryLife(entry, { min: again.afterMs, max: entry.storedAt !== undefined && nextAt !== undefined ? nextAt - entry.storedAt : Infinity }),
  }));
  // Entries that must be there, and entries that may be (the browser's latitude, the timing, or another client's partition key).
  const definite = again.sameClient ? entries.filter((e) => e.life === 'alive').map((e) => e.entry) : [];
  const possible = entries.filter((e) => e.life !== 'expired').map((e) => e.entry);
  const withDefinite = prepareRequest(again.init, { ...options, preflightCache: definite });
  const withPossible = prepareRequest(again.init, { ...options, preflightCache: possible });
  const determined = (withDefinite.preflight === null) === (withPossible.preflight === null);
  // Undetermined: follow the branch the browser took, so the rest of the prediction judges what the wire shows.
  const nextIsPreflight = rest.find((e) => e.kind === 'preflight' || e.kind === 'actual')?.kind === 'preflight';
  const second = predict(again.init, rest, { ...options, preflightCache: determined || nextIsPreflight ? definite : possible });
  const reading: CacheReading = {
    preflight: determined ? withDefinite.preflight !== null : 'undetermined',
    text: describeReading(again, first, withDefinite, withPossible, entries, determined),
    entries,
  };
  const notes = [...first.notes, ...second.notes];
  if (!determined && !again.sameClient) {
    notes.push({
      id: 'network-partition-key',
      text: "the second request comes from another sandboxed frame: its origin serializes to `null` too, but the preflight cache is keyed by the network partition key first, whose second key the standard leaves to the browser, so it may or may not share the first frame's entries",
      anchor: SPEC.networkPartitionKey,
    });
  }
  const preflightAny: ProbePrediction['preflight'] =
    first.preflight === true || second.preflight === true ? true : first.preflight === 'undetermined' || reading.preflight === 'undetermined' ? 'undetermined' : false;
  const preflights: ProbePrediction['preflights'] =
    first.preflight === 'undetermined' || second.preflight === 'undetermined' || reading.preflight === 'undetermined' ? 'undetermined' : first.preflights + second.preflights;
  return {
    preflight: preflightAny,
    preflights,
    actualSent: first.actualSent || second.actualSent,
    actuals: first.actuals + second.actuals,
    result: second.result,
    status: second.status,
    readable: second.readable,
    failures: second.failures,
    ...(second.undetermined ? { undetermined: second.undetermined } : {}),
    explanation: `${reading.text}; ${second.explanation}`,
    notes: dedupe(notes),
    first,
    second,
    cache: reading,
  };
}

/** One clause: asked again after N ms, is the second request preflighted, and why. */
function describeReading(
  again: AgainInit,
  first: Prediction,
  withDefinite: RequestPlan,
  withPossible: RequestPlan,
  entries: CacheReading['entries'],
  determined: boolean,
): string {
  const when = `asked again ${again.afterMs} ms after the first answer`;
  const needed = neededItems(withDefinite);
  if (withDefinite.error || withDefinite.tainting !== 'cors' || (withDefinite.preflight === null && !withDefinite.preflightFromCache)) {
    return `${when}, the request needs no preflight at all`;
  }
  const maxAge = describeMaxAge(first);
  if (entries.length === 0) {
    const why = first.preflights === 0 ? 'the first request sent no preflight' : 'the first preflight did not pass, so nothing was cached';
    return `${when}, ${needed} ${needed.includes(' and ') ? 'need' : 'needs'} a preflight again: ${why}`;
  }
  if (!determined) {
    const lives = new Set(entries.map((e) => e.life));
    const why = !again.sameClient
      ? "it comes from another sandboxed frame, and whether that frame shares the first one's cache entries (the network partition key's second key) is left to the browser"
      : lives.has('imposed-limit')
        ? `the wait is past five seconds but inside the ${maxAge}, so whether the entry is still there depends on the browser's imposed limit on max-age, which the standard leaves to it`
        : `the ${maxAge} ends about when the second request was made, too close to tell from the recorder's clock`;
    return `${when}, whether ${needed} ${needed.includes(' and ') ? 'are' : 'is'} preflighted again is undetermined: ${why}`;
  }
  if (withDefinite.preflight === null) {
    return `${when}, ${needed} ${needed.includes(' and ') ? 'go' : 'goes'} out without a second preflight: the first answer's cache entries (${maxAge}) still cover ${needed.includes(' and ') ? 'them' : 'it'}`;
  }
  return `${when}, ${needed} ${needed.includes(' and ') ? 'need' : 'needs'} a preflight again: ${whyNotCovered(withPossible, entries, maxAge)}`;
}

/** What the second request needs the cache to cover: its method and its CORS-unsafe header names. */
function neededItems(plan: RequestPlan): string {
  const items: string[] = [];
  if (!isCorsSafelistedMethod(plan.method)) items.push(code(plan.method));
  const names = [...new Set(plan.unsafeHeaders.map((u) => u.name.toLowerCase()))].sort();
  items.push(...names.map(code));
  return items.length === 0 ? 'the request' : listAnd(items);
}

function whyNotCovered(plan: RequestPlan, entries: CacheReading['entries'], maxAge: string): string {
  const alive = entries.filter((e) => e.life !== 'expired');
  if (alive.length === 0) return `the first answer's cache entries have expired (${maxAge}; an entry "must be removed after the seconds specified in [its] max-age field have passed")`;
  const entry = alive[0]!.entry;
  if (entry.url !== plan.url) return `the cache is keyed by URL, and the first answer's entries are for ${code(entry.url)}, not ${code(plan.url)}`;
  if (entry.origin !== plan.origin) return `the cache is keyed by origin, and the first answer's entries are for ${code(entry.origin)}, not ${code(plan.origin)}`;
  if (!entry.credentials && plan.credentials === 'include') {
    return 'the first answer was cached for a request without credentials, and such entries do not serve a request whose credentials mode is `include`';
  }
  const listed = alive.map((e) => e.entry);
  const key = { key: plan.pageOrigin, origin: plan.origin, url: plan.url, credentials: plan.credentials };
  const missing: string[] = [];
  if (!isCorsSafelistedMethod(plan.method) && !hasMethodCacheMatch(listed, plan.method, key)) missing.push(code(plan.method));
  for (const name of [...new Set(plan.unsafeHeaders.map((u) => u.name.toLowerCase()))].sort()) {
    if (!hasHeaderNameCacheMatch(listed, name, key)) missing.push(code(name));
  }
  const methods = listed.flatMap((e) => (e.method === null ? [] : [e.method]));
  const headers = listed.flatMap((e) => (e.headerName === null ? [] : [e.headerName.toLowerCase()]));
  const had = [...methods.map(code), ...headers.map(code)];
  return `an entry covers only what its answer listed (${had.length > 0 ? listAnd(had) : 'nothing'}), not ${missing.length > 0 ? listAnd(missing) : 'this request'}`;
}

/** "max-age 5 s, the default: `-1` is not delta-seconds, so it is ignored", from the first request's last preflight. */
function describeMaxAge(first: Prediction): string {
  const outcome = first.steps.filter((s): s is { kind: 'preflight'; outcome: PreflightOutcome } => s.kind === 'preflight').at(-1)?.outcome;
  if (!outcome) return 'max-age unknown';
  const { seconds, fromHeader, ignored, observed } = outcome.maxAge;
  if (fromHeader) return `max-age ${seconds} s`;
  if (ignored) {
    return `max-age ${seconds} s, the default: Access-Control-Max-Age ${listAnd(observed.map(code))} is not delta-seconds (digits only), so it is ignored`;
  }
  return `max-age ${seconds} s, the default without Access-Control-Max-Age`;
}

