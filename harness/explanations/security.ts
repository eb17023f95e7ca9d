import { checkOriginPattern, findUnsafeCorsConfig, headerLines, type Finding } from '../model/index.ts';
import type { CellResult, SecurityFinding } from '../results/types.ts';
import type { StackName } from '../core/names.ts';

/**
 * Security findings of a run: each server answer to each cell, checked with
 * the model against the origins the API means to trust (the app page), and
 * each scenario's stack code scanned for allow-list regular expressions that
 * are not anchored. One finding per scenario, stack, kind and origin.
 */
export function securityFindings(
  cells: readonly CellResult[],
  trustedOrigin: string,
  serverCode: ReadonlyMap<string, Partial<Record<StackName, string>>>,
): SecurityFinding[] {
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
      for (const finding of findUnsafeCorsConfig({ requestOrigin: origin, headers: exchange.response.headers }, [trustedOrigin])) {
        add(cell.scenario, cell.stack, finding, cell);
      }
    }
  }
  for (const [scenario, byStack] of serverCode) {
    for (const [stack, code] of Object.entries(byStack) as [StackName, string][]) {
      for (const pattern of regexLiterals(code)) {
        for (const finding of checkOriginPattern(pattern.source, { flags: pattern.flags, allowed: trustedOrigin })) add(scenario, stack, finding);
      }
    }
  }
  return [...found.values()].filter((f) => f.id !== 'reflected-origin-without-vary' || varies(cells, f.scenario, f.stack));
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
  if (cell.from === 'app' || cell.request.credentials !== 'include' || observed?.result !== 'allowed') return 'nothing';
  if (observed.js.kind !== 'response' || observed.js.body.length === 0) return 'nothing';
  return (observed.cookiesSent?.length ?? 0) > 0 ? 'private' : 'without-cookie';
}

/**
 * One answer cannot tell a reflected origin from a fixed one that happens to
 * match, and a fixed Access-Control-Allow-Origin needs no Vary. Only when the
 * scenario's answers on a stack carried more than one value did the server
 * really reflect, and only then does a missing `Vary: Origin` matter.
 */
function varies(cells: readonly CellResult[], scenario: string, stack: StackName): boolean {
  const values = new Set<string>();
  for (const cell of cells) {
    if (cell.scenario !== scenario || cell.stack !== stack) continue;
    for (const exchange of cell.observed?.exchanges ?? []) {
      // Normalized, as the browser compares them: `a` and ` a ` are one value, not a reflection.
      for (const value of headerLines(exchange.response?.headers ?? [], 'Access-Control-Allow-Origin')) values.add(value);
    }
  }
  return values.size > 1;
}

/**
 * Regular expression literals in a snippet that look like origin allow-lists
 * (they mention a dot or "localhost" or a scheme). A light scan, not a parser:
 * good enough for the snippets scenarios reproduce.
 */
export function regexLiterals(code: string): { source: string; flags: string }[] {
  const out: { source: string; flags: string }[] = [];
  const literal = /(?<=[=(,:[!&|?{};]\s*|^\s*|return\s+)\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/([dgimsuvy]*)/gm;
  for (const match of code.matchAll(literal)) {
    const source = match[1]!;
    if (/\\\.|localhost|https?:/.test(source)) out.push({ source, flags: match[2] ?? '' });
  }
  return out;
}
