import { getHeader } from '../model/index.ts';
import { SPEC } from '../model/spec.ts';
import type { Severity } from '../model/index.ts';
import type { CellResult, PreflightHygieneId, SecurityFinding } from '../results/types.ts';
import type { StackName } from '../core/names.ts';

/**
 * The longest preflight cache life each engine keeps, past which
 * Access-Control-Max-Age is cut ("an imposed limit on max-age",
 * https://fetch.spec.whatwg.org/#cors-preflight-fetch): Chromium 2 hours
 * (services/network/cors/preflight_result.cc, kMaxTimeout), Firefox 24 hours
 * (netwerk/protocol/http/nsCORSListenerProxy.cpp); harness/model/cache.ts
 * says the same.
 */
export const MAX_AGE_CAPS = { chromium: 7200, firefox: 86400 } as const;

/**
 * Preflight hygiene of a server the user runs, read from what its
 * preflights were answered on the wire across all of a scenario's cells:
 * an OPTIONS behind authentication (401/403), any other status that is not
 * ok, and, on a preflight that let a page in, a max-age missing (every
 * request preflighted again after 5 s) or above what browsers keep. One
 * finding per scenario, stack, kind and value; never exploitable (these
 * break the site's own page or cost round trips, they leak nothing).
 */
export function preflightFindings(cells: readonly CellResult[], onStack: (stack: StackName) => boolean): SecurityFinding[] {
  const found = new Map<string, SecurityFinding>();
  const add = (cell: CellResult, id: PreflightHygieneId, severity: Severity, header: string | undefined, observed: string, text: string, anchor: SecurityFinding['anchor']) => {
    const key = `${cell.scenario}@${cell.stack}:${id}:${observed}`;
    const entry = found.get(key) ?? { id, severity, ...(header ? { header } : {}), observed: [observed], text, anchor, scenario: cell.scenario, stack: cell.stack, cells: [], exploitedIn: [], readWithoutCookieIn: [] };
    if (!entry.cells.includes(cell.id)) entry.cells.push(cell.id);
    found.set(key, entry);
  };
  for (const cell of cells) {
    if (!onStack(cell.stack)) continue;
    for (const exchange of cell.observed?.exchanges ?? []) {
      const response = exchange.response;
      if (exchange.kind !== 'preflight' || !response) continue;
      const status = response.status;
      if (status === 401 || status === 403) {
        add(cell, 'preflight-behind-auth', 'medium', undefined, `${status}`, `medium: OPTIONS is answered ${status}, as if it needed authentication; a preflight never carries the user's cookies or Authorization header, so every preflighted request fails: answer OPTIONS before the authentication check`, SPEC.corsPreflightFetch);
        continue;
      }
      if (status < 200 || status > 299) {
        add(cell, 'preflight-not-ok', 'medium', undefined, `${status}`, `medium: a preflight was answered ${status}; the browser accepts only an ok status (200-299) to a preflight and blocks the request after it`, SPEC.okStatus);
        continue;
      }
      if (getHeader(response.headers, 'Access-Control-Allow-Origin') === null) continue;
      const maxAge = getHeader(response.headers, 'Access-Control-Max-Age');
      if (maxAge === null) {
        add(cell, 'max-age-missing', 'info', 'Access-Control-Max-Age', '(none)', 'info: the preflight has no Access-Control-Max-Age, so the browser keeps it 5 seconds (the default) and preflights the same request again after that', SPEC.maxAge);
      } else if (/^\d+$/.test(maxAge.trim()) && Number(maxAge.trim()) > MAX_AGE_CAPS.chromium) {
        const value = maxAge.trim();
        add(cell, 'max-age-over-cap', 'info', 'Access-Control-Max-Age', value, `info: Access-Control-Max-Age is ${value} s; Chromium keeps a preflight at most ${MAX_AGE_CAPS.chromium} s (2 hours) and Firefox ${MAX_AGE_CAPS.firefox} s (24 hours), so ${Number(value) > MAX_AGE_CAPS.firefox ? 'both cut it' : 'Chromium cuts it'}`, SPEC.corsPreflightCache);
      }
    }
  }
  return [...found.values()];
}
