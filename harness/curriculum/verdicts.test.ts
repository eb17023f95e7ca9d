import { describe, expect, it } from 'vitest';
import { claimCounts, claimVerdicts } from './verdicts.ts';
import type { Claim, CellResult, Observation } from '../results/types.ts';
import type { StackName } from '../core/names.ts';

const blocked: Observation = {
  result: 'blocked',
  preflight: null,
  actual: null,
  exchanges: [],
  reachedHandler: true,
  cookiesSent: [],
  js: { kind: 'error', name: 'TypeError', message: 'Failed to fetch' },
  messages: [],
  messageSupport: '',
  durationMs: 1,
};
const allowed: Observation = { ...blocked, result: 'allowed', js: { kind: 'response', type: 'cors', status: 200, statusText: 'OK', headers: [], body: '{}', bodyTruncated: false } };

let seq = 0;
const cell = (engine: CellResult['engine'], observed: Observation | undefined, over: Partial<CellResult> = {}): CellResult => ({
  id: `cell-${seq++}`,
  scenario: 'origins/trailing-slash',
  probe: 0,
  probeName: 'GET {api}/items',
  stack: 'express-cors',
  engine,
  from: 'app',
  pageOrigin: '',
  verdict: observed ? 'pass' : 'error',
  expected: {},
  differences: [],
  pageCode: '',
  request: { url: '' },
  ...(observed ? { observed } : {}),
  ...over,
});
const claim = (over: Partial<Claim> = {}): Claim => ({
  id: 'a002-01',
  article: '002',
  quote: 'a trailing slash breaks it',
  claim: 'A trailing slash blocks the response.',
  chapter: 'origins',
  checks: [{ scenario: 'origins/trailing-slash', says: { result: 'blocked' } }],
  ...over,
});

describe('a claim decided by the browsers', () => {
  it('is confirmed when every selected cell shows what the article says', () => {
    const [result] = claimVerdicts([claim()], [cell('chromium', blocked), cell('firefox', blocked)]);
    expect(result!.verdict).toBe('confirmed');
    expect(result!.engines.chromium!.matched).toHaveLength(1);
  });

  it('is refuted when none does, naming the first difference', () => {
    const [result] = claimVerdicts([claim()], [cell('chromium', allowed), cell('webkit', allowed)]);
    expect(result!.verdict).toBe('refuted');
    expect(result!.engines.webkit!.contradicted[0]).toMatchObject({ field: 'result', expected: 'blocked', observed: 'allowed' });
  });

  it('is engine-dependent when engines answer differently', () => {
    const [result] = claimVerdicts([claim()], [cell('chromium', blocked), cell('webkit', allowed)]);
    expect(result!.verdict).toBe('engine-dependent');
    expect(result!.engines.chromium!.verdict).toBe('confirmed');
    expect(result!.engines.webkit!.verdict).toBe('refuted');
  });

  it('is partly true when one engine answers both ways (here: on two stacks)', () => {
    const [result] = claimVerdicts([claim()], [cell('chromium', blocked), cell('chromium', allowed, { stack: 'next' })]);
    expect(result!.verdict).toBe('partly');
  });

  it('counts only the probe and stacks its check selects', () => {
    const selected = claim({ checks: [{ scenario: 'origins/trailing-slash', probe: 'GET {api}/items', stacks: ['next' as StackName], says: { result: 'blocked' } }] });
    const cells = [cell('chromium', allowed), cell('chromium', blocked, { stack: 'next' }), cell('chromium', allowed, { stack: 'next', probeName: 'other' })];
    expect(claimVerdicts([selected], cells)[0]!.verdict).toBe('confirmed');
  });

  it('is never decided by a cell the harness could not observe', () => {
    const [result] = claimVerdicts([claim()], [cell('chromium', undefined)]);
    expect(result!.verdict).toBe('not run');
    expect(result!.engines.chromium!.errors).toHaveLength(1);
  });

  it('stays "not observable" whatever its stand-in checks show', () => {
    const [result] = claimVerdicts([claim({ notObservable: 'a two-hour cap' })], [cell('chromium', allowed)]);
    expect(result!.verdict).toBe('not observable');
    expect(result!.engines.chromium!.verdict).toBe('refuted');
    expect(claimCounts([result!])['not observable']).toBe(1);
  });
});
