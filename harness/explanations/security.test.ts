import { describe, expect, it } from 'vitest';
import { securityFindings } from './security.ts';
import type { CellResult, Exchange } from '../results/types.ts';

const APP = 'http://app.example.localhost:1';
const EVIL = 'http://evil.localhost:1';

/** A cell whose one exchange carried `origin` and was answered with these Access-Control-Allow-Origin values (and no Vary). */
function cell(id: string, origin: string, acao: string): CellResult {
  const exchange: Exchange = {
    seq: 1,
    at: 0,
    kind: 'actual',
    request: { method: 'GET', target: '/x', httpVersion: '1.1', headers: [['Origin', origin]] },
    response: { httpVersion: '1.1', status: 200, statusText: 'OK', headers: [['Access-Control-Allow-Origin', acao]], complete: true },
    reachedHandler: true,
  };
  return { id, scenario: 's', stack: 'express-cors', engine: 'chromium', from: 'app', request: { url: '/x' }, observed: { exchanges: [exchange] } } as unknown as CellResult;
}

describe('a reflected origin without Vary', () => {
  it('is a finding only when the answers really carried more than one origin', () => {
    const ids = (cells: CellResult[]) => securityFindings(cells, APP, new Map()).map((f) => f.id);
    expect(ids([cell('a', APP, APP), cell('b', EVIL, APP)])).toEqual([]);
    expect(ids([cell('a', APP, APP), cell('b', EVIL, EVIL)])).toContain('reflected-origin-without-vary');
  });

  it('compares the values as the browser does, so padding on the wire is not a second value', () => {
    const ids = (cells: CellResult[]) => securityFindings(cells, APP, new Map()).map((f) => f.id);
    expect(ids([cell('a', APP, APP), cell('b', APP, ` ${APP}\t`)])).toEqual([]);
  });
});
