import { describe, expect, it } from 'vitest';
import { prepareRequest, type CorsRequestInit } from './request.ts';
import { checkResponse } from './response.ts';
import type { HeaderPair } from './types.ts';

const APP = 'http://app.example.localhost:4000';
const API = 'http://api.example.localhost:4001';
const plan = (over: Partial<CorsRequestInit> = {}) => prepareRequest({ pageOrigin: APP, url: `${API}/items`, ...over });
const SERVER: HeaderPair[] = [
  ['Content-Type', 'application/json'],
  ['Content-Length', '2'],
  ['Cache-Control', 'no-store'],
  ['X-Total', '3'],
  ['X-Secret', 's'],
  ['Set-Cookie', 'a=1'],
  ['Set-Cookie', 'b=2'],
];
const readable = (o: { readable: [string, string][] }) => o.readable.map(([n]) => n);

describe('the actual response: result (https://fetch.spec.whatwg.org/#http-fetch, https://fetch.spec.whatwg.org/#main-fetch)', () => {
  it('allowed when the CORS check passes, with the status JavaScript reads, whatever it is', () => {
    const o = checkResponse(plan(), { status: 403, headers: [['Access-Control-Allow-Origin', APP]] });
    expect(o).toMatchObject({ result: 'allowed', status: 403, failures: [] });
    expect(o.explanation).toBe(`allowed: Access-Control-Allow-Origin \`${APP}\` matches the page's origin`);
  });
  it('blocked when the CORS check fails, with no status or headers for JavaScript', () => {
    const o = checkResponse(plan(), { status: 200, headers: [['Access-Control-Allow-Origin', 'http://other.localhost'], ...SERVER] });
    expect(o).toMatchObject({ result: 'blocked', status: null, readable: [] });
    expect(o.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', stage: 'response', detail: 'other-origin' });
  });
  it('`*` with credentials is blocked, without credentials allowed (https://fetch.spec.whatwg.org/#cors-protocol-and-credentials)', () => {
    expect(checkResponse(plan({ credentials: 'include' }), { status: 200, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Credentials', 'true']] }).result).toBe('blocked');
    expect(checkResponse(plan({ credentials: 'omit' }), { status: 200, headers: [['Access-Control-Allow-Origin', '*']] }).explanation).toBe(
      "allowed: Access-Control-Allow-Origin is `*` and the request's credentials mode is `omit`, so any origin may read it",
    );
  });
  it('no-cors gives an opaque response: status 0, no headers, whatever the server said (https://fetch.spec.whatwg.org/#concept-filtered-response-opaque)', () => {
    const o = checkResponse(plan({ mode: 'no-cors' }), { status: 500, headers: SERVER });
    expect(o).toMatchObject({ result: 'opaque', status: 0, readable: [] });
    expect(o.exposure.every((e) => !e.readable && e.why === 'opaque')).toBe(true);
  });
  it('same-origin responses are basic: every header but Set-Cookie (https://fetch.spec.whatwg.org/#main-fetch)', () => {
    const o = checkResponse(plan({ url: `${APP}/x` }), { status: 200, headers: SERVER });
    expect(o.result).toBe('allowed');
    expect(readable(o)).toEqual(['cache-control', 'content-length', 'content-type', 'x-secret', 'x-total']);
  });
});

describe('Cross-Origin-Resource-Policy on no-cors responses (https://fetch.spec.whatwg.org/#cross-origin-resource-policy-internal-check)', () => {
  it('same-origin blocks even the opaque response of a cross-origin request', () => {
    const o = checkResponse(plan({ mode: 'no-cors' }), { status: 200, headers: [['Cross-Origin-Resource-Policy', 'same-origin']] });
    expect(o.failures[0]).toMatchObject({ rule: 'corp-blocked', observed: ['same-origin'] });
  });
  it('same-site between an http page and an https response is blocked', () => {
    const o = checkResponse(prepareRequest({ pageOrigin: 'http://a.localhost', url: 'https://a.localhost/x', mode: 'no-cors' }), { status: 200, headers: [['Cross-Origin-Resource-Policy', 'same-site']] });
    expect(o.result).toBe('blocked');
  });
  it('same-site across two hosts is left undetermined: it needs the public suffix list', () => {
    const o = checkResponse(plan({ mode: 'no-cors' }), { status: 200, headers: [['Cross-Origin-Resource-Policy', 'same-site']] });
    expect(o.result).toBe('undetermined');
    expect(o.notes.map((n) => n.id)).toEqual(['corp-same-site']);
  });
  it('cross-origin and an unknown value allow', () => {
    expect(checkResponse(plan({ mode: 'no-cors' }), { status: 200, headers: [['Cross-Origin-Resource-Policy', 'cross-origin']] }).result).toBe('opaque');
    expect(checkResponse(plan({ mode: 'no-cors' }), { status: 200, headers: [['Cross-Origin-Resource-Policy', 'same-origin, same-site']] }).result).toBe('opaque');
  });
});

describe('which headers JavaScript may read (https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name, https://fetch.spec.whatwg.org/#http-access-control-expose-headers)', () => {
  const withAcao = (extra: HeaderPair[], acao = APP): HeaderPair[] => [['Access-Control-Allow-Origin', acao], ...SERVER, ...extra];
  it('without Expose-Headers only the CORS-safelisted response headers are readable', () => {
    const o = checkResponse(plan(), { status: 200, headers: withAcao([]) });
    expect(readable(o)).toEqual(['cache-control', 'content-length', 'content-type']);
    expect(o.exposure.find((e) => e.name === 'x-total')).toEqual({ name: 'x-total', readable: false, why: 'not-exposed' });
    expect(o.explanation).toBe(`allowed: Access-Control-Allow-Origin \`${APP}\` matches the page's origin; \`x-secret\` and \`x-total\` stay hidden (not in Access-Control-Expose-Headers)`);
  });
  it('the seven safelisted names are readable', () => {
    const seven: HeaderPair[] = ['Cache-Control', 'Content-Language', 'Content-Length', 'Content-Type', 'Expires', 'Last-Modified', 'Pragma'].map((n) => [n, 'v']);
    expect(readable(checkResponse(plan(), { status: 200, headers: [['Access-Control-Allow-Origin', '*'], ...seven] }))).toEqual(seven.map(([n]) => n.toLowerCase()).sort());
  });
  it('listed names become readable, case-insensitively, across several lines', () => {
    const o = checkResponse(plan(), { status: 200, headers: withAcao([['Access-Control-Expose-Headers', 'x-TOTAL'], ['Access-Control-Expose-Headers', 'Access-Control-Allow-Origin']]) });
    expect(readable(o)).toEqual(['access-control-allow-origin', 'cache-control', 'content-length', 'content-type', 'x-total']);
    expect(o.explanation).toContain('; JavaScript can also read `access-control-allow-origin` and `x-total`, while `x-secret` stays hidden');
  });
  it('`*` exposes every header without credentials, except Set-Cookie', () => {
    const o = checkResponse(plan(), { status: 200, headers: withAcao([['Access-Control-Expose-Headers', '*']], '*') });
    expect(readable(o)).toEqual(['access-control-allow-origin', 'access-control-expose-headers', 'cache-control', 'content-length', 'content-type', 'x-secret', 'x-total']);
    expect(o.exposure.find((e) => e.name === 'x-secret')?.why).toBe('wildcard');
  });
  it('`*` with credentials exposes nothing extra: it only matches a header literally named `*`', () => {
    const o = checkResponse(plan({ credentials: 'include' }), { status: 200, headers: withAcao([['Access-Control-Expose-Headers', '*'], ['Access-Control-Allow-Credentials', 'true']]) });
    expect(o.result).toBe('allowed');
    expect(readable(o)).toEqual(['cache-control', 'content-length', 'content-type']);
    expect(o.exposure.find((e) => e.name === 'x-total')?.why).toBe('wildcard-with-credentials');
  });
  it('Set-Cookie and Set-Cookie2 are never readable, even when listed (https://fetch.spec.whatwg.org/#forbidden-response-header-name)', () => {
    const o = checkResponse(plan(), { status: 200, headers: withAcao([['Set-Cookie2', 'x'], ['Access-Control-Expose-Headers', 'Set-Cookie, Set-Cookie2']]) });
    expect(readable(o)).not.toContain('set-cookie');
    expect(readable(o)).not.toContain('set-cookie2');
    expect(o.exposure.find((e) => e.name === 'set-cookie')?.why).toBe('forbidden');
  });
  it('an Expose-Headers value that does not parse exposes nothing extra', () => {
    const o = checkResponse(plan(), { status: 200, headers: withAcao([['Access-Control-Expose-Headers', 'x-total x-secret']]) });
    expect(readable(o)).toEqual(['cache-control', 'content-length', 'content-type']);
    expect(o.exposure.find((e) => e.name === 'x-total')?.why).toBe('expose-headers-invalid');
  });
  it('readable headers come combined and lowercase, as response.headers iterates them (https://fetch.spec.whatwg.org/#concept-header-list-sort-and-combine)', () => {
    const o = checkResponse(plan(), { status: 200, headers: [['Access-Control-Allow-Origin', APP], ['X-A', '1'], ['x-a', '2'], ['Access-Control-Expose-Headers', 'X-A']] });
    expect(o.readable).toEqual([['x-a', '1, 2']]);
  });
});
