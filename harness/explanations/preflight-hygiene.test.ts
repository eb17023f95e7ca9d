import { describe, expect, it } from 'vitest';
import type { CellResult, RawHeader } from '../results/types.ts';
import { preflightFindings } from './preflight-hygiene.ts';
import { isTrustedPage, trustedOrigins } from './security.ts';

const APP = 'https://app.mycompany.com';
const TARGET = 'url:127.0.0.1:3000';

function cell(id: string, status: number, headers: RawHeader[], stack = TARGET): CellResult {
  const preflight = { seq: 1, at: 0, kind: 'preflight' as const, request: { method: 'OPTIONS', target: '/items', httpVersion: '1.1', headers: [['Origin', APP]] as RawHeader[] }, response: { status, statusText: '', httpVersion: '1.1', headers, complete: true }, reachedHandler: null };
  return { id, scenario: 's', stack, from: 'app', observed: { exchanges: [preflight] } } as unknown as CellResult;
}

const ids = (cells: CellResult[]) => preflightFindings(cells, (s) => s === TARGET).map((f) => [f.id, f.observed[0], f.cells]);

describe('preflight hygiene of a server the user runs', () => {
  it('names an OPTIONS behind authentication apart from another status that is not ok', () => {
    expect(ids([cell('a', 401, []), cell('b', 401, []), cell('c', 404, [])])).toEqual([
      ['preflight-behind-auth', '401', ['a', 'b']],
      ['preflight-not-ok', '404', ['c']],
    ]);
  });

  it('on a preflight that let the page in, a missing max-age and one above the engines\' caps; not one within them', () => {
    const allow: RawHeader = ['Access-Control-Allow-Origin', APP];
    expect(ids([cell('a', 204, [allow]), cell('b', 204, [allow, ['Access-Control-Max-Age', '86400']]), cell('c', 204, [allow, ['Access-Control-Max-Age', '7200']])])).toEqual([
      ['max-age-missing', '(none)', ['a']],
      ['max-age-over-cap', '86400', ['b']],
    ]);
    // A refused preflight (no Access-Control-Allow-Origin) caches nothing, so its max-age does not matter.
    expect(ids([cell('a', 204, [])])).toEqual([]);
  });

  it("looks only at the stacks it is given (the lab's own answer preflights as scenarios make them on purpose)", () => {
    expect(ids([cell('a', 401, [], 'express-cors')])).toEqual([]);
  });
});

describe("the audit's own pages", () => {
  it('are app, app2, app3…, which the security findings trust; every other page is an attacker', () => {
    expect(['app', 'app2', 'app10'].every(isTrustedPage)).toBe(true);
    expect(['app1', 'app0', 'apps', 'evil', 'suffix', 'sandboxed'].some(isTrustedPage)).toBe(false);
    expect(trustedOrigins({ app: 'https://a.example', app2: 'https://b.example', evil: 'https://attacker.test' }, 'http://app.example.localhost:1')).toEqual(['https://a.example', 'https://b.example']);
    expect(trustedOrigins(undefined, 'http://app.example.localhost:1')).toEqual(['http://app.example.localhost:1']);
  });
});
