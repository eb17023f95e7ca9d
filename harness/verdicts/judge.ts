import type { ActualSent, AnsweredExpectation, Expectation, PreflightSent, SentExpectation, WireHeaders } from '../core/format.ts';
import type { Difference, Exchange, Observation, Verdict } from '../results/types.ts';
import { originFormOf } from '../../servers/recorder/http1.ts';
import { exchangeAt } from '../results/exchanges.ts';

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
  const sentByServer = lower((exchangeAt(observation, 'actual')?.response?.headers ?? []).map(([n]) => n));
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
  if (expected.sent !== undefined) differences.push(...compareSent(expected.sent, observation));
  if (expected.answered !== undefined) differences.push(...compareAnswered(expected.answered, observation));
  return { verdict: differences.length === 0 ? 'pass' : 'fail', differences };
}

/**
 * What the browser sent, hop by hop, against what the recorder kept. Each
 * mismatch names its hop and field (`sent.preflight.requestHeaders`,
 * `sent.actual.headers.X-Custom`). Values compare exactly, as sent: a header
 * on several lines reads as one value joined with ", " (RFC 9110, 5.3).
 */
export function compareSent(expected: false | SentExpectation, observation: Observation): Difference[] {
  if (expected === false) {
    if (observation.notSent) return [];
    return [{ field: 'sent', expected: 'nothing: the browser refuses the request before sending it', observed: whatWasSent(observation) }];
  }
  const differences: Difference[] = [];
  const hops = [
    ['preflight', exchangeAt(observation, 'preflight'), 'a preflight'],
    ['actual', exchangeAt(observation, 'actual'), 'the request itself'],
  ] as const;
  for (const [hop, exchange, what] of hops) {
    const want = expected[hop];
    if (!want) continue;
    const field = (name: string) => `sent.${hop}.${name}`;
    if (!exchange) {
      differences.push({ field: `sent.${hop}`, expected: `${what} on the wire`, observed: observation.notSent ? 'nothing: the browser refused the request before sending it' : `no ${hop === 'preflight' ? 'preflight' : 'actual request'} reached the recorder` });
      continue;
    }
    const headers = exchange.request.headers;
    const exact = (name: string, wanted: string | undefined, got: string) => {
      if (wanted !== undefined && wanted !== got) differences.push({ field: field(name), expected: wanted, observed: got });
    };
    exact('method', want.method, exchange.request.method);
    const header = (name: string, wanted: string | false | undefined, label: string) => {
      if (wanted === undefined) return;
      const got = headerValue(headers, name);
      if (wanted === false ? got !== null : got !== wanted) differences.push({ field: field(label), expected: wanted === false ? `no ${name} header` : wanted, observed: got ?? `no ${name} header` });
    };
    header('Origin', want.origin, 'origin');
    if (hop === 'preflight') {
      const preflight: PreflightSent = want;
      header('Access-Control-Request-Method', preflight.requestMethod, 'requestMethod');
      header('Access-Control-Request-Headers', preflight.requestHeaders, 'requestHeaders');
    }
    if (want.headers) differences.push(...compareHeaders(want.headers, headers, field('headers')));
    const cookies = hop === 'actual' ? (want as ActualSent).cookies : undefined;
    if (cookies !== undefined) {
      const wantCookies = [...cookies].sort();
      const got = cookieNames(headers).sort();
      if (JSON.stringify(wantCookies) !== JSON.stringify(got)) differences.push({ field: field('cookies'), expected: wantCookies, observed: got });
    }
  }
  return differences;
}

/**
 * What the server answered, hop by hop, against what the recorder kept:
 * the status, header values exactly as sent (whitespace included) and the
 * body as it crossed the wire, whatever the browser then let the page see.
 */
export function compareAnswered(expected: AnsweredExpectation, observation: Observation): Difference[] {
  const differences: Difference[] = [];
  for (const [hop, exchange] of [['preflight', exchangeAt(observation, 'preflight')], ['actual', exchangeAt(observation, 'actual')]] as const) {
    const want = expected[hop];
    if (!want) continue;
    const field = (name: string) => `answered.${hop}.${name}`;
    const response = exchange?.response;
    if (!response) {
      const why = !exchange ? (observation.notSent ? 'nothing: the browser refused the request before sending it' : `no ${hop === 'preflight' ? 'preflight' : 'actual request'} reached the recorder`) : `no response: ${exchange.upstreamError ?? 'the server did not answer'}`;
      differences.push({ field: `answered.${hop}`, expected: 'an answer on the wire', observed: why });
      continue;
    }
    if (want.status !== undefined && want.status !== response.status) differences.push({ field: field('status'), expected: want.status, observed: response.status });
    if (want.headers) differences.push(...compareHeaders(want.headers, response.headers, field('headers')));
    if (want.bodyContains !== undefined && !(response.body ?? '').includes(want.bodyContains)) {
      differences.push({ field: field('body'), expected: `contains ${JSON.stringify(want.bodyContains)}`, observed: response.body === undefined || response.body === '' ? '(empty body)' : response.body });
    }
  }
  return differences;
}

function compareHeaders(want: WireHeaders, headers: Exchange['request']['headers'], at: string): Difference[] {
  const differences: Difference[] = [];
  for (const name of want.present ?? []) {
    if (headerValue(headers, name) === null) differences.push({ field: `${at}.${name}`, expected: 'present', observed: 'absent' });
  }
  for (const name of want.absent ?? []) {
    const got = headerValue(headers, name);
    if (got !== null) differences.push({ field: `${at}.${name}`, expected: 'absent', observed: `present: ${got}` });
  }
  for (const [name, value] of Object.entries(want.values ?? {})) {
    const got = headerValue(headers, name);
    const ok = got !== null && (typeof value === 'string' ? got === value : new RegExp(value.matches).test(got));
    if (!ok) {
      const lines = headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).length;
      differences.push({
        field: `${at}.${name}`,
        expected: typeof value === 'string' ? value : `matches /${value.matches}/`,
        observed: got ?? 'absent',
        ...(lines > 1 ? { note: `sent on ${lines} lines, read as one value joined with ", "` } : {}),
      });
    }
  }
  return differences;
}

/** A request header's value as sent, its lines joined with ", "; null when the request did not carry it. */
function headerValue(headers: Exchange['request']['headers'], name: string): string | null {
  const lines = headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  return lines.length === 0 ? null : lines.join(', ');
}

function cookieNames(headers: Exchange['request']['headers']): string[] {
  return headers
    .filter(([n]) => n.toLowerCase() === 'cookie')
    .flatMap(([, v]) => v.split(';'))
    .map((pair) => pair.trim().split('=')[0]!)
    .filter(Boolean);
}

/** What crossed the wire for a cell, in a few words. */
function whatWasSent(observation: Observation): string {
  const sent = observation.exchanges.filter((e) => e.kind !== 'setup').map((e) => (e.kind === 'preflight' ? `a preflight (OPTIONS)` : `${e.request.method} ${originFormOf(e.request.target).split('?')[0]}`));
  if (sent.length === 0) return "nothing reached the recorder, but nothing shows that the browser refused the request either";
  return sent.join(', then ');
}
