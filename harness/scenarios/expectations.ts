import { expandPlaceholders, type PlaceholderValues } from '../core/origins.ts';
import type { Expectation, WireHeaders } from '../core/format.ts';

/** Fields JavaScript can only read from an allowed response. */
export const READ_FIELDS = ['status', 'readable', 'bodyContains'] as const;

/**
 * `over` merged over `base`. When `over` says the response is not allowed,
 * what `base` expected JavaScript to read no longer applies and is dropped.
 * `sent` and `answered` merge hop by hop: a field `over` states for a hop
 * replaces the same field of `base`'s hop, and the other fields stay;
 * `sent: false` on either side replaces the other whole.
 */
export function mergeExpectation(base: Expectation, over: Expectation): Expectation {
  const merged: Expectation = { ...base, ...over };
  if (over.result !== undefined && over.result !== 'allowed') {
    for (const field of READ_FIELDS) if (over[field] === undefined) delete merged[field];
  }
  if (base.sent && over.sent) merged.sent = mergeHops(base.sent, over.sent);
  if (base.answered && over.answered) merged.answered = mergeHops(base.answered, over.answered);
  return merged;
}

function mergeHops<T extends { preflight?: object; actual?: object }>(base: T, over: T): T {
  const merged: T = { ...base, ...over };
  if (base.preflight && over.preflight) merged.preflight = { ...base.preflight, ...over.preflight };
  if (base.actual && over.actual) merged.actual = { ...base.actual, ...over.actual };
  return merged;
}

/**
 * What an expectation implies about JavaScript's result: `sent: false` means
 * the browser refused the request, which JavaScript sees as a rejected fetch().
 */
export function impliedResult(expect: Expectation): Expectation['result'] {
  return expect.result ?? (expect.sent === false ? 'blocked' : undefined);
}

/**
 * The expectation with the run's origins in place of `{app}`, `{apiOrigin}`…
 * in what it says was sent. In a `matches` pattern a placeholder stands for
 * its value literally (its dots are not "any character").
 */
export function expandExpectation(expect: Expectation, values: PlaceholderValues): Expectation {
  if (!expect.sent && !expect.answered) return expect;
  const literal = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')])) as PlaceholderValues;
  const text = (value: string) => expandPlaceholders(value, values);
  const origin = (value: string | false | undefined) => (typeof value === 'string' ? { origin: text(value) } : value === false ? { origin: false as const } : {});
  const headers = (h: WireHeaders | undefined): { headers?: WireHeaders } => {
    if (!h) return {};
    if (!h.values) return { headers: h };
    const expanded = Object.fromEntries(Object.entries(h.values).map(([name, v]) => [name, typeof v === 'string' ? text(v) : { matches: expandPlaceholders(v.matches, literal) }]));
    return { headers: { ...h, values: expanded } };
  };
  const expanded: Expectation = { ...expect };
  if (expect.sent) {
    const { preflight, actual } = expect.sent;
    expanded.sent = {
      ...(preflight ? { preflight: { ...preflight, ...origin(preflight.origin), ...headers(preflight.headers) } } : {}),
      ...(actual ? { actual: { ...actual, ...origin(actual.origin), ...headers(actual.headers) } } : {}),
    };
  }
  if (expect.answered) {
    const { preflight, actual } = expect.answered;
    const body = (b: string | undefined) => (b === undefined ? {} : { bodyContains: text(b) });
    expanded.answered = {
      ...(preflight ? { preflight: { ...preflight, ...headers(preflight.headers), ...body(preflight.bodyContains) } } : {}),
      ...(actual ? { actual: { ...actual, ...headers(actual.headers), ...body(actual.bodyContains) } } : {}),
    };
  }
  return expanded;
}
