import { describe, expect, it } from 'vitest';
import { joinResults, splitResults } from './embedded.ts';
import type { CellResult, RunResults } from '../../results/types.ts';

const exchange = { seq: 1, at: 0, kind: 'actual' as const, request: { method: 'GET', target: '/items', httpVersion: '1.1', headers: [['Origin', 'http://app']] as [string, string][] }, reachedHandler: true };
const observed: NonNullable<CellResult['observed']> = {
  result: 'blocked',
  preflight: null,
  actual: 0,
  exchanges: [exchange],
  reachedHandler: true,
  cookiesSent: [],
  js: { kind: 'error', name: 'TypeError', message: 'Failed to fetch' },
  messages: [{ source: 'console', text: 'blocked by CORS policy' }],
  messageSupport: 'console',
  durationMs: 12,
};
const cell = (id: string, extra: Partial<CellResult> = {}): CellResult => ({
  id,
  scenario: 'basics/x',
  probe: 0,
  probeName: 'GET',
  stack: 'express-cors',
  engine: 'chromium',
  from: 'app',
  pageOrigin: 'http://app',
  verdict: 'pass',
  expected: { result: 'blocked' },
  differences: [],
  pageCode: "fetch('http://api/items')",
  request: { url: '{api}/items' },
  ...extra,
});
const results = {
  schemaVersion: 4,
  cells: [
    cell('a', { observed, explanation: { reason: 'blocked: no header', model: { preflight: false, actualSent: true, result: 'blocked', status: null, readable: [], explanation: 'x', failures: [], notes: [] }, agreesWithModel: true, modelDifferences: [] } }),
    cell('b', { verdict: 'error', error: 'the page got no answer' }),
  ],
} as unknown as RunResults;

describe('the report data in two parts', () => {
  it('keeps in the head what the matrix reads, and the evidence in the details', () => {
    const { head, details } = splitResults(results);
    expect(head.cells[0]).toEqual({ ...cell('a'), pageCode: undefined, request: undefined, observed: { result: 'blocked', preflight: null, actual: 0, reachedHandler: true, cookiesSent: [], durationMs: 12 }, explanation: { agreesWithModel: true } });
    expect(JSON.stringify(head)).not.toContain('Failed to fetch');
    expect(details[0]).toMatchObject({ pageCode: "fetch('http://api/items')", observed: { exchanges: [exchange], messageSupport: 'console' }, explanation: { reason: 'blocked: no header' } });
    expect(details[1]).toEqual({ pageCode: "fetch('http://api/items')", request: { url: '{api}/items' } });
  });

  it('joins again into the same results, field for field', () => {
    const { head, details } = splitResults(results);
    expect(joinResults(JSON.parse(JSON.stringify(head)), JSON.parse(JSON.stringify(details)))).toEqual(results);
    expect(() => joinResults(head, details.slice(1))).toThrow(/details hold 1 cells, its head 2/);
  });
});
