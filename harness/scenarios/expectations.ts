import type { Expectation } from '../core/format.ts';

/** Fields JavaScript can only read from an allowed response. */
export const READ_FIELDS = ['status', 'readable', 'bodyContains'] as const;

/**
 * `over` merged over `base`. When `over` says the response is not allowed,
 * what `base` expected JavaScript to read no longer applies and is dropped.
 */
export function mergeExpectation(base: Expectation, over: Expectation): Expectation {
  const merged: Expectation = { ...base, ...over };
  if (over.result !== undefined && over.result !== 'allowed') {
    for (const field of READ_FIELDS) if (over[field] === undefined) delete merged[field];
  }
  return merged;
}
