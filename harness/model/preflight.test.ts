import { describe, expect, it } from 'vitest';
import { explainFailure } from './explain.ts';
import { checkPreflight, DEFAULT_MAX_AGE } from './preflight.ts';
import { prepareRequest, type CorsRequestInit } from './request.ts';
import type { HeaderPair } from './types.ts';

const APP = 'http://app.example.localhost:4000';
const API = 'http://api.example.localhost:4001';
const plan = (over: Partial<CorsRequestInit> = {}) => prepareRequest({ pageOrigin: APP, url: `${API}/items`, method: 'PUT', ...over });
const allow = (extra: HeaderPair[] = [], origin = APP): HeaderPair[] => [['Access-Control-Allow-Origin', origin], ...extra];
const rules = (o: { failures: { rule: string }[] }) => o.failures.map((f) => f.rule);

describe('preflight status (https://fetch.spec.whatwg.org/#cors-preflight-fetch, https://fetch.spec.whatwg.org/#ok-status)', () => {
  it.each([200, 204, 299])('%i is an ok status', (status) => {
    expect(checkPreflight(plan(), { status, headers: allow([['Access-Control-Allow-Methods', 'PUT']]) }).ok).toBe(true);
  });
  it('401 fails, and the explanation says credentials are never sent on a preflight', () => {
    const o = checkPreflight(plan({ credentials: 'include' }), { status: 401, headers: [] });
    expect(o.failures[0]).toMatchObject({ rule: 'preflight-status', stage: 'preflight', observed: ['401'], expected: '2xx' });
    expect(o.explanation).toBe('blocked: the preflight answered `401`; a preflight must answer with a 2xx status (browsers never send credentials on a preflight, so OPTIONS must not require them)');
  });
  it('a 404 or 500 fails without the credentials remark', () => {
    expect(checkPreflight(plan(), { status: 404, headers: allow([['Access-Control-Allow-Methods', 'PUT']]) }).explanation).toBe('blocked: the preflight answered `404`; a preflight must answer with a 2xx status');
  });
  it('a redirect response to a preflight is a failure: preflights are not redirected', () => {
    const o = checkPreflight(plan(), { status: 302, headers: allow([['Location', `${API}/login`], ['Access-Control-Allow-Methods', 'PUT']]) });
    expect(rules(o)).toEqual(['preflight-redirect']);
    expect(o.explanation).toBe(`blocked: the preflight answered \`302\` (a redirect to \`${API}/login\`); a preflight must answer with a 2xx status and is never redirected`);
  });
  it('all failures are listed, status first', () => {
    expect(rules(checkPreflight(plan(), { status: 403, headers: [] }))).toEqual(['preflight-status', 'allow-origin-missing', 'method-not-allowed']);
  });
});

describe('the CORS check on a preflight uses the actual request\'s credentials mode (https://fetch.spec.whatwg.org/#cors-preflight-fetch)', () => {
  it('`*` passes the preflight without credentials', () => {
    expect(checkPreflight(plan(), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'PUT']], '*') }).ok).toBe(true);
  });
  it('`*` fails the preflight of a credentialed request, though the preflight itself carries no credentials', () => {
    const o = checkPreflight(plan({ credentials: 'include' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Credentials', 'true']], '*') });
    expect(o.failures[0]).toMatchObject({ rule: 'allow-origin-wildcard-with-credentials', stage: 'preflight' });
    expect(o.explanation).toContain("blocked: the preflight's Access-Control-Allow-Origin is `*`");
  });
  it('a credentialed request needs Access-Control-Allow-Credentials: true on the preflight too', () => {
    const o = checkPreflight(plan({ credentials: 'include' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'PUT']]) });
    expect(rules(o)).toEqual(['allow-credentials-not-true']);
  });
  it('a trailing slash on the preflight fails like on a response', () => {
    const o = checkPreflight(plan(), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'PUT']], `${APP}/`) });
    expect(o.explanation).toBe(`blocked: the preflight's Access-Control-Allow-Origin is \`${APP}/\` (trailing slash) but the page's origin is \`${APP}\``);
  });
});

describe('Access-Control-Allow-Methods (https://fetch.spec.whatwg.org/#http-access-control-allow-methods)', () => {
  it('a listed method passes, in a list with spaces and several lines', () => {
    expect(checkPreflight(plan({ method: 'DELETE' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'GET, PUT'], ['Access-Control-Allow-Methods', 'DELETE']]) }).ok).toBe(true);
  });
  it('an unlisted method fails and the explanation names it and the list', () => {
    const o = checkPreflight(plan(), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'GET, POST']]) });
    expect(o.failures[0]).toMatchObject({ rule: 'method-not-allowed', subject: 'PUT', observed: ['GET, POST'], detail: 'not-listed' });
    expect(o.explanation).toBe("blocked: the preflight's Access-Control-Allow-Methods is `GET, POST` and does not list `PUT`");
  });
  it('a missing header fails for a non-safelisted method', () => {
    const o = checkPreflight(plan(), { status: 204, headers: allow() });
    expect(o.failures[0]).toMatchObject({ rule: 'method-not-allowed', detail: 'missing-header' });
  });
  it('safelisted methods need not be listed: POST with a custom header passes with only Allow-Headers', () => {
    const o = checkPreflight(plan({ method: 'POST', headers: { 'X-A': '1' } }), { status: 204, headers: allow([['Access-Control-Allow-Headers', 'x-a']]) });
    expect(o.ok).toBe(true);
  });
  it('`*` allows any method without credentials', () => {
    expect(checkPreflight(plan({ method: 'SUPER' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', '*']]) }).ok).toBe(true);
  });
  it('`*` is not a wildcard with credentials', () => {
    const o = checkPreflight(plan({ credentials: 'include' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', '*'], ['Access-Control-Allow-Credentials', 'true']]) });
    expect(o.failures[0]).toMatchObject({ rule: 'method-not-allowed', detail: 'wildcard-with-credentials', credentials: 'include' });
    expect(explainFailure(o.failures[0]!)).toContain('`*` is not a wildcard when the request\'s credentials mode is `include`');
  });
  it('a method literally named `*` matches `*` even with credentials', () => {
    const o = checkPreflight(plan({ method: '*', credentials: 'include' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', '*'], ['Access-Control-Allow-Credentials', 'true']]) });
    expect(o.ok).toBe(true);
  });
  it('comparison is byte-case-sensitive: `put` does not allow PUT (fetch normalizes the request method, not the header)', () => {
    const o = checkPreflight(plan({ method: 'put' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'put']]) });
    expect(o.failures[0]).toMatchObject({ rule: 'method-not-allowed', subject: 'PUT', detail: 'case' });
    expect(o.explanation).toContain('methods are compared case-sensitively');
  });
  it('`PATCH` does not allow `patch`, and `patch` allows `patch` (https://fetch.spec.whatwg.org/#concept-method-normalize)', () => {
    expect(checkPreflight(plan({ method: 'patch' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'PATCH']]) }).ok).toBe(false);
    expect(checkPreflight(plan({ method: 'patch' }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'patch']]) }).ok).toBe(true);
  });
  it('a lowercase `get` in the header does not matter for GET, which is safelisted', () => {
    expect(checkPreflight(plan({ method: 'GET', headers: { 'X-Test': '1' } }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'get'], ['Access-Control-Allow-Headers', 'x-test']]) }).ok).toBe(true);
  });
  it('a value that is not a list of tokens fails the preflight (https://fetch.spec.whatwg.org/#extract-header-list-values)', () => {
    const o = checkPreflight(plan(), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'GET PUT']]) });
    expect(o.failures[0]).toMatchObject({ rule: 'allow-methods-invalid', subject: 'GET PUT' });
    expect(o.explanation).toBe("blocked: the preflight's Access-Control-Allow-Methods is `GET PUT`, which is not a comma-separated list of methods (`GET PUT` is not a token)");
  });
  it('empty list elements are fine', () => {
    expect(checkPreflight(plan(), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'GET,, PUT,']]) }).ok).toBe(true);
  });
});

describe('Access-Control-Allow-Headers (https://fetch.spec.whatwg.org/#http-access-control-allow-headers)', () => {
  const get = (headers: Record<string, string>, credentials: CorsRequestInit['credentials'] = 'same-origin') => plan({ method: 'GET', headers, credentials });
  it('listed names pass, compared case-insensitively', () => {
    expect(checkPreflight(get({ 'X-Test': '1' }), { status: 204, headers: allow([['Access-Control-Allow-Headers', 'X-TEST']]) }).ok).toBe(true);
  });
  it('an unlisted name fails and is named', () => {
    const o = checkPreflight(get({ 'X-Test': '1', 'Content-Type': 'application/json' }), { status: 204, headers: allow([['Access-Control-Allow-Headers', 'content-type']]) });
    expect(o.failures).toMatchObject([{ rule: 'header-not-allowed', subject: 'x-test', observed: ['content-type'] }]);
    expect(o.explanation).toBe("blocked: the preflight's Access-Control-Allow-Headers is `content-type` and does not list `x-test`");
  });
  it('Content-Type application/json must be listed; text/plain need not be', () => {
    expect(checkPreflight(plan({ method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } }), { status: 204, headers: allow() }).failures[0]).toMatchObject({ rule: 'header-not-allowed', subject: 'content-type', detail: 'missing-header' });
  });
  it('`*` covers any name without credentials', () => {
    expect(checkPreflight(get({ 'X-Test': '1' }), { status: 204, headers: allow([['Access-Control-Allow-Headers', '*']]) }).ok).toBe(true);
  });
  it('`*` is literal with credentials', () => {
    const o = checkPreflight(get({ 'X-Test': '1' }, 'include'), { status: 204, headers: allow([['Access-Control-Allow-Headers', '*'], ['Access-Control-Allow-Credentials', 'true']]) });
    expect(o.failures[0]).toMatchObject({ rule: 'header-not-allowed', detail: 'wildcard-with-credentials' });
    expect(o.explanation).toContain('`*` is taken literally when the request\'s credentials mode is `include`');
  });
  it('Authorization is never covered by `*` (https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name)', () => {
    const o = checkPreflight(get({ Authorization: 'Bearer t' }), { status: 204, headers: allow([['Access-Control-Allow-Headers', '*']]) });
    expect(o.failures).toMatchObject([{ rule: 'authorization-not-covered-by-wildcard', subject: 'authorization', observed: ['*'] }]);
    expect(o.explanation).toBe("blocked: the preflight's Access-Control-Allow-Headers is `*`, but `*` never covers `authorization`, which must be listed by name");
  });
  it('`*, Authorization` allows Authorization', () => {
    expect(checkPreflight(get({ Authorization: 'Bearer t' }), { status: 204, headers: allow([['Access-Control-Allow-Headers', '*, Authorization']]) }).ok).toBe(true);
  });
  it('Authorization missing from a list is reported once', () => {
    expect(rules(checkPreflight(get({ Authorization: 'x' }), { status: 204, headers: allow([['Access-Control-Allow-Headers', 'x-other']]) }))).toEqual(['header-not-allowed']);
  });
  it('an invalid list fails the preflight', () => {
    expect(rules(checkPreflight(get({ 'X-A': '1' }), { status: 204, headers: allow([['Access-Control-Allow-Headers', 'x-a; x-b']]) }))).toContain('allow-headers-invalid');
  });
  it('the passing explanation says how each unsafe header was allowed', () => {
    const o = checkPreflight(plan({ headers: { 'X-A': '1', 'X-B': '2' } }), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-a, *']]) });
    expect(o.explanation).toBe(
      `the preflight passed: status \`204\` is 2xx, Access-Control-Allow-Origin \`${APP}\` matches the page's origin, Access-Control-Allow-Methods lists \`PUT\`, Access-Control-Allow-Headers lists \`x-a\` and \`*\` in Access-Control-Allow-Headers covers \`x-b\``,
    );
  });
});

describe('Access-Control-Max-Age and cache entries (https://fetch.spec.whatwg.org/#http-access-control-max-age, https://fetch.spec.whatwg.org/#cors-preflight-cache)', () => {
  const ok = (extra: HeaderPair[], over: Partial<CorsRequestInit> = {}) => checkPreflight(plan(over), { status: 204, headers: allow([['Access-Control-Allow-Methods', 'PUT, DELETE'], ['Access-Control-Allow-Headers', 'x-a'], ...extra]) });
  it('defaults to 5 seconds', () => {
    expect(DEFAULT_MAX_AGE).toBe(5);
    expect(ok([]).maxAge).toEqual({ seconds: 5, fromHeader: false, ignored: false, observed: [] });
  });
  it('reads delta-seconds', () => expect(ok([['Access-Control-Max-Age', '600']]).maxAge).toMatchObject({ seconds: 600, fromHeader: true }));
  it('reads 0 as zero seconds, not as a failure', () => expect(ok([['Access-Control-Max-Age', '0']]).maxAge).toMatchObject({ seconds: 0, fromHeader: true, ignored: false }));
  it('falls back to 5 when the value does not parse as delta-seconds (1*DIGIT) or the header comes twice: "If max-age is failure or null, then set max-age to 5"', () => {
    expect(ok([['Access-Control-Max-Age', '-1']]).maxAge).toMatchObject({ seconds: 5, fromHeader: false, ignored: true });
    expect(ok([['Access-Control-Max-Age', 'abc']]).maxAge).toMatchObject({ seconds: 5, ignored: true });
    expect(ok([['Access-Control-Max-Age', '+5']]).maxAge).toMatchObject({ seconds: 5, ignored: true });
    expect(ok([['Access-Control-Max-Age', '1.5']]).maxAge.seconds).toBe(5);
    expect(ok([['Access-Control-Max-Age', '60'], ['Access-Control-Max-Age', '60']]).maxAge).toMatchObject({ seconds: 5, fromHeader: false, observed: ['60', '60'] });
  });
  it('the browser\'s cap on max-age is noted as left to the browser', () => {
    expect(ok([['Access-Control-Max-Age', '86400']]).notes.map((n) => n.id)).toEqual(['preflight-cache-max-age-limit']);
  });
  it('entries are keyed by partition (the page origin), origin, URL and credentials, one per listed method and header name', () => {
    const o = ok([['Access-Control-Max-Age', '60']], { credentials: 'omit' });
    const base = { key: APP, origin: APP, url: `${API}/items`, maxAge: 60, credentials: false };
    expect(o.cacheEntries).toEqual([
      { ...base, method: 'PUT', headerName: null },
      { ...base, method: 'DELETE', headerName: null },
      { ...base, method: null, headerName: 'x-a' },
    ]);
  });
  it('a credentialed preflight makes credentialed entries', () => {
    expect(ok([['Access-Control-Allow-Credentials', 'true']], { credentials: 'include' }).cacheEntries.every((e) => e.credentials)).toBe(true);
  });
  it('a failed preflight makes no entries', () => {
    expect(checkPreflight(plan(), { status: 500, headers: allow([['Access-Control-Allow-Methods', 'PUT']]) }).cacheEntries).toEqual([]);
  });
});
