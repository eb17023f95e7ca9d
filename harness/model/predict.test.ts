import { describe, expect, it } from 'vitest';
import { predict, type ExchangeLike } from './predict.ts';
import type { CorsRequestInit } from './request.ts';

const APP = 'http://app.example.localhost:4000';
const API = 'http://api.example.localhost:4001';
const OTHER = 'http://other.localhost:4002';

type RawHeader = [name: string, value: string];

/** The part of a recorded exchange the model reads. */
function exchange(kind: ExchangeLike['kind'], status: number | null, headers: RawHeader[] = [], upstreamError?: string): ExchangeLike {
  return {
    kind,
    ...(status === null ? {} : { response: { status, headers } }),
    ...(upstreamError ? { upstreamError } : {}),
  };
}
const init = (over: Partial<CorsRequestInit> = {}): CorsRequestInit => ({ pageOrigin: APP, url: `${API}/items`, ...over });

describe('predicting a simple request (https://fetch.spec.whatwg.org/#main-fetch)', () => {
  it('takes exchanges as evidence (a recorded Exchange fits: harness/results/evidence.test.ts)', () => {
    const evidence: readonly ExchangeLike[] = [exchange('actual', 200, [['Access-Control-Allow-Origin', APP]])];
    expect(predict(init(), evidence).result).toBe('allowed');
  });
  it('allowed: no preflight, actual sent, status and readable headers', () => {
    const p = predict(init(), [exchange('actual', 201, [['Access-Control-Allow-Origin', APP], ['Content-Type', 'text/plain'], ['X-Id', '7']])]);
    expect(p).toMatchObject({ preflight: false, actualSent: true, result: 'allowed', status: 201, readable: ['content-type'], failures: [] });
  });
  it('blocked by a trailing slash: the actual request was still sent (its side effects happened)', () => {
    const p = predict(init(), [exchange('actual', 200, [['Access-Control-Allow-Origin', `${APP}/`]])]);
    expect(p).toMatchObject({ preflight: false, actualSent: true, result: 'blocked', status: null });
    expect(p.explanation).toBe(`blocked: Access-Control-Allow-Origin is \`${APP}/\` (trailing slash) but the page's origin is \`${APP}\``);
  });
  it('a duplicated Access-Control-Allow-Origin (proxy plus app) blocks', () => {
    const p = predict(init(), [exchange('actual', 200, [['Access-Control-Allow-Origin', APP], ['access-control-allow-origin', APP]])]);
    expect(p.failures[0]?.rule).toBe('allow-origin-multiple');
  });
  it('no-cors: opaque, whatever the headers', () => {
    expect(predict(init({ mode: 'no-cors', method: 'POST', body: 'a' }), [exchange('actual', 500, [])])).toMatchObject({ result: 'opaque', status: 0, readable: [], actualSent: true });
  });
  it('a TypeError before sending: nothing goes out', () => {
    const p = predict(init({ mode: 'no-cors', method: 'PUT' }), []);
    expect(p).toMatchObject({ preflight: false, actualSent: false, result: 'blocked' });
    expect(p.explanation).toBe('TypeError before sending: mode `no-cors` only allows `GET`, `HEAD` or `POST`, not `PUT`');
  });
  it('a same-origin request is allowed without any CORS header', () => {
    expect(predict(init({ url: `${APP}/me` }), [exchange('actual', 200, [['X-A', '1']])])).toMatchObject({ result: 'allowed', readable: ['x-a'] });
  });
});

describe('predicting a preflighted request (https://fetch.spec.whatwg.org/#cors-preflight-fetch)', () => {
  const okPreflight = exchange('preflight', 204, [['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Methods', 'PUT']]);
  it('preflight passes, actual allowed; the explanation says a preflight passed', () => {
    const p = predict(init({ method: 'PUT' }), [okPreflight, exchange('actual', 200, [['Access-Control-Allow-Origin', APP]])]);
    expect(p).toMatchObject({ preflight: true, actualSent: true, result: 'allowed' });
    expect(p.explanation).toBe(`allowed: Access-Control-Allow-Origin \`${APP}\` matches the page's origin (after a passing preflight)`);
    expect(p.steps.map((s) => s.kind)).toEqual(['request', 'preflight', 'response']);
  });
  it('a 401 preflight: the actual request is never sent', () => {
    const p = predict(init({ method: 'PUT', credentials: 'include' }), [exchange('preflight', 401, [])]);
    expect(p).toMatchObject({ preflight: true, actualSent: false, result: 'blocked' });
    expect(p.explanation).toBe('blocked: the preflight answered `401`; a preflight must answer with a 2xx status (browsers never send credentials on a preflight, so OPTIONS must not require them)');
  });
  it('a 200 preflight that passes is as good as a 204', () => {
    const p = predict(init({ method: 'PUT' }), [exchange('preflight', 200, [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Methods', '*']]), exchange('actual', 200, [['Access-Control-Allow-Origin', '*']])]);
    expect(p.result).toBe('allowed');
  });
  it('a preflight the model expects but the recorder never saw leaves the result undetermined', () => {
    const p = predict(init({ method: 'PUT' }), [exchange('actual', 200, [['Access-Control-Allow-Origin', APP]])]);
    expect(p).toMatchObject({ preflight: true, result: 'undetermined', undetermined: { because: 'missing-evidence' } });
  });
  it('a preflight with no response (the app could not be reached) is a network error', () => {
    const p = predict(init({ method: 'PUT' }), [exchange('preflight', null, [], 'the app could not be reached: ECONNREFUSED')]);
    expect(p).toMatchObject({ result: 'blocked', actualSent: false });
    expect(p.failures[0]).toMatchObject({ rule: 'no-response', stage: 'preflight' });
  });
  it('a preflight the model does not expect is ignored, and the actual response is judged', () => {
    const p = predict(init(), [exchange('preflight', 204, []), exchange('actual', 200, [['Access-Control-Allow-Origin', APP]])]);
    expect(p).toMatchObject({ preflight: false, result: 'allowed' });
  });
  it('Authorization with Access-Control-Allow-Headers: * is blocked at the preflight', () => {
    const p = predict(init({ headers: { Authorization: 'Bearer t' } }), [exchange('preflight', 204, [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Headers', '*']])]);
    expect(p).toMatchObject({ result: 'blocked', actualSent: false });
    expect(p.failures[0]?.rule).toBe('authorization-not-covered-by-wildcard');
  });
  it('the standard leaves the Accept-Language choice to the browser, and the model says so instead of guessing', () => {
    const headers: [string, string][] = Array.from({ length: 7 }, (): [string, string] => ['Content-Language', 'a'.repeat(128)]);
    const p = predict(init({ headers }), [exchange('actual', 200, [['Access-Control-Allow-Origin', APP]])]);
    expect(p).toMatchObject({ preflight: 'undetermined', result: 'undetermined', undetermined: { because: 'left-to-browser' } });
    expect(predict(init({ headers }), [exchange('actual', 200, [['Access-Control-Allow-Origin', APP]])], { acceptLanguage: 'en' }).result).toBe('allowed');
  });
  it('a preflight that passes notes the browser-defined max-age cap', () => {
    const p = predict(init({ method: 'PUT' }), [okPreflight, exchange('actual', 200, [['Access-Control-Allow-Origin', APP]])]);
    expect(p.notes.map((n) => n.id)).toContain('preflight-cache-max-age-limit');
  });
});

describe('predicting redirects (https://fetch.spec.whatwg.org/#http-redirect-fetch)', () => {
  it('a redirect to another foreign origin: the next hop must allow `null` (tainted origin)', () => {
    const p = predict(init(), [
      exchange('actual', 302, [['Access-Control-Allow-Origin', APP], ['Location', `${OTHER}/new`]]),
      exchange('actual', 200, [['Access-Control-Allow-Origin', APP]]),
    ]);
    expect(p.result).toBe('blocked');
    expect(p.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', detail: 'origin-tainted' });
    expect(p.steps.map((s) => s.kind)).toEqual(['request', 'redirect', 'request', 'response']);
  });
  it('…and passes with `*`', () => {
    const p = predict(init(), [exchange('actual', 302, [['Access-Control-Allow-Origin', APP], ['Location', `${OTHER}/new`]]), exchange('actual', 200, [['Access-Control-Allow-Origin', '*']])]);
    expect(p).toMatchObject({ result: 'allowed' });
    expect(p.explanation).toContain('(after 1 redirect)');
  });
  it('a redirect hop the recorder did not see leaves the result undetermined', () => {
    const p = predict(init(), [exchange('actual', 307, [['Access-Control-Allow-Origin', APP], ['Location', `${OTHER}/new`]])]);
    expect(p).toMatchObject({ result: 'undetermined', undetermined: { because: 'missing-evidence' } });
  });
});
