import { checkOriginPattern, findUnsafeCorsConfig, headerLines, type Finding } from '../model/index.ts';
import type { CellResult, SecurityFinding } from '../results/types.ts';
import type { StackName } from '../core/names.ts';
import { defaults } from '../config/defaults.ts';
import { originFormOf } from '../../servers/recorder/http1.ts';
import { originPatterns, readsRequestOrigin } from './origin-checks.ts';

/**
 * Security findings of a run: each server answer to each cell, checked with
 * the model against the origins the API means to trust (the app page), and
 * the regular expressions each scenario's stack code applies to the
 * request's Origin checked for the classic mistakes (no anchors, an
 * unescaped dot). A regular expression used for anything else is no origin
 * check and is left alone. One finding per scenario, stack, kind and origin.
 */
export function securityFindings(
  cells: readonly CellResult[],
  /** The site's own pages: one origin for every scenario, or each scenario's (a scenario may declare its own `app`, and more: see trustedOrigins). */
  trusted: string | ((scenario: string) => string | readonly string[]),
  serverCode: ReadonlyMap<string, Partial<Record<StackName, string>>>,
): SecurityFinding[] {
  const trustedOrigin = (scenario: string): string[] => {
    const given = typeof trusted === 'string' ? trusted : trusted(scenario);
    return typeof given === 'string' ? [given] : [...given];
  };
  const found = new Map<string, SecurityFinding>();
  const add = (scenario: string, stack: StackName, finding: Finding, cell?: CellResult) => {
    // One finding per origin it names: which origin got in, and with what, is the point.
    const key = `${scenario}@${stack}:${finding.id}:${finding.text}`;
    const entry = found.get(key) ?? { ...finding, scenario, stack, cells: [], exploitedIn: [], readWithoutCookieIn: [] };
    if (cell && !entry.cells.includes(cell.id)) entry.cells.push(cell.id);
    const read = cell ? attackerRead(cell) : 'nothing';
    if (cell && read === 'private' && !entry.exploitedIn.includes(cell.engine)) entry.exploitedIn.push(cell.engine);
    if (cell && read === 'without-cookie' && !entry.readWithoutCookieIn.includes(cell.engine)) entry.readWithoutCookieIn.push(cell.engine);
    found.set(key, entry);
  };
  for (const cell of cells) {
    for (const exchange of cell.observed?.exchanges ?? []) {
      const origin = exchange.request.headers.find(([n]) => n.toLowerCase() === 'origin')?.[1];
      if (!origin || !exchange.response) continue;
      for (const finding of findUnsafeCorsConfig({ requestOrigin: origin, headers: exchange.response.headers }, trustedOrigin(cell.scenario))) {
        add(cell.scenario, cell.stack, finding, cell);
      }
    }
  }
  for (const [scenario, byStack] of serverCode) {
    for (const [stack, code] of Object.entries(byStack) as [StackName, string][]) {
      for (const pattern of originPatterns(code)) {
        for (const finding of checkOriginPattern(pattern.source, { flags: pattern.flags, allowed: trustedOrigin(scenario)[0]! })) add(scenario, stack, finding);
      }
    }
  }
  return [...found.values()].filter((f) => f.id !== 'reflected-origin-without-vary' || dependsOnOrigin(cells, f.scenario, f.stack, serverCode.get(f.scenario)?.[f.stack]));
}

/**
 * The site's own pages are `app` and, where a scenario trusts more than one
 * origin (an audit of several `--origin`s), `app2`, `app3`, …; every other
 * page is an attacker's.
 */
export function isTrustedPage(name: string): boolean {
  return /^app(?:[2-9]|[1-9][0-9]+)?$/.test(name);
}

/** The origins a scenario trusts: its pages that isTrustedPage names, `app` (the lab's own when not declared) first. */
export function trustedOrigins(origins: Readonly<Record<string, string>> | undefined, labApp: string): string[] {
  const declared = Object.entries(origins ?? {}).filter(([name]) => name !== 'app' && isTrustedPage(name)).map(([, origin]) => origin);
  return [origins?.app ?? labApp, ...declared];
}

/**
 * What an attacker's page read in one cell. Exploitable means the data was
 * really read: a page other than the app's got a readable answer (not
 * opaque) with a body, to a credentialed request that carried a cookie. A
 * readable answer to a request the engine sent without any cookie (a
 * third-party cookie blocked, a SameSite cookie withheld) gave away nothing
 * private, and is reported as such.
 */
export function attackerRead(cell: CellResult): 'private' | 'without-cookie' | 'nothing' {
  const observed = cell.observed;
  if (isTrustedPage(cell.from) || cell.request.credentials !== 'include' || observed?.result !== 'allowed') return 'nothing';
  if (observed.js.kind !== 'response' || observed.js.body.length === 0) return 'nothing';
  return (observed.cookiesSent?.length ?? 0) > 0 ? 'private' : 'without-cookie';
}

/**
 * One answer cannot tell a reflected origin from a fixed one that happens to
 * match, and an Access-Control-Allow-Origin that does not depend on the
 * request's Origin needs no Vary (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches:
 * Vary is for answers "more complicated than setting Access-Control-Allow-Origin
 * to * or a static origin"). The answer depends on the Origin when the wire
 * shows it: two requests to the same path, with different Origins, answered
 * with different values (a reflection, or a list that lets one in and not the
 * other). Without two such requests, when the code reads the Origin or gives
 * the CORS library a per-request check (readsRequestOrigin). A value that
 * differs by path, or is the same for every Origin on the wire, does not.
 */
export function dependsOnOrigin(cells: readonly CellResult[], scenario: string, stack: StackName, code: string | undefined): boolean {
  // Per path and kind of request: each Origin sent, with the values it got (normalized, as the browser compares them).
  const answers = new Map<string, Map<string, Set<string>>>();
  for (const cell of cells) {
    if (cell.scenario !== scenario || cell.stack !== stack) continue;
    for (const exchange of cell.observed?.exchanges ?? []) {
      const origin = exchange.request.headers.find(([n]) => n.toLowerCase() === 'origin')?.[1];
      if (origin === undefined || !exchange.response) continue;
      const where = `${exchange.kind === 'preflight' ? 'preflight' : 'request'} ${withoutCellToken(originFormOf(exchange.request.target))}`;
      const byOrigin = answers.get(where) ?? new Map<string, Set<string>>();
      const values = byOrigin.get(origin) ?? new Set<string>();
      values.add(headerLines(exchange.response.headers, 'Access-Control-Allow-Origin').join(', ') || '(none)');
      byOrigin.set(origin, values);
      answers.set(where, byOrigin);
    }
  }
  let compared = false;
  for (const byOrigin of answers.values()) {
    if (byOrigin.size < 2) continue;
    compared = true;
    const seen = [...byOrigin.values()].map((values) => [...values].sort().join(' | '));
    if (new Set(seen).size > 1) return true;
  }
  // The wire showed the same value for every Origin sent to a path: a fixed origin, whatever the code reads.
  if (compared) return false;
  return code !== undefined && readsRequestOrigin(code);
}

/** A request target without the cell's token (harness/probes/fetch-probe.ts adds it to every URL), so two cells' requests to one path compare. */
function withoutCellToken(target: string): string {
  return target.replace(new RegExp(`([?&])${defaults.cellParam}=[^&#]*&?`), '$1').replace(/[?&]$/, '');
}
