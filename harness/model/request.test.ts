import { describe, expect, it } from 'vitest';
import type { FetchSpec } from '../core/format.ts';
import { createCacheEntries } from './cache.ts';
import { ModelInputError } from './origin.ts';
import { prepareRequest, type CorsRequestInit } from './request.ts';

const APP = 'http://app.example.localhost:4000';
const API = 'http://api.example.localhost:4001';
const plan = (over: Partial<CorsRequestInit> = {}) => prepareRequest({ pageOrigin: APP, url: `${API}/items`, ...over });

// The model takes what the Request constructor takes (https://fetch.spec.whatwg.org/#dom-request).
describe('a scenario FetchSpec is a valid model request', () => {
  it('type-checks FetchSpec with a string body, plus a page origin, as CorsRequestInit', () => {
    const spec: FetchSpec & { body?: string } = { url: `${API}/x`, method: 'PUT', headers: [['X-A', '1'], ['X-A', '2']], body: 'x', mode: 'cors', credentials: 'include' };
    const init: CorsRequestInit = { ...spec, pageOrigin: APP };
    expect(prepareRequest(init).preflight?.accessControlRequestMethod).toBe('PUT');
  });
});

describe("a body's kind brings its Content-Type (https://fetch.spec.whatwg.org/#concept-bodyinit-extract)", () => {
  it('a URLSearchParams body is form-urlencoded, so a POST with it needs no preflight', () => {
    const p = plan({ method: 'POST', body: 'a=1', bodyType: 'application/x-www-form-urlencoded;charset=UTF-8' });
    expect(p.headers).toContainEqual(['Content-Type', 'application/x-www-form-urlencoded;charset=UTF-8']);
    expect(p.preflight).toBeNull();
  });
  it('a Blob of type application/json makes the POST preflighted, naming content-type', () => {
    expect(plan({ method: 'POST', body: '{}', bodyType: 'application/json' }).preflight?.accessControlRequestHeaders).toBe('content-type');
  });
  it('a Blob without a type sends no Content-Type at all', () => {
    expect(plan({ method: 'POST', body: 'x', bodyType: null }).headers.some(([n]) => n === 'Content-Type')).toBe(false);
  });
  it("the page's own Content-Type wins over the body's", () => {
    expect(plan({ method: 'POST', body: 'a=1', bodyType: 'application/x-www-form-urlencoded;charset=UTF-8', headers: { 'Content-Type': 'text/plain' } }).headers).toContainEqual(['Content-Type', 'text/plain']);
  });
  it('in no-cors mode a body type that is not no-CORS-safelisted is left out, as the Headers guard does', () => {
    const p = plan({ method: 'POST', mode: 'no-cors', body: '{}', bodyType: 'application/json' });
    expect(p.error).toBeNull();
    expect(p.headers.some(([n]) => n === 'Content-Type')).toBe(false);
  });
});

describe('cross-origin and credentials (https://fetch.spec.whatwg.org/#main-fetch, https://fetch.spec.whatwg.org/#http-network-or-cache-fetch)', () => {
  it('a same-origin request is basic: no CORS, credentials included by default', () => {
    const p = plan({ url: `${APP}/me` });
    expect(p).toMatchObject({ crossOrigin: false, tainting: 'basic', credentialsIncluded: true, preflight: null, originHeader: null });
  });
  it('a cross-origin request in the default credentials mode (same-origin) carries no credentials', () => {
    expect(plan()).toMatchObject({ crossOrigin: true, tainting: 'cors', credentials: 'same-origin', credentialsIncluded: false });
  });
  it('credentials: include carries credentials cross-origin; omit never does', () => {
    expect(plan({ credentials: 'include' }).credentialsIncluded).toBe(true);
    expect(plan({ url: `${APP}/me`, credentials: 'omit' }).credentialsIncluded).toBe(false);
  });
  it('a different port is a different origin', () => {
    expect(plan({ url: 'http://app.example.localhost:4001/' }).crossOrigin).toBe(true);
  });
  it('the page origin is compared serialized, so case in the given page origin does not matter', () => {
    expect(prepareRequest({ pageOrigin: 'HTTP://App.Example.localhost:4000', url: `${APP}/x` }).crossOrigin).toBe(false);
  });
  it('an opaque (null) page origin is cross-origin with everything and sends Origin: null (https://fetch.spec.whatwg.org/#serializing-a-request-origin)', () => {
    const p = prepareRequest({ pageOrigin: 'null', url: `${API}/x` });
    expect(p).toMatchObject({ crossOrigin: true, origin: 'null', originHeader: 'null' });
  });
  it('a CORS request sends Origin even for GET (https://fetch.spec.whatwg.org/#origin-header)', () => {
    expect(plan().originHeader).toBe(APP);
  });
  it('a same-origin POST sends Origin, a same-origin GET does not', () => {
    expect(plan({ url: `${APP}/x`, method: 'POST' }).originHeader).toBe(APP);
    expect(plan({ url: `${APP}/x` }).originHeader).toBeNull();
  });
  it('the cookies latitude note appears only when credentials are included', () => {
    expect(plan({ credentials: 'include' }).notes.map((n) => n.id)).toContain('cookies');
    expect(plan().notes.map((n) => n.id)).not.toContain('cookies');
  });
});

describe('when a preflight is needed (https://fetch.spec.whatwg.org/#main-fetch, https://fetch.spec.whatwg.org/#cors-preflight-fetch)', () => {
  it('GET with only safelisted headers needs none', () => {
    const p = plan({ headers: { Accept: 'application/json', 'Content-Language': 'de' } });
    expect(p.preflight).toBeNull();
    expect(p.explanation).toMatch(/no preflight/);
  });
  it('POST with Content-Type text/plain;charset=utf-8 needs none, application/json needs one', () => {
    expect(plan({ method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain;charset=utf-8' } }).preflight).toBeNull();
    const p = plan({ method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(p.preflight?.accessControlRequestHeaders).toBe('content-type');
    expect(p.preflight?.unsafeMethod).toBeNull();
    expect(p.explanation).toContain('`content-type: application/json` is none of');
  });
  it('PUT needs one even with no headers, and says the method is why', () => {
    const p = plan({ method: 'put' });
    expect(p.method).toBe('PUT');
    expect(p.preflight).toMatchObject({ unsafeMethod: 'PUT', accessControlRequestMethod: 'PUT', accessControlRequestHeaders: null });
    expect(p.explanation).toContain('`PUT` is not a CORS-safelisted method');
  });
  it('patch is sent as written (not normalized) in Access-Control-Request-Method (https://fetch.spec.whatwg.org/#concept-method-normalize)', () => {
    expect(plan({ method: 'patch' }).preflight?.accessControlRequestMethod).toBe('patch');
  });
  it('Access-Control-Request-Headers is lowercase, sorted, deduplicated and comma-joined without spaces', () => {
    const p = plan({ headers: [['X-Zeta', '1'], ['Authorization', 'Bearer t'], ['x-alpha', '2'], ['X-ALPHA', '3']] });
    expect(p.preflight?.accessControlRequestHeaders).toBe('authorization,x-alpha,x-zeta');
  });
  it('a 129-byte Accept value makes accept unsafe (https://fetch.spec.whatwg.org/#cors-safelisted-request-header)', () => {
    const p = plan({ headers: { Accept: 'a'.repeat(129) } });
    expect(p.preflight?.accessControlRequestHeaders).toBe('accept');
    expect(p.explanation).toContain('129 bytes, over the 128-byte limit');
  });
  it('the preflight request carries OPTIONS, Accept */*, the request method and headers, and Origin, never credentials', () => {
    const p = plan({ method: 'DELETE', credentials: 'include', headers: { 'X-Token': 'a' } });
    expect(p.preflight?.request).toEqual({
      method: 'OPTIONS',
      url: `${API}/items`,
      credentials: false,
      headers: [
        ['Accept', '*/*'],
        ['Access-Control-Request-Method', 'DELETE'],
        ['Access-Control-Request-Headers', 'x-token'],
        ['Origin', APP],
      ],
    });
  });
  it('a same-origin PUT needs no preflight: CORS does not apply', () => {
    expect(plan({ url: `${APP}/x`, method: 'PUT', headers: { 'X-A': '1' } }).preflight).toBeNull();
  });
  it('a string body adds Content-Type text/plain;charset=UTF-8, which is safelisted (https://fetch.spec.whatwg.org/#concept-bodyinit-extract)', () => {
    const p = plan({ method: 'POST', body: 'hello' });
    expect(p.headers).toContainEqual(['Content-Type', 'text/plain;charset=UTF-8']);
    expect(p.preflight).toBeNull();
  });
  it('fetch() adds Accept: */* unless the page set one (https://fetch.spec.whatwg.org/#concept-fetch)', () => {
    expect(plan().headers).toEqual([['Accept', '*/*']]);
    expect(plan({ headers: { accept: 'text/html' } }).headers).toEqual([['accept', 'text/html']]);
  });
});

describe('the browser-chosen Accept-Language near the 1024-byte total (https://fetch.spec.whatwg.org/#concept-fetch)', () => {
  // 7 × 128 + the Accept: */* fetch() adds (3) = 899 bytes: an Accept-Language of more than 125 bytes would tip it.
  const pairs: [string, string][] = Array.from({ length: 7 }, (): [string, string] => ['Content-Language', 'a'.repeat(128)]);
  it('is left to the browser when the page sets none, and the model says so', () => {
    const p = plan({ headers: pairs });
    expect(p.preflight).toBeNull();
    expect(p.preflightDependsOnBrowser).toBe(true);
    expect(p.notes.map((n) => n.id)).toContain('accept-language');
  });
  it('is decided when the caller says what the browser adds', () => {
    expect(prepareRequest({ pageOrigin: APP, url: API, headers: pairs }, { acceptLanguage: 'en-US,en;q=0.9' })).toMatchObject({ preflight: null, preflightDependsOnBrowser: false });
    expect(prepareRequest({ pageOrigin: APP, url: API, headers: pairs }, { acceptLanguage: 'e'.repeat(126) }).preflight).not.toBeNull();
  });
  it('with a preflight needed anyway, it can still change Access-Control-Request-Headers, so it is flagged too', () => {
    const p = plan({ method: 'PUT', headers: pairs });
    expect(p.preflight?.accessControlRequestHeaders).toBeNull();
    expect(p.preflightDependsOnBrowser).toBe(true);
    expect(p.notes.find((n) => n.id === 'accept-language')?.text).toContain('add every safelisted header to Access-Control-Request-Headers');
  });
  it('does not matter far from the limit', () => {
    expect(plan({ headers: pairs.slice(0, 6) }).preflightDependsOnBrowser).toBe(false);
  });
});

describe('errors before anything is sent (https://fetch.spec.whatwg.org/#dom-request, https://fetch.spec.whatwg.org/#main-fetch)', () => {
  it('no-cors with PUT is a TypeError', () => {
    const p = plan({ mode: 'no-cors', method: 'PUT' });
    expect(p.error).toMatchObject({ rule: 'no-cors-method', effect: 'TypeError', observed: ['PUT'] });
  });
  it('no-cors with a non-safelisted header is NOT a TypeError: the header is silently dropped (https://fetch.spec.whatwg.org/#concept-headers-append)', () => {
    const p = plan({ mode: 'no-cors', method: 'POST', headers: { 'X-Custom': '1', 'Content-Type': 'application/json' } });
    expect(p.error).toBeNull();
    expect(p.tainting).toBe('opaque');
    expect(p.dropped.map((d) => [d.name, d.because])).toEqual([
      ['X-Custom', 'no-cors-not-safelisted'],
      ['Content-Type', 'no-cors-not-safelisted'],
    ]);
  });
  it('the explanation names the headers the browser left out', () => {
    expect(plan({ mode: 'no-cors', headers: { 'X-Custom': '1' } }).explanation).toBe(
      'cross-origin `no-cors` request without credentials: it is sent without a preflight and the page gets an opaque response; the browser silently left out `X-Custom` (not allowed in `no-cors` mode)',
    );
  });
  it('no-cors keeps a safelisted Content-Type', () => {
    expect(plan({ mode: 'no-cors', method: 'POST', body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }).headers).toContainEqual(['Content-Type', 'application/x-www-form-urlencoded']);
  });
  it('same-origin mode to a cross-origin URL is a network error before sending', () => {
    const p = plan({ mode: 'same-origin' });
    expect(p.error).toMatchObject({ rule: 'same-origin-mode', effect: 'network error', expected: APP });
    expect(p.explanation).toBe(`blocked before sending: mode \`same-origin\` refuses \`${API}/items\` because its origin is not the page's origin \`${APP}\``);
  });
  it('same-origin mode to the same origin is fine', () => {
    expect(plan({ mode: 'same-origin', url: `${APP}/x` }).error).toBeNull();
  });
  it('a URL with a username or password is a TypeError (https://url.spec.whatwg.org/#include-credentials)', () => {
    expect(plan({ url: 'http://user:pw@api.example.localhost:4001/' }).error?.rule).toBe('url-credentials');
  });
  it('a body on GET is a TypeError', () => {
    expect(plan({ body: '' }).error?.rule).toBe('body-with-get-or-head');
  });
  it('a forbidden method, a method with a space, and a header value with a newline are TypeErrors', () => {
    expect(plan({ method: 'TRACE' }).error?.rule).toBe('method-forbidden');
    expect(plan({ method: 'GET POST' }).error?.rule).toBe('method-invalid');
    expect(plan({ headers: { 'X-A': 'a\nb' } }).error).toMatchObject({ rule: 'header-invalid', detail: 'value' });
    expect(plan({ headers: { 'X A': 'a' } }).error).toMatchObject({ rule: 'header-invalid', detail: 'name' });
    expect(plan({ headers: { 'X-A': 'é€' } }).error).toMatchObject({ rule: 'header-invalid', detail: 'not-byte-string' });
  });
  it('forbidden request headers are dropped without an error and do not cause a preflight (https://fetch.spec.whatwg.org/#forbidden-request-header)', () => {
    const p = plan({ headers: { Cookie: 'a=1', 'Sec-Custom': 'x', Origin: 'http://evil.localhost' } });
    expect(p.error).toBeNull();
    expect(p.preflight).toBeNull();
    expect(p.dropped.map((d) => d.name)).toEqual(['Cookie', 'Sec-Custom', 'Origin']);
  });
  // Not a rule of the standard: the model's own boundary (http: and https: only, a real serialized page origin).
  it('the model refuses what it does not cover instead of guessing', () => {
    expect(() => plan({ url: 'data:text/plain,hi' })).toThrow(ModelInputError);
    expect(() => prepareRequest({ pageOrigin: 'http://app.localhost/path', url: API })).toThrow(ModelInputError);
  });
});

describe('the CORS-preflight cache (https://fetch.spec.whatwg.org/#cors-preflight-cache)', () => {
  const key = { key: APP, origin: APP, url: `${API}/items` };
  it('a method entry and a header entry for the same origin, URL and credentials skip the preflight', () => {
    const cache = createCacheEntries({ ...key, credentials: 'same-origin' }, 5, ['PUT'], ['x-a']);
    const p = prepareRequest({ pageOrigin: APP, url: `${API}/items`, method: 'PUT', headers: { 'X-A': '1' } }, { preflightCache: cache });
    expect(p).toMatchObject({ preflight: null, preflightFromCache: true });
    expect(p.notes.map((n) => n.id)).toContain('preflight-cache-eviction');
  });
  it('another URL does not match', () => {
    const cache = createCacheEntries({ ...key, credentials: 'same-origin' }, 5, ['PUT'], []);
    expect(prepareRequest({ pageOrigin: APP, url: `${API}/other`, method: 'PUT' }, { preflightCache: cache }).preflight).not.toBeNull();
  });
  it('an entry made without credentials does not serve a credentialed request, but one made with credentials serves both (https://fetch.spec.whatwg.org/#concept-cache-match)', () => {
    const plain = createCacheEntries({ ...key, credentials: 'omit' }, 5, ['PUT'], []);
    const withCreds = createCacheEntries({ ...key, credentials: 'include' }, 5, ['PUT'], []);
    expect(prepareRequest({ pageOrigin: APP, url: `${API}/items`, method: 'PUT', credentials: 'include' }, { preflightCache: plain }).preflight).not.toBeNull();
    expect(prepareRequest({ pageOrigin: APP, url: `${API}/items`, method: 'PUT' }, { preflightCache: withCreds }).preflight).toBeNull();
  });
  it('a `*` header entry never covers Authorization (https://fetch.spec.whatwg.org/#concept-cache-match-header)', () => {
    const cache = createCacheEntries({ ...key, credentials: 'same-origin' }, 5, [], ['*']);
    expect(prepareRequest({ pageOrigin: APP, url: `${API}/items`, headers: { 'X-A': '1' } }, { preflightCache: cache }).preflight).toBeNull();
    expect(prepareRequest({ pageOrigin: APP, url: `${API}/items`, headers: { Authorization: 'x' } }, { preflightCache: cache }).preflight).not.toBeNull();
  });
  it('a method entry matches byte-case-sensitively', () => {
    const cache = createCacheEntries({ ...key, credentials: 'same-origin' }, 5, ['PATCH'], []);
    expect(prepareRequest({ pageOrigin: APP, url: `${API}/items`, method: 'patch' }, { preflightCache: cache }).preflight).not.toBeNull();
  });
});

describe('mixed content (https://w3c.github.io/webappsec-mixed-content/#should-block-fetch)', () => {
  const rule = (pageOrigin: string, url: string) => prepareRequest({ pageOrigin, url }).error?.rule;
  it('blocks an http URL from an https page before sending', () => {
    expect(rule('https://app.example.com', 'http://api.example.com/x')).toBe('mixed-content');
    expect(rule('https://app.example.com', 'https://api.example.com/x')).toBeUndefined();
  });
  it('lets potentially trustworthy URLs through: loopback IPs and localhost', () => {
    expect(rule('https://app.example.com', 'http://127.0.0.1:8080/x')).toBeUndefined();
    expect(rule('https://app.example.com', 'http://localhost:3000/x')).toBeUndefined();
    expect(rule('https://app.example.com', 'http://api.localhost:3000/x')).toBeUndefined();
  });
  it('treats a potentially trustworthy http page (localhost) as prohibiting mixed content, and a plain http page as not', () => {
    expect(rule('http://localhost:5173', 'http://api.example.com/x')).toBe('mixed-content');
    expect(rule('http://app.example.com', 'http://api.example.com/x')).toBeUndefined();
  });
});
