import { describe, expect, it } from 'vitest';
import { ASSUMED_MIN_IMPOSED_LIMIT, entryLife } from './cache.ts';
import { predictProbe, type AgainInit } from './predict-probe.ts';
import type { ExchangeLike } from './predict.ts';
import type { CorsRequestInit } from './request.ts';
import type { HeaderPair } from './types.ts';

const APP = 'http://app.example.localhost:4000';
const API = 'http://api.example.localhost:4001';

const exchange = (kind: ExchangeLike['kind'], at: number, status: number, headers: HeaderPair[]): ExchangeLike => ({ kind, at, response: { status, headers } });
const put = (over: Partial<CorsRequestInit> = {}): CorsRequestInit => ({ pageOrigin: APP, url: `${API}/items/1`, method: 'PUT', body: '{}', ...over });
const again = (afterMs: number, over: Partial<CorsRequestInit> = {}, sameClient = true): AgainInit => ({ afterMs, init: put(over), sameClient });
const preflight = (at: number, extra: HeaderPair[] = []) =>
  exchange('preflight', at, 204, [['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Methods', 'GET, PUT'], ...extra]);
const actual = (at: number, extra: HeaderPair[] = []) => exchange('actual', at, 200, [['Access-Control-Allow-Origin', APP], ...extra]);

/** The wire of a probe whose second request, `afterMs` later, was (or was not) preflighted again. */
const wire = (afterMs: number, preflightHeaders: HeaderPair[], preflightedAgain: boolean, extra: HeaderPair[] = []) => [
  preflight(0, preflightHeaders),
  actual(10, extra),
  ...(preflightedAgain ? [preflight(30 + afterMs, preflightHeaders)] : []),
  actual(40 + afterMs, extra),
];

describe('how long a preflight cache entry lives (https://fetch.spec.whatwg.org/#cors-preflight-cache)', () => {
  it('is determined within five seconds and within its max-age, and once its max-age has passed', () => {
    expect(ASSUMED_MIN_IMPOSED_LIMIT).toBe(5);
    expect(entryLife({ maxAge: 5 }, { min: 0, max: 50 })).toBe('alive');
    expect(entryLife({ maxAge: 600 }, { min: 2000, max: 2050 })).toBe('alive');
    expect(entryLife({ maxAge: 5 }, { min: 6000, max: 6050 })).toBe('expired');
    expect(entryLife({ maxAge: 0 }, { min: 0, max: 20 })).toBe('expired');
  });
  it('past five seconds inside a longer max-age, depends on the browser\'s imposed limit on max-age', () => {
    expect(entryLife({ maxAge: 600 }, { min: 6000, max: 6050 })).toBe('imposed-limit');
  });
  it('when the max-age ends inside the window the lookup happened in, cannot be told', () => {
    expect(entryLife({ maxAge: 5 }, { min: 4990, max: 5020 })).toBe('timing');
    expect(entryLife({ maxAge: 5 }, { min: 0, max: Infinity })).toBe('timing');
  });
});

describe('a probe whose second request throws before it is sent (issue 17: it was reported as an engine deviation)', () => {
  it('a second URL with a username or password: fetch() throws a TypeError, nothing second goes out, and the model says why', () => {
    const p = predictProbe(put(), [preflight(0), actual(10)], again(0, { url: `http://app.example.localhost:4000:80@api.example.localhost:4001/items/1` }));
    expect(p).toMatchObject({ result: 'blocked', preflights: 1, actuals: 1 });
    expect(p.explanation).toContain('contains a username or password, which fetch() refuses');
  });
});

describe('a probe that asks twice: Access-Control-Max-Age (https://fetch.spec.whatwg.org/#http-access-control-max-age)', () => {
  it('-1 is not delta-seconds, so the standard caches the answer for the 5-second default and the second PUT is not preflighted', () => {
    const p = predictProbe(put(), wire(0, [['Access-Control-Max-Age', '-1']], true), again(0));
    expect(p).toMatchObject({ preflight: true, preflights: 1, actuals: 2, result: 'allowed' });
    expect(p.cache?.text).toBe(
      'asked again 0 ms after the first answer, `PUT` goes out without a second preflight: the first answer\'s cache entries (max-age 5 s, the default: Access-Control-Max-Age `-1` is not delta-seconds (digits only), so it is ignored) still cover it',
    );
  });
  it('abc is ignored the same way', () => {
    expect(predictProbe(put(), wire(0, [['Access-Control-Max-Age', 'abc']], false), again(0)).preflights).toBe(1);
  });
  it('0 means the entry is gone at once, so the second PUT is preflighted again', () => {
    const p = predictProbe(put(), wire(0, [['Access-Control-Max-Age', '0']], true), again(0));
    expect(p.preflights).toBe(2);
    expect(p.cache?.text).toContain('have expired (max-age 0 s;');
  });
  it('without the header, the same PUT at once is served from the cache and six seconds later is preflighted again', () => {
    expect(predictProbe(put(), wire(0, [], false), again(0)).preflights).toBe(1);
    expect(predictProbe(put(), wire(6000, [], true), again(6000)).preflights).toBe(2);
  });
  it('600 seconds, asked again after six: undetermined, as the imposed limit is the browser\'s; the rest is still predicted', () => {
    const p = predictProbe(put(), wire(6000, [['Access-Control-Max-Age', '600']], false), again(6000));
    expect(p).toMatchObject({ preflight: true, preflights: 'undetermined', result: 'allowed' });
    expect(p.cache?.text).toContain("depends on the browser's imposed limit on max-age");
  });
});

describe('a probe that asks twice: what a cache entry covers (https://fetch.spec.whatwg.org/#concept-cache-match)', () => {
  it('another header than the answer listed is preflighted again', () => {
    const p = predictProbe(put({ headers: { 'X-A': '1' } }), wire(0, [['Access-Control-Allow-Headers', 'x-a']], true), again(0, { headers: { 'X-B': '1' } }));
    expect(p.preflights).toBe(2);
    expect(p.cache?.text).toBe('asked again 0 ms after the first answer, `PUT` and `x-b` need a preflight again: an entry covers only what its answer listed (`GET`, `PUT` and `x-a`), not `x-b`');
  });
  it('a header the answer listed without being asked is covered', () => {
    const p = predictProbe(put({ headers: { 'X-A': '1' } }), wire(0, [['Access-Control-Allow-Headers', 'x-a, x-b']], false), again(0, { headers: { 'X-B': '1' } }));
    expect(p.preflights).toBe(1);
  });
  it('an entry made without credentials does not serve a credentialed request', () => {
    const creds: HeaderPair[] = [['Access-Control-Allow-Credentials', 'true']];
    const p = predictProbe(put({ credentials: 'omit' }), wire(0, creds, true, creds), again(0, { credentials: 'include' }));
    expect(p.preflights).toBe(2);
    expect(p.cache?.text).toContain('cached for a request without credentials');
  });
  it('an entry made with credentials serves a request without them', () => {
    const creds: HeaderPair[] = [['Access-Control-Allow-Credentials', 'true']];
    expect(predictProbe(put({ credentials: 'include' }), wire(0, creds, false, creds), again(0, { credentials: 'omit' })).preflights).toBe(1);
  });
  it('another URL is another key', () => {
    const p = predictProbe(put(), wire(0, [['Access-Control-Max-Age', '600']], true), again(0, { url: `${API}/items/2` }));
    expect(p.preflights).toBe(2);
    expect(p.cache?.text).toContain('keyed by URL');
  });
  it('from a new sandboxed frame both origins are `null`, but the partition key\'s second key is the browser\'s, so the count is undetermined', () => {
    const sandboxed = (over: Partial<CorsRequestInit> = {}) => put({ pageOrigin: 'null', ...over });
    const nul = (at: number, kind: ExchangeLike['kind']) =>
      exchange(kind, at, 204, [['Access-Control-Allow-Origin', 'null'], ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Max-Age', '600']]);
    const p = predictProbe(sandboxed(), [nul(0, 'preflight'), nul(10, 'actual'), nul(30, 'preflight'), nul(40, 'actual')], { afterMs: 0, init: sandboxed(), sameClient: false });
    expect(p).toMatchObject({ preflights: 'undetermined', result: 'allowed' });
    expect(p.notes.map((n) => n.id)).toContain('network-partition-key');
  });
  it('a first preflight that fails caches nothing: the second request is preflighted again, and its answer is what the page reads', () => {
    const refused = exchange('preflight', 0, 403, []);
    const p = predictProbe(put(), [refused, exchange('preflight', 20, 403, [])], again(0));
    expect(p).toMatchObject({ preflights: 2, actuals: 0, result: 'blocked' });
    expect(p.cache?.text).toContain('the first preflight did not pass');
  });
  it('without `again` it is the one request\'s prediction', () => {
    expect(predictProbe(put(), [preflight(0), actual(10)])).toMatchObject({ preflights: 1, actuals: 1, result: 'allowed' });
  });
});
