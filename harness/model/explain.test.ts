import { describe, expect, it } from 'vitest';
import { code, describeUnsafeHeader, explainFailure, listAnd } from './explain.ts';
import { failure, RULE_IDS, RULES } from './rules.ts';
import type { UnsafeReason } from './safelist.ts';

describe('every rule has an anchor and a one-sentence explanation (https://fetch.spec.whatwg.org/)', () => {
  it.each(RULE_IDS)('%s', (rule) => {
    expect(RULES[rule].anchor).toMatch(/^https:\/\/((fetch|url|mimesniff|webidl)\.spec\.whatwg\.org|w3c\.github\.io\/webappsec-[a-z-]+)\/#[\w-]+$/);
    const sentence = explainFailure(failure(rule, 'preflight', { header: 'Access-Control-Allow-Origin', observed: ['v1'], expected: 'e1', subject: 's1' }));
    expect(sentence).not.toMatch(/undefined|null\b(?!`)|\n/);
    expect(sentence).toMatch(/^(blocked|TypeError)/);
    expect(sentence).toContain('`');
    expect(sentence.endsWith('.')).toBe(false);
  });
});

describe('the reasons a request header is CORS-unsafe read as clauses (https://fetch.spec.whatwg.org/#cors-safelisted-request-header)', () => {
  const reasons: UnsafeReason[] = ['not-safelisted-name', 'value-too-long', 'unsafe-byte', 'language-byte', 'content-type-unparsable', 'content-type-essence', 'range-not-simple', 'total-size'];
  it.each(reasons)('%s', (reason) => {
    const clause = describeUnsafeHeader({ name: 'Content-Type', value: 'application/json', safelisted: false, reason, byte: '(', essence: 'application/json', total: 1030 });
    expect(clause).toContain('`content-type');
    expect(clause).not.toContain('undefined');
  });
  it('the Content-Type clause names the three safelisted types', () => {
    expect(describeUnsafeHeader({ name: 'Content-Type', value: 'application/json', safelisted: false, reason: 'content-type-essence', essence: 'application/json' })).toBe(
      '`content-type: application/json` is none of `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain` (its type is `application/json`)',
    );
  });
});

describe('formatting helpers', () => {
  it('puts values in backticks and shows control bytes as hex', () => {
    expect(code('a\x01b')).toBe('`a\\x01b`');
  });
  it('joins lists in plain words', () => {
    expect(listAnd(['a'])).toBe('a');
    expect(listAnd(['a', 'b'])).toBe('a and b');
    expect(listAnd(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
