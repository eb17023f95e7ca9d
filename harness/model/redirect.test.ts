import { describe, expect, it } from 'vitest';
import { followRedirect } from './redirect.ts';
import { isRedirectTainted, prepareRequest, type CorsRequestInit } from './request.ts';
import type { HeaderPair } from './types.ts';

const APP = 'http://app.example.localhost:4000';
const API = 'http://api.example.localhost:4001';
const OTHER = 'http://other.localhost:4002';
const plan = (over: Partial<CorsRequestInit> = {}) => prepareRequest({ pageOrigin: APP, url: `${API}/old`, ...over });
const redirectTo = (location: string, status = 302, extra: HeaderPair[] = [['Access-Control-Allow-Origin', APP]]) => ({ status, headers: [['Location', location], ...extra] as HeaderPair[] });

describe('redirect-taint and the request origin (https://fetch.spec.whatwg.org/#concept-request-tainted-origin, https://fetch.spec.whatwg.org/#serializing-a-request-origin)', () => {
  it('a CORS request redirected from one foreign origin to another gets origin null', () => {
    const r = followRedirect(plan(), redirectTo(`${OTHER}/new`));
    expect(r.kind).toBe('follow');
    if (r.kind !== 'follow') return;
    expect(r.next).toMatchObject({ url: `${OTHER}/new`, origin: 'null', tainted: true, originHeader: 'null', redirectCount: 1 });
    expect(r.explanation).toContain("the request's origin becomes `null`");
  });
  it('a redirect within the same foreign origin keeps the page origin', () => {
    const r = followRedirect(plan(), redirectTo(`${API}/new`));
    expect(r.kind === 'follow' && r.next.origin).toBe(APP);
  });
  it('a same-origin request redirected to a foreign origin is not tainted (the hop leaves the page\'s own origin) and becomes a CORS request', () => {
    const r = followRedirect(plan({ url: `${APP}/old` }), { status: 302, headers: [['Location', `${API}/new`]] });
    expect(r.kind === 'follow' && r.next).toMatchObject({ origin: APP, tainted: false, tainting: 'cors', crossOrigin: true, credentialsIncluded: false });
  });
  it('taint stays once set, and even a redirect from a foreign origin back to the page\'s own origin taints', () => {
    expect(isRedirectTainted(APP, [`${API}/a`, `${OTHER}/b`, `${APP}/c`])).toBe(true);
    expect(isRedirectTainted(APP, [`${API}/a`, `${APP}/b`])).toBe(true);
    expect(isRedirectTainted(APP, [`${APP}/a`, `${API}/b`])).toBe(false);
    expect(isRedirectTainted(APP, [`${API}/a`, `${API}/b`])).toBe(false);
  });
  it('after taint, Access-Control-Allow-Origin must be `null` or `*`', () => {
    const r = followRedirect(plan(), redirectTo(`${OTHER}/new`));
    if (r.kind !== 'follow') throw new Error('expected a redirect to be followed');
    const again = followRedirect(r.next, redirectTo(`${OTHER}/newer`, 302, [['Access-Control-Allow-Origin', APP]]));
    expect(again.kind === 'blocked' && again.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', stage: 'redirect', detail: 'origin-tainted', expected: 'null' });
  });
});

describe('the CORS check on a redirect response (https://fetch.spec.whatwg.org/#http-fetch)', () => {
  it('a redirect without Access-Control-Allow-Origin blocks a CORS request', () => {
    const r = followRedirect(plan(), redirectTo(`${API}/new`, 301, []));
    expect(r.kind).toBe('blocked');
    expect(r.kind === 'blocked' && r.explanation).toBe(`blocked: the redirect response has no Access-Control-Allow-Origin header, so the page's origin \`${APP}\` may not read it`);
  });
  it('no-cors redirects need no CORS headers', () => {
    expect(followRedirect(plan({ mode: 'no-cors' }), redirectTo(`${OTHER}/x`, 302, [])).kind).toBe('follow');
  });
  it('a 3xx without Location is a final response, not a redirect (https://fetch.spec.whatwg.org/#concept-response-location-url)', () => {
    expect(followRedirect(plan(), { status: 302, headers: [['Access-Control-Allow-Origin', APP]] }).kind).toBe('not-a-redirect');
    expect(followRedirect(plan(), { status: 200, headers: [['Location', '/x']] }).kind).toBe('not-a-redirect');
  });
});

describe('HTTP-redirect fetch rules (https://fetch.spec.whatwg.org/#http-redirect-fetch)', () => {
  it('a Location with a username or password blocks a CORS request', () => {
    const r = followRedirect(plan(), redirectTo('http://u:p@api.example.localhost:4001/new'));
    expect(r.kind === 'blocked' && r.failures[0]).toMatchObject({ rule: 'redirect-credentials', observed: ['http://u:p@api.example.localhost:4001/new'] });
  });
  it('a relative Location resolves against the current URL', () => {
    const r = followRedirect(plan(), redirectTo('../v2/items?x=1'));
    expect(r.kind === 'follow' && r.location).toBe(`${API}/v2/items?x=1`);
  });
  it('two Location headers, a non-HTTP Location and the 21st redirect are network errors', () => {
    const two = followRedirect(plan(), { status: 302, headers: [['Access-Control-Allow-Origin', APP], ['Location', '/a'], ['Location', '/b']] });
    expect(two.kind === 'blocked' && two.failures[0]?.rule).toBe('redirect-location-invalid');
    expect(followRedirect(plan(), redirectTo('ftp://x/')).kind === 'blocked').toBe(true);
    const tired = { ...plan(), redirectCount: 20 };
    expect(followRedirect(tired, redirectTo(`${API}/again`)).kind === 'blocked').toBe(true);
  });
  it('301/302 turn POST into GET and drop the body and its headers; 307 keeps them', () => {
    const post = plan({ method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    const r302 = followRedirect(post, redirectTo(`${API}/new`, 302));
    expect(r302.kind === 'follow' && r302.next).toMatchObject({ method: 'GET', body: null, preflight: null });
    const r307 = followRedirect(post, redirectTo(`${API}/new`, 307));
    expect(r307.kind === 'follow' && r307.next).toMatchObject({ method: 'POST', body: '{}' });
    expect(r307.kind === 'follow' && r307.next.preflight?.accessControlRequestHeaders).toBe('content-type');
  });
  it('303 turns PUT into GET', () => {
    const r = followRedirect(plan({ method: 'PUT' }), redirectTo(`${API}/new`, 303));
    expect(r.kind === 'follow' && r.next.method).toBe('GET');
  });
  it('Authorization is removed when the redirect leaves the origin', () => {
    const r = followRedirect(plan({ headers: { Authorization: 'Bearer t' } }), redirectTo(`${OTHER}/new`, 307));
    expect(r.kind === 'follow' && r.next.headers.map(([n]) => n)).toEqual(['Accept']);
    expect(r.kind === 'follow' && r.changes.join(' ')).toContain('`Authorization` is removed');
  });
  it('the redirected request may need its own preflight', () => {
    const r = followRedirect(plan({ method: 'PUT' }), redirectTo(`${OTHER}/new`, 307));
    expect(r.kind === 'follow' && r.next.preflight?.request.headers).toContainEqual(['Origin', 'null']);
  });
  it('same-origin mode: a redirect to another origin is a network error', () => {
    const r = followRedirect(plan({ mode: 'same-origin', url: `${APP}/a` }), { status: 302, headers: [['Location', `${API}/b`]] });
    expect(r.kind === 'follow' && r.next.error?.rule).toBe('same-origin-mode');
  });
});
