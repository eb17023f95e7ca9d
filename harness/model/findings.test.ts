import { describe, expect, it } from 'vitest';
import { checkOriginPattern, findUnsafeCorsConfig } from './findings.ts';

const APP = 'http://app.example.localhost:4000';
const EVIL = 'http://evil.localhost:4000';
const ids = (f: { id: string }[]) => f.map((x) => x.id);

describe('server answers to a foreign origin (https://fetch.spec.whatwg.org/#cors-protocol-and-credentials)', () => {
  it('reflecting a foreign origin with credentials is high severity', () => {
    const f = findUnsafeCorsConfig(
      { requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', EVIL], ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']] },
      [APP],
    );
    expect(f).toEqual([
      expect.objectContaining({ id: 'foreign-origin-reflected-with-credentials', severity: 'high', attackerOrigin: EVIL, observed: [EVIL] }),
    ]);
    expect(f[0]!.text).toBe(
      `high: the server answered the untrusted origin \`${EVIL}\` with Access-Control-Allow-Origin \`${EVIL}\` and Access-Control-Allow-Credentials \`true\`, so a page on that origin can read responses made with the user's cookies`,
    );
  });
  it('reflecting a foreign origin without credentials is low', () => {
    expect(findUnsafeCorsConfig({ requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', EVIL], ['Vary', 'Origin']] }, [APP])).toMatchObject([{ id: 'foreign-origin-reflected', severity: 'low' }]);
  });
  it('echoing a trusted origin is no finding (with Vary: Origin)', () => {
    expect(findUnsafeCorsConfig({ requestOrigin: APP, headers: [['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Accept, Origin']] }, [APP])).toEqual([]);
  });
  it('refusing the foreign origin is no finding', () => {
    expect(findUnsafeCorsConfig({ requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', APP]] }, [APP])).toEqual([]);
  });
  it('`null` allowed with credentials is high, without credentials medium (https://fetch.spec.whatwg.org/#http-access-control-allow-origin)', () => {
    expect(findUnsafeCorsConfig({ requestOrigin: 'null', headers: [['Access-Control-Allow-Origin', 'null'], ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']] }, [APP])).toMatchObject([
      { id: 'null-origin-allowed-with-credentials', severity: 'high' },
    ]);
    expect(ids(findUnsafeCorsConfig({ requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', 'null']] }, [APP]))).toEqual(['null-origin-allowed']);
  });
  it('`*` with credentials is informational: browsers refuse it', () => {
    expect(findUnsafeCorsConfig({ requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Credentials', 'true']] }, [APP])).toMatchObject([{ id: 'wildcard-with-credentials', severity: 'info' }]);
  });
  it('an echoed origin without Vary: Origin is a low finding (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches)', () => {
    expect(ids(findUnsafeCorsConfig({ requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', EVIL]] }, [APP]))).toEqual(['foreign-origin-reflected', 'reflected-origin-without-vary']);
  });
  it('Access-Control-Allow-Credentials True (not true) does not count as credentials', () => {
    expect(ids(findUnsafeCorsConfig({ requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', EVIL], ['Access-Control-Allow-Credentials', 'True'], ['Vary', 'Origin']] }, [APP]))).toEqual(['foreign-origin-reflected']);
  });
});

describe('allow-list regular expressions (https://fetch.spec.whatwg.org/#http-access-control-allow-origin)', () => {
  it('a fully anchored, escaped pattern has no finding', () => {
    expect(checkOriginPattern('^https://app\\.example\\.com$', { allowed: 'https://app.example.com' })).toEqual([]);
    expect(checkOriginPattern('^https://(app|admin)\\.example\\.com$')).toEqual([]);
    expect(checkOriginPattern('^(?:https://a\\.example\\.com|https://b\\.example\\.com)$')).toEqual([]);
    expect(checkOriginPattern('^https://a\\.example\\.com$|^https://b\\.example\\.com$')).toEqual([]);
  });
  it('no `$`: accepts the allowed origin followed by an attacker domain', () => {
    const [f] = checkOriginPattern('^https://app\\.example\\.com', { allowed: 'https://app.example.com' });
    expect(f).toMatchObject({ id: 'origin-regex-unanchored-end', severity: 'high', attackerOrigin: 'https://app.example.com.evil.localhost' });
    expect(f!.text).toBe('high: the origin pattern `^https://app\\.example\\.com` is not anchored with `$` at the end, so it also accepts `https://app.example.com.evil.localhost`, and anyone can register such a host');
  });
  it('alternation binds loosest: `^a|b$` leaves each side half-anchored', () => {
    expect(ids(checkOriginPattern('^https://a\\.example\\.com|https://b\\.example\\.com$'))).toEqual(['origin-regex-unanchored-end', 'origin-regex-unanchored-start']);
  });
  it('no `^`: a two-label host is matched by a fresh look-alike domain', () => {
    const [f] = checkOriginPattern('example\\.com$', { allowed: 'https://example.com' });
    expect(f).toMatchObject({ id: 'origin-regex-unanchored-start', severity: 'high', attackerOrigin: 'https://evilexample.com' });
  });
  it('no `^` on a subdomain pattern is reported, without claiming an attacker origin', () => {
    const [f] = checkOriginPattern('app\\.example\\.com$', { allowed: 'https://app.example.com' });
    expect(f).toMatchObject({ id: 'origin-regex-unanchored-start', severity: 'medium' });
    expect(f!.attackerOrigin).toBeUndefined();
  });
  it('an unescaped dot accepts a look-alike registrable domain', () => {
    const [f] = checkOriginPattern('^https://app.example.com$', { allowed: 'https://app.example.com' });
    expect(f).toMatchObject({ id: 'origin-regex-unescaped-dot', severity: 'medium', attackerOrigin: 'https://appxexample.com' });
  });
  it('`.*` and escaped dots inside classes are not flagged as literal dots', () => {
    expect(checkOriginPattern('^https://[a-z.]+\\.example\\.com$')).toEqual([]);
    expect(checkOriginPattern('^https://.*\\.example\\.com$')).toEqual([]);
  });
  it('with a port pinned and no `$`, the attacker origin is a longer port on the same host (medium)', () => {
    const [f] = checkOriginPattern('^http://app\\.localhost:4000', { allowed: 'http://app.localhost:4000' });
    expect(f).toMatchObject({ id: 'origin-regex-unanchored-end', severity: 'medium', attackerOrigin: 'http://app.localhost:40000' });
  });
  it('an escaped `$` is not an anchor', () => {
    expect(ids(checkOriginPattern('^https://app\\.example\\.com\\$'))).toEqual(['origin-regex-unanchored-end']);
  });
  it('an invalid pattern is reported, not thrown', () => {
    expect(ids(checkOriginPattern('^(https://a'))).toEqual(['origin-regex-invalid']);
  });
});
