import { describe, expect, it } from 'vitest';
import { corsCheck, originMismatchDetail } from './cors-check.ts';
import { explainFailure } from './explain.ts';
import type { CredentialsMode, HeaderPair } from './types.ts';

const APP = 'http://app.example.localhost:4000';
const check = (headers: HeaderPair[], credentials: CredentialsMode = 'same-origin', origin = APP) => corsCheck({ origin, credentials }, headers, 'response');

describe('the CORS check: Access-Control-Allow-Origin (https://fetch.spec.whatwg.org/#concept-cors-check)', () => {
  it('passes when the value is exactly the origin', () => {
    const r = check([['Access-Control-Allow-Origin', APP]]);
    expect(r).toMatchObject({ ok: true, failures: [] });
    expect(r.reason).toBe(`Access-Control-Allow-Origin \`${APP}\` matches the page's origin`);
  });
  it('header names are case-insensitive on the wire', () => {
    expect(check([['access-control-allow-origin', APP]]).ok).toBe(true);
  });
  it('fails when the header is missing ("Null is not `null`")', () => {
    const r = check([['Content-Type', 'text/plain']]);
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-missing', header: 'Access-Control-Allow-Origin', observed: [], expected: APP });
    expect(explainFailure(r.failures[0]!)).toBe(`blocked: the response has no Access-Control-Allow-Origin header, so the page's origin \`${APP}\` may not read it`);
  });
  it('fails on a trailing slash (https://fetch.spec.whatwg.org/#cors-protocol-and-credentials: "A serialized origin has no trailing slash")', () => {
    const r = check([['Access-Control-Allow-Origin', `${APP}/`]]);
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', observed: [`${APP}/`], expected: APP, detail: 'trailing-slash' });
    expect(explainFailure(r.failures[0]!)).toBe(
      'blocked: Access-Control-Allow-Origin is `http://app.example.localhost:4000/` (trailing slash) but the page\'s origin is `http://app.example.localhost:4000`',
    );
  });
  it('fails when the host differs only in case: the comparison is byte-for-byte', () => {
    const r = check([['Access-Control-Allow-Origin', 'http://App.Example.localhost:4000']]);
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', detail: 'host-case' });
    expect(explainFailure(r.failures[0]!)).toContain('(the host differs in case, and the comparison is byte-for-byte)');
  });
  it('fails when the scheme differs only in case', () => {
    expect(check([['Access-Control-Allow-Origin', 'HTTP://app.example.localhost:4000']]).failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', detail: 'scheme-case' });
  });
  it('names other slips: explicit default port, another port, another scheme, a path, another host', () => {
    expect(originMismatchDetail('http://app.localhost:80', 'http://app.localhost')).toBe('default-port');
    expect(originMismatchDetail('http://app.localhost:81', 'http://app.localhost')).toBe('port');
    expect(originMismatchDetail('https://app.localhost', 'http://app.localhost')).toBe('scheme');
    expect(originMismatchDetail('http://app.localhost/api', 'http://app.localhost')).toBe('path');
    expect(originMismatchDetail('http://evil.localhost', 'http://app.localhost')).toBe('other-origin');
    expect(originMismatchDetail('app.localhost', 'http://app.localhost')).toBe('not-an-origin');
  });
  it('two header lines with the same origin fail: "getting" reads them as one value `a, a`', () => {
    const r = check([
      ['Access-Control-Allow-Origin', APP],
      ['access-control-allow-origin', APP],
    ]);
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-multiple', observed: [APP, APP] });
    expect(explainFailure(r.failures[0]!)).toBe(
      `blocked: Access-Control-Allow-Origin arrived 2 times (\`${APP}\` and \`${APP}\`), which the browser reads as the single value \`${APP}, ${APP}\`; it must be exactly one origin, \`${APP}\``,
    );
  });
  it('one comma-joined line fails the same way, and is explained as a list', () => {
    const r = check([['Access-Control-Allow-Origin', `${APP}, http://other.localhost`]]);
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-multiple', observed: [`${APP}, http://other.localhost`] });
    expect(explainFailure(r.failures[0]!)).toContain('a list, but it must be exactly one origin');
  });
  it('two `*` lines fail even without credentials', () => {
    expect(check([['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Origin', '*']]).failures[0]?.rule).toBe('allow-origin-multiple');
  });
  it('an empty value is present but matches nothing', () => {
    const r = check([['Access-Control-Allow-Origin', '']]);
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', detail: 'empty' });
    expect(explainFailure(r.failures[0]!)).toBe(`blocked: Access-Control-Allow-Origin is \`\` (empty) but the page's origin is \`${APP}\``);
  });
  it('`null` does not match a real origin', () => {
    expect(check([['Access-Control-Allow-Origin', 'null']]).failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', detail: 'null' });
  });
  it('`null` matches an opaque page origin, and a real origin does not', () => {
    expect(check([['Access-Control-Allow-Origin', 'null']], 'omit', 'null').ok).toBe(true);
    const r = check([['Access-Control-Allow-Origin', APP]], 'omit', 'null');
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', detail: 'opaque-origin' });
  });
  it('after a tainting redirect the explanation says the request origin is null', () => {
    const r = corsCheck({ origin: 'null', credentials: 'omit', tainted: true }, [['Access-Control-Allow-Origin', APP]], 'response');
    expect(explainFailure(r.failures[0]!)).toContain('after a cross-origin redirect the request\'s origin is `null`');
  });
});

describe('the CORS check and credentials (https://fetch.spec.whatwg.org/#cors-protocol-and-credentials)', () => {
  it('`*` passes without credentials, in both omit and same-origin modes', () => {
    expect(check([['Access-Control-Allow-Origin', '*']], 'omit').ok).toBe(true);
    expect(check([['Access-Control-Allow-Origin', '*']], 'same-origin').ok).toBe(true);
  });
  it('`*` fails with credentials mode include, even with Access-Control-Allow-Credentials: true', () => {
    const r = check([['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Credentials', 'true']], 'include');
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-wildcard-with-credentials', observed: ['*'], expected: APP });
    expect(explainFailure(r.failures[0]!)).toBe(
      `blocked: Access-Control-Allow-Origin is \`*\` but the request's credentials mode is \`include\`, which needs the exact origin \`${APP}\` instead`,
    );
  });
  it('with credentials, the exact origin and Access-Control-Allow-Credentials: true pass', () => {
    const r = check([['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Credentials', 'true']], 'include');
    expect(r.ok).toBe(true);
    expect(r.reason).toContain('and Access-Control-Allow-Credentials is `true`');
  });
  it('Access-Control-Allow-Credentials: True fails: `true` is case-sensitive', () => {
    const r = check([['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Credentials', 'True']], 'include');
    expect(r.failures[0]).toMatchObject({ rule: 'allow-credentials-not-true', header: 'Access-Control-Allow-Credentials', observed: ['True'], expected: 'true' });
    expect(explainFailure(r.failures[0]!)).toBe(
      "blocked: the request's credentials mode is `include`, so Access-Control-Allow-Credentials must be exactly `true`, but it is `True` (the comparison is case-sensitive)",
    );
  });
  it('a missing Access-Control-Allow-Credentials fails with credentials', () => {
    const r = check([['Access-Control-Allow-Origin', APP]], 'include');
    expect(r.failures[0]).toMatchObject({ rule: 'allow-credentials-not-true', observed: [] });
    expect(explainFailure(r.failures[0]!)).toContain('but the header is missing');
  });
  it('Access-Control-Allow-Credentials twice reads as `true, true` and fails', () => {
    const r = check([['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Credentials', 'true'], ['Access-Control-Allow-Credentials', 'true']], 'include');
    expect(r.failures[0]).toMatchObject({ rule: 'allow-credentials-not-true', observed: ['true', 'true'] });
  });
  it('Access-Control-Allow-Credentials is ignored when credentials mode is not include', () => {
    expect(check([['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Credentials', 'nope']], 'same-origin').ok).toBe(true);
  });
});
