import { describe, expect, it } from 'vitest';
import { expandExpectation, impliedResult, mergeExpectation } from './expectations.ts';

const values = { app: 'http://app.example.localhost:1', evil: 'http://evil.localhost:1', apiOrigin: 'http://api.example.localhost:2', api: 'http://api.example.localhost:2/s/x' };

describe('merging an expectFor override', () => {
  it('merges what was sent hop by hop, so an override names only the field that differs', () => {
    const base = { sent: { preflight: { requestMethod: 'patch' }, actual: { method: 'patch', origin: '{app}' } } };
    expect(mergeExpectation(base, { sent: { actual: { method: 'PATCH' } } }).sent).toEqual({ preflight: { requestMethod: 'patch' }, actual: { method: 'PATCH', origin: '{app}' } });
  });

  it('merges what was answered hop by hop too', () => {
    const base = { answered: { actual: { status: 400, headers: { absent: ['Content-Type'] } } } };
    expect(mergeExpectation(base, { answered: { actual: { headers: { values: { 'Content-Type': 'application/json' } } } } }).answered).toEqual({
      actual: { status: 400, headers: { values: { 'Content-Type': 'application/json' } } },
    });
  });

  it('lets `sent: false` replace what was sent, and the other way round', () => {
    expect(mergeExpectation({ sent: { actual: { method: 'PUT' } } }, { sent: false }).sent).toBe(false);
    expect(mergeExpectation({ sent: false }, { sent: { actual: { method: 'PUT' } } }).sent).toEqual({ actual: { method: 'PUT' } });
  });
});

describe('the run\'s origins in an expectation', () => {
  it('replace placeholders in origins and header values', () => {
    const expanded = expandExpectation({ sent: { actual: { origin: '{app}', headers: { values: { Referer: '{app}/' } } } } }, values);
    expect(expanded.sent).toEqual({ actual: { origin: values.app, headers: { values: { Referer: `${values.app}/` } } } });
  });

  it('stand for themselves literally in a pattern, dots and all', () => {
    const expanded = expandExpectation({ answered: { actual: { headers: { values: { 'Access-Control-Allow-Origin': { matches: '^\\s*{app}\\s*$' } } } } } }, values);
    const pattern = (expanded.answered!.actual!.headers!.values!['Access-Control-Allow-Origin'] as { matches: string }).matches;
    expect(new RegExp(pattern).test(`  ${values.app}\t`)).toBe(true);
    expect(new RegExp(pattern).test('http://appXexample.localhost:1')).toBe(false);
  });

  it('leave an expectation without sent or answered as it is', () => {
    const plain = { result: 'allowed' as const };
    expect(expandExpectation(plain, values)).toBe(plain);
  });
});

describe('the result an expectation implies', () => {
  it('is blocked for `sent: false`, and whatever `result` says otherwise', () => {
    expect(impliedResult({ sent: false })).toBe('blocked');
    expect(impliedResult({ result: 'opaque' })).toBe('opaque');
    expect(impliedResult({ preflight: true })).toBeUndefined();
  });
});
