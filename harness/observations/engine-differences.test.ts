import { describe, expect, it } from 'vitest';
import { engineDisagreements } from './engine-differences.ts';
import type { CellResult, Observation } from '../results/types.ts';

const observed = (over: Partial<Observation>): Observation => ({
  result: 'allowed',
  preflight: null,
  actual: null,
  exchanges: [],
  reachedHandler: true,
  cookiesSent: ['a'],
  js: { kind: 'response', type: 'cors', status: 200, statusText: 'OK', headers: [['content-type', 'x']], body: '', bodyTruncated: false },
  messages: [],
  messageSupport: '',
  durationMs: 1,
  ...over,
});
const cell = (engine: CellResult['engine'], o: Observation | undefined, verdict: CellResult['verdict'] = 'pass'): CellResult => ({
  id: `s#0@express-cors/${engine}`,
  scenario: 's',
  probe: 0,
  probeName: 'GET',
  stack: 'express-cors',
  engine,
  from: 'app',
  pageOrigin: '',
  verdict,
  expected: {},
  differences: [],
  pageCode: '',
  request: { url: '' },
  ...(o ? { observed: o } : {}),
});

describe('engines that disagree', () => {
  it('are found per probe and stack, naming the fields that differ', () => {
    const found = engineDisagreements([cell('chromium', observed({})), cell('firefox', observed({})), cell('webkit', observed({ cookiesSent: ['a', 'b'] }))]);
    expect(found).toEqual([expect.objectContaining({ scenario: 's', probe: 0, stack: 'express-cors', fields: ['cookiesSent'] })]);
    expect(found[0]!.byEngine.webkit!.cookiesSent).toEqual(['a', 'b']);
  });

  it('are not reported when only the harness failed to observe one engine', () => {
    expect(engineDisagreements([cell('chromium', observed({})), cell('firefox', observed({ result: undefined }), 'error')])).toEqual([]);
  });

  it('include a result that differs', () => {
    const blocked = observed({ result: 'blocked', js: { kind: 'error', name: 'TypeError', message: 'x' } });
    expect(engineDisagreements([cell('chromium', observed({})), cell('webkit', blocked)])[0]!.fields).toEqual(['result', 'status', 'readable']);
  });
});
