import type { Expectation } from '../core/format.ts';
import type { Difference, Observation, Verdict } from '../results/types.ts';

const lower = (names: readonly string[]) => names.map((n) => n.toLowerCase());

/**
 * Compares what a scenario expected with what was observed. Every expected
 * field that does not match is one difference; no difference is a pass. An
 * observation the harness could not complete is an error, whatever was expected.
 */
export function judge(expected: Expectation, observation: Observation | undefined, error: string | undefined): { verdict: Verdict; differences: Difference[] } {
  if (error !== undefined || observation === undefined || observation.result === undefined) {
    return { verdict: 'error', differences: [] };
  }
  const differences: Difference[] = [];
  const compare = (field: string, want: unknown, got: unknown, note?: string) => {
    if (want !== undefined && want !== got) differences.push({ field, expected: want, observed: got, ...(note ? { note } : {}) });
  };
  compare('preflight', expected.preflight, observation.preflight !== null);
  compare('preflights', expected.preflights, observation.exchanges.filter((e) => e.kind === 'preflight').length);
  compare('reachedHandler', expected.reachedHandler, observation.reachedHandler);
  compare('result', expected.result, observation.result);

  const js = observation.js;
  const readable = js.kind === 'response' ? lower(js.headers.map(([n]) => n)) : [];
  if (expected.status !== undefined) compare('status', expected.status, js.kind === 'response' ? js.status : undefined);
  for (const name of lower(expected.readable ?? [])) {
    if (!readable.includes(name)) differences.push({ field: `readable ${name}`, expected: 'readable', observed: 'not readable' });
  }
  const sentByServer = lower((observation.actual?.response?.headers ?? []).map(([n]) => n));
  for (const name of lower(expected.unreadable ?? [])) {
    if (readable.includes(name)) {
      differences.push({ field: `unreadable ${name}`, expected: 'not readable', observed: 'readable' });
    } else if (!sentByServer.includes(name)) {
      // Unreadable only means something if the header was on the wire.
      differences.push({ field: `unreadable ${name}`, expected: 'sent but not readable', observed: 'never sent by the server', note: 'the check proves nothing unless the server sends the header' });
    }
  }
  if (expected.cookiesSent !== undefined) {
    const want = [...expected.cookiesSent].sort();
    const got = observation.cookiesSent === null ? null : [...observation.cookiesSent].sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) differences.push({ field: 'cookiesSent', expected: want, observed: got ?? 'no actual request' });
  }
  if (expected.bodyContains !== undefined) {
    const body = js.kind === 'response' ? js.body : undefined;
    if (body === undefined || !body.includes(expected.bodyContains)) {
      differences.push({ field: 'body', expected: `contains ${JSON.stringify(expected.bodyContains)}`, observed: body ?? '(nothing readable)' });
    }
  }
  return { verdict: differences.length === 0 ? 'pass' : 'fail', differences };
}
