import { describe, expect, it } from 'vitest';
import {
  classifyRequestHeader,
  corsUnsafeRequestHeaders,
  isCorsSafelistedMethod,
  isForbiddenMethod,
  isForbiddenRequestHeader,
  isNoCorsSafelistedRequestHeader,
  mimeEssence,
  normalizeMethod,
  parseSingleRange,
} from './safelist.ts';
import { sortedLowercaseSet } from './headers.ts';

describe('CORS-safelisted method (https://fetch.spec.whatwg.org/#cors-safelisted-method)', () => {
  it.each(['GET', 'HEAD', 'POST'])('%s is safelisted', (m) => expect(isCorsSafelistedMethod(m)).toBe(true));
  it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'get', 'post'])('%s is not (byte-case-sensitive, before normalization)', (m) => {
    expect(isCorsSafelistedMethod(m)).toBe(false);
  });
});

describe('method normalization (https://fetch.spec.whatwg.org/#concept-method-normalize)', () => {
  it('uppercases only DELETE, GET, HEAD, OPTIONS, POST and PUT', () => {
    expect(['get', 'Post', 'put', 'delete', 'options', 'head'].map(normalizeMethod)).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD']);
  });
  it('leaves patch and other methods as written', () => {
    expect(normalizeMethod('patch')).toBe('patch');
    expect(normalizeMethod('cHiCkEn')).toBe('cHiCkEn');
  });
  it('forbids CONNECT, TRACE and TRACK in any case (https://fetch.spec.whatwg.org/#forbidden-method)', () => {
    expect(['connect', 'Trace', 'TRACK'].every(isForbiddenMethod)).toBe(true);
    expect(isForbiddenMethod('PATCH')).toBe(false);
  });
});

describe('CORS-safelisted request-header (https://fetch.spec.whatwg.org/#cors-safelisted-request-header)', () => {
  it('Content-Type text/plain;charset=utf-8 is safelisted: the essence ignores parameters', () => {
    expect(classifyRequestHeader('Content-Type', 'text/plain;charset=utf-8')).toEqual({ safelisted: true, essence: 'text/plain' });
  });
  it.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'TEXT/PLAIN', ' text/plain '])('Content-Type %j is safelisted', (v) => {
    expect(classifyRequestHeader('content-type', v).safelisted).toBe(true);
  });
  it('Content-Type application/json is not: its essence is not one of the three', () => {
    expect(classifyRequestHeader('Content-Type', 'application/json')).toEqual({ safelisted: false, reason: 'content-type-essence', essence: 'application/json' });
  });
  it('Content-Type that does not parse as a MIME type is not (https://mimesniff.spec.whatwg.org/#parse-a-mime-type)', () => {
    expect(classifyRequestHeader('Content-Type', 'text/plain, application/json').reason).toBe('content-type-unparsable');
    expect(classifyRequestHeader('Content-Type', 'text').reason).toBe('content-type-unparsable');
  });
  it('Content-Type with a CORS-unsafe request-header byte is not (https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte)', () => {
    expect(classifyRequestHeader('Content-Type', 'text/plain; charset="utf-8"')).toMatchObject({ safelisted: false, reason: 'unsafe-byte', byte: '"' });
    expect(classifyRequestHeader('Content-Type', 'multipart/form-data; boundary=a:b')).toMatchObject({ reason: 'unsafe-byte', byte: ':' });
  });
  it('Accept may hold anything but CORS-unsafe request-header bytes; tab is allowed, other controls are not', () => {
    expect(classifyRequestHeader('Accept', 'application/json, text/*;q=0.9').safelisted).toBe(true);
    expect(classifyRequestHeader('Accept', 'a\tb').safelisted).toBe(true);
    expect(classifyRequestHeader('Accept', 'a\x01b')).toMatchObject({ reason: 'unsafe-byte', byte: '\x01' });
    expect(classifyRequestHeader('Accept', '{json}')).toMatchObject({ reason: 'unsafe-byte', byte: '{' });
    expect(classifyRequestHeader('Accept', 'x\x7f')).toMatchObject({ reason: 'unsafe-byte', byte: '\x7f' });
  });
  it('Accept-Language and Content-Language allow only 0-9 A-Z a-z space * , - . ; =', () => {
    expect(classifyRequestHeader('Accept-Language', 'en-US,en;q=0.9, *').safelisted).toBe(true);
    expect(classifyRequestHeader('Content-Language', 'de_DE')).toMatchObject({ reason: 'language-byte', byte: '_' });
    expect(classifyRequestHeader('Accept-Language', 'en/US')).toMatchObject({ reason: 'language-byte', byte: '/' });
  });
  it('a 128-byte safelisted value is fine, a 129-byte one is not (value length limit)', () => {
    expect(classifyRequestHeader('Accept', 'a'.repeat(128)).safelisted).toBe(true);
    expect(classifyRequestHeader('Accept', 'a'.repeat(129))).toEqual({ safelisted: false, reason: 'value-too-long' });
    expect(classifyRequestHeader('Content-Type', `text/plain;x=${'a'.repeat(116)}`).reason).toBe('value-too-long');
  });
  it('Range is safelisted only as a single bytes=start-[end] range (https://fetch.spec.whatwg.org/#simple-range-header-value)', () => {
    expect(classifyRequestHeader('Range', 'bytes=0-').safelisted).toBe(true);
    expect(classifyRequestHeader('Range', 'bytes=10-20').safelisted).toBe(true);
    expect(classifyRequestHeader('Range', 'bytes=-500').reason).toBe('range-not-simple');
    expect(classifyRequestHeader('Range', 'bytes=0-1,5-6').reason).toBe('range-not-simple');
    expect(classifyRequestHeader('Range', 'bytes = 0-1').reason).toBe('range-not-simple');
    expect(classifyRequestHeader('Range', 'bytes=20-10').reason).toBe('range-not-simple');
    expect(parseSingleRange('bytes=-500')).toEqual({ start: null, end: 500n });
  });
  it('every other name is not safelisted, whatever the value', () => {
    expect(classifyRequestHeader('X-Requested-With', 'XMLHttpRequest')).toEqual({ safelisted: false, reason: 'not-safelisted-name' });
    expect(classifyRequestHeader('Authorization', 'Bearer x').reason).toBe('not-safelisted-name');
  });
  // The same table web-platform-tests uses (fetch/api/cors/resources/not-cors-safelisted.json).
  it.each([
    ['accept', '"'],
    ['accept', '0'.repeat(129)],
    ['accept-language', '\u0001'],
    ['accept-language', '@'],
    ['authorization', 'basics'],
    ['content-language', '\u0001'],
    ['content-language', '@'],
    ['content-type', 'text/html'],
    ['content-type', `text/plain; long=${'0'.repeat(112)}`],
    ['range', 'bytes 0-'],
    ['test', 'hi'],
  ])('%s: %j is not safelisted', (name, value) => {
    expect(classifyRequestHeader(name, value).safelisted).toBe(false);
  });
  it('names compare case-insensitively', () => {
    expect(classifyRequestHeader('cOnTeNt-TyPe', 'text/plain').safelisted).toBe(true);
  });
});

describe('MIME type essence (https://mimesniff.spec.whatwg.org/#parse-a-mime-type)', () => {
  it('lowercases type and subtype and drops parameters', () => expect(mimeEssence('Text/HTML ; charset=x')).toBe('text/html'));
  it('fails on whitespace inside the type or an empty subtype', () => {
    expect(mimeEssence('text /plain')).toBeNull();
    expect(mimeEssence('text/')).toBeNull();
    expect(mimeEssence('text/ plain')).toBeNull();
  });
});

describe('CORS-unsafe request-header names (https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names)', () => {
  it('lists the unsafe names lowercased, deduplicated and byte-sorted, as Access-Control-Request-Headers wants', () => {
    const r = corsUnsafeRequestHeaders([
      ['X-B', '1'],
      ['Content-Type', 'application/json'],
      ['x-a', '2'],
      ['X-A', '3'],
      ['Accept', '*/*'],
    ]);
    expect(r.names).toEqual(['content-type', 'x-a', 'x-b']);
    expect(r.unsafe.map((u) => u.reason)).toEqual(['not-safelisted-name', 'content-type-essence', 'not-safelisted-name', 'not-safelisted-name']);
  });
  it('the sorted-lowercase set sorts by byte, so uppercase-first spellings still sort as lowercase (https://fetch.spec.whatwg.org/#convert-header-names-to-a-sorted-lowercase-set)', () => {
    expect(sortedLowercaseSet(['X-Test-Header-D', 'x-test-header-b', 'X-test-header-a', 'x-test-header1'])).toEqual(['x-test-header-a', 'x-test-header-b', 'x-test-header-d', 'x-test-header1']);
  });
  it('safelisted values adding up to more than 1024 bytes make every safelisted header unsafe', () => {
    const nine = Array.from({ length: 9 }, (_, i): [string, string] => [i % 2 ? 'Accept-Language' : 'Content-Language', 'a'.repeat(114)]);
    const r = corsUnsafeRequestHeaders(nine);
    expect(r.safelistedTotal).toBe(1026);
    expect(r.names).toEqual(['accept-language', 'content-language']);
    expect(r.unsafe.every((u) => u.reason === 'total-size' && u.total === 1026)).toBe(true);
  });
  it('exactly 1024 bytes is still fine', () => {
    const eight = Array.from({ length: 8 }, (): [string, string] => ['Accept', 'a'.repeat(128)]);
    expect(corsUnsafeRequestHeaders(eight).names).toEqual([]);
  });
  it('an unsafe header does not count toward the 1024-byte total', () => {
    const r = corsUnsafeRequestHeaders([['X-Big', 'a'.repeat(2000)], ['Accept', 'a']]);
    expect(r.safelistedTotal).toBe(1);
    expect(r.names).toEqual(['x-big']);
  });
  it('each entry of a repeated header is judged on its own (Content-Type json then text/plain is still unsafe)', () => {
    expect(corsUnsafeRequestHeaders([['Content-Type', 'application/json'], ['Content-Type', 'text/plain']]).names).toEqual(['content-type']);
  });
});

describe('forbidden request-header (https://fetch.spec.whatwg.org/#forbidden-request-header)', () => {
  it.each(['Cookie', 'origin', 'Host', 'Content-Length', 'Sec-Fetch-Mode', 'Proxy-Authorization', 'Access-Control-Request-Headers'])('%s is forbidden', (n) => {
    expect(isForbiddenRequestHeader(n, 'x')).toBe(true);
  });
  it('X-HTTP-Method-Override is forbidden only when it names a forbidden method', () => {
    expect(isForbiddenRequestHeader('X-HTTP-Method-Override', 'PUT')).toBe(false);
    expect(isForbiddenRequestHeader('X-HTTP-Method-Override', 'GET, trace')).toBe(true);
  });
  it('Authorization and X-Custom are not forbidden', () => {
    expect(isForbiddenRequestHeader('Authorization', 'x')).toBe(false);
    expect(isForbiddenRequestHeader('X-Custom', 'x')).toBe(false);
  });
});

describe('no-CORS-safelisted request-header (https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header)', () => {
  it('allows the four names with safelisted values, and not Range', () => {
    expect(isNoCorsSafelistedRequestHeader('Content-Type', 'text/plain')).toBe(true);
    expect(isNoCorsSafelistedRequestHeader('Content-Type', 'application/json')).toBe(false);
    expect(isNoCorsSafelistedRequestHeader('Range', 'bytes=0-')).toBe(false);
    expect(isNoCorsSafelistedRequestHeader('X-Custom', 'a')).toBe(false);
  });
});
