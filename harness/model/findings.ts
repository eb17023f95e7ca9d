/**
 * Security findings: server configurations that work (nothing is blocked) but
 * let the wrong pages read responses. Separate from pass/fail: a scenario can pass
 * and still have a high-severity finding.
 */
import { ACAC, ACAO } from './cors-check.ts';
import { code } from './explain.ts';
import { getHeader, headerLines, normalizeHeaderValue } from './headers.ts';
import { parseUrl } from './origin.ts';
import { SPEC, type SpecAnchor } from './spec.ts';
import type { HeaderPair } from './types.ts';

export type Severity = 'high' | 'medium' | 'low' | 'info';

export type FindingId =
  | 'foreign-origin-reflected-with-credentials'
  | 'foreign-origin-reflected'
  | 'null-origin-allowed-with-credentials'
  | 'null-origin-allowed'
  | 'wildcard-with-credentials'
  | 'reflected-origin-without-vary'
  | 'origin-regex-unanchored-end'
  | 'origin-regex-unanchored-start'
  | 'origin-regex-unescaped-dot'
  | 'origin-regex-invalid';

export interface Finding {
  id: FindingId;
  severity: Severity;
  /** The header the finding is about, when there is one. */
  header?: string;
  /** The values that show it (header lines, or the pattern). */
  observed: string[];
  /** An origin an attacker could use, when the model found one. */
  attackerOrigin?: string;
  /** One sentence. */
  text: string;
  anchor: SpecAnchor;
}

/** What a server answered to one request that carried `requestOrigin`. */
export interface ServerAnswer {
  /** The Origin header the request carried (`null` for an opaque origin). */
  requestOrigin: string;
  /** The response headers as they crossed the wire (to a preflight or an actual request). */
  headers: readonly HeaderPair[];
}

/**
 * Classifies one answer. To test for reflection, send a foreign origin (e.g. the `evil`
 * page) and list the origins the API means to trust in `trustedOrigins`.
 */
export function findUnsafeCorsConfig(answer: ServerAnswer, trustedOrigins: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const acao = getHeader(answer.headers, ACAO);
  const observed = headerLines(answer.headers, ACAO);
  const credentials = getHeader(answer.headers, ACAC) === 'true';
  const sent = answer.requestOrigin;
  const foreign = sent !== 'null' && !trustedOrigins.includes(sent);

  if (acao === sent && foreign) {
    findings.push(
      credentials
        ? {
            id: 'foreign-origin-reflected-with-credentials',
            severity: 'high',
            header: ACAO,
            observed,
            attackerOrigin: sent,
            text: `high: the server answered the untrusted origin ${code(sent)} with Access-Control-Allow-Origin ${code(sent)} and Access-Control-Allow-Credentials ${code('true')}, so a page on that origin can read responses made with the user's cookies`,
            anchor: SPEC.corsProtocolAndCredentials,
          }
        : {
            id: 'foreign-origin-reflected',
            severity: 'low',
            header: ACAO,
            observed,
            attackerOrigin: sent,
            text: `low: the server echoes the untrusted origin ${code(sent)} in Access-Control-Allow-Origin; without credentials that shares no more than ${code('*')} would, but the allow-list is not enforced`,
            anchor: SPEC.allowOrigin,
          },
    );
  }
  if (acao === 'null') {
    findings.push(
      credentials
        ? {
            id: 'null-origin-allowed-with-credentials',
            severity: 'high',
            header: ACAO,
            observed,
            attackerOrigin: 'null',
            text: `high: Access-Control-Allow-Origin is ${code('null')} with Access-Control-Allow-Credentials ${code('true')}, and any site can make requests from an opaque origin (a sandboxed iframe or a data: URL) to read responses made with the user's cookies`,
            anchor: SPEC.corsProtocolAndCredentials,
          }
        : {
            id: 'null-origin-allowed',
            severity: 'medium',
            header: ACAO,
            observed,
            attackerOrigin: 'null',
            text: `medium: Access-Control-Allow-Origin is ${code('null')}, which any site can match from a sandboxed iframe or a data: URL, so it is an allow-list entry that admits everyone`,
            anchor: SPEC.allowOrigin,
          },
    );
  }
  if (acao === '*' && credentials) {
    findings.push({
      id: 'wildcard-with-credentials',
      severity: 'info',
      header: ACAO,
      observed,
      text: `info: Access-Control-Allow-Origin ${code('*')} with Access-Control-Allow-Credentials ${code('true')} fails closed (browsers refuse it for credentialed requests), but it shows the server means to share credentialed responses with everyone`,
      anchor: SPEC.corsProtocolAndCredentials,
    });
  }
  // Vary is a list of field names (RFC 9110 §12.5.5); each element is compared without its surrounding whitespace.
  const vary = headerLines(answer.headers, 'Vary').flatMap((line) => line.split(',')).map((v) => normalizeHeaderValue(v).toLowerCase());
  if (acao !== null && acao === sent && sent !== '*' && !vary.includes('origin') && !vary.includes('*')) {
    findings.push({
      id: 'reflected-origin-without-vary',
      severity: 'low',
      header: 'Vary',
      observed: headerLines(answer.headers, 'Vary'),
      text: `low: Access-Control-Allow-Origin repeats the request's origin ${code(sent)} but Vary does not list ${code('Origin')}, so if the answer depends on the origin an HTTP cache can hand one origin's answer to another`,
      anchor: SPEC.corsProtocolAndHttpCaches,
    });
  }
  return findings;
}

// ---- Allow-list regular expressions ---------------------------------------------------------

/**
 * The characters of a pattern that are syntax (from `from` on): each with its
 * index and its group depth, skipping escaped characters and the contents of
 * character classes, where `|`, `(` and `)` are literals.
 */
function* syntaxOf(source: string, from = 0): Generator<{ i: number; c: string; depth: number }> {
  let depth = 0;
  let inClass = false;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    yield { i, c, depth };
  }
}

/** Splits a pattern on `|` outside groups and character classes. */
function alternatives(source: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const { i, c, depth } of syntaxOf(source)) {
    if (c === '|' && depth === 0) {
      parts.push(source.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}

/** Index of the `)` closing the group opened at `open`, or -1. */
function closingParen(source: string, open: number): number {
  for (const { i, c, depth } of syntaxOf(source, open)) if (c === ')' && depth === 0) return i;
  return -1;
}

/** The body of a capturing or non-capturing group; null for lookarounds, which anchor nothing. */
function groupBody(group: string): string | null {
  const inner = group.slice(1, -1);
  if (inner.startsWith('?:')) return inner.slice(2);
  const named = /^\?<([A-Za-z_$][\w$]*)>/.exec(inner);
  if (named) return inner.slice(named[0].length);
  if (inner.startsWith('?')) return null;
  return inner;
}

function anchoredAtStart(alternative: string): boolean {
  if (alternative.startsWith('^')) return true;
  if (!alternative.startsWith('(')) return false;
  const close = closingParen(alternative, 0);
  if (close < 0) return false;
  const body = groupBody(alternative.slice(0, close + 1));
  return body !== null && alternatives(body).every(anchoredAtStart);
}

function anchoredAtEnd(alternative: string): boolean {
  const escapedAt = (i: number) => {
    let n = 0;
    while (i - 1 - n >= 0 && alternative[i - 1 - n] === '\\') n++;
    return n % 2 === 1;
  };
  const last = alternative.length - 1;
  if (alternative[last] === '$' && !escapedAt(last)) return true;
  if (alternative[last] !== ')' || escapedAt(last)) return false;
  for (let open = last; open >= 0; open--) {
    if (alternative[open] === '(' && !escapedAt(open) && closingParen(alternative, open) === last) {
      const body = groupBody(alternative.slice(open, last + 1));
      return body !== null && alternatives(body).every(anchoredAtEnd);
    }
  }
  return false;
}

/** Unescaped `.` between two word characters, outside classes: almost always meant as a literal dot. */
function hasLiteralLookingDot(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '.' && /\w/.test(source[i - 1] ?? '') && /\w/.test(source[i + 1] ?? '')) return true;
  }
  return false;
}

export interface OriginPatternOptions {
  /** RegExp flags the server uses. */
  flags?: string;
  /** An origin the pattern is meant to allow, e.g. `https://app.example.com`: used to build attacker origins that prove a finding. */
  allowed?: string;
}

/**
 * Checks an allow-list regular expression (its source, as a server passes it to its CORS
 * library) for the classic mistakes: no `^`, no `$`, and `.` left unescaped. With an
 * `allowed` origin, each finding names an attacker origin the pattern really accepts.
 */
export function checkOriginPattern(source: string, options: OriginPatternOptions = {}): Finding[] {
  let regex: RegExp;
  try {
    regex = new RegExp(source, options.flags ?? '');
  } catch (e) {
    return [{ id: 'origin-regex-invalid', severity: 'info', observed: [source], text: `info: the origin pattern ${code(source)} is not a valid regular expression (${(e as Error).message})`, anchor: SPEC.allowOrigin }];
  }
  const findings: Finding[] = [];
  const alts = alternatives(source);
  const allowed = options.allowed === undefined ? null : parseUrl(options.allowed);
  const base = allowed && allowed.origin !== 'null' ? allowed : null;
  // Only candidates that are real serialized origins: a browser never sends anything else.
  const isOrigin = (c: string) => parseUrl(c)?.origin === c;
  const matching = (candidates: string[]) => candidates.filter(isOrigin).find((c) => regex.test(c));
  const port = base && base.port ? `:${base.port}` : '';

  if (!alts.every(anchoredAtEnd)) {
    // Another host under a domain the attacker owns, or (when a port is pinned) a longer port on the same host.
    const otherHost = base ? matching([`${base.origin}.evil.localhost`, `${base.protocol}//${base.hostname}.evil.localhost${port}`]) : undefined;
    const samePort = base && !otherHost && port ? matching([`${base.origin}0`, `${base.origin}1`]) : undefined;
    const attacker = otherHost ?? samePort;
    const severity: Severity = otherHost || !base ? 'high' : 'medium';
    findings.push({
      id: 'origin-regex-unanchored-end',
      severity,
      observed: [source],
      ...(attacker ? { attackerOrigin: attacker } : {}),
      text: `${severity}: the origin pattern ${code(source)} is not anchored with ${code('$')} at the end, so it also accepts ${attacker ? code(attacker) : 'origins that merely start with an allowed one'}${otherHost || !base ? ', and anyone can register such a host' : ''}`,
      anchor: SPEC.allowOrigin,
    });
  }
  if (!alts.every(anchoredAtStart)) {
    // `evil` + a two-label host is a new registrable domain (evilexample.com); longer hosts would stay under the victim's domain.
    const twoLabels = base !== null && base.hostname.split('.').length === 2;
    const attacker = base && twoLabels ? matching([`${base.protocol}//evil${base.hostname}${port}`]) : undefined;
    const severity: Severity = attacker ? 'high' : 'medium';
    findings.push({
      id: 'origin-regex-unanchored-start',
      severity,
      observed: [source],
      ...(attacker ? { attackerOrigin: attacker } : {}),
      text: `${severity}: the origin pattern ${code(source)} is not anchored with ${code('^')} at the start, so it also accepts ${attacker ? code(attacker) : 'origins that merely end with an allowed one'}`,
      anchor: SPEC.allowOrigin,
    });
  }
  if (hasLiteralLookingDot(source)) {
    let attacker: string | undefined;
    if (base) {
      // Replace one dot (not the one before the top-level domain) to get a look-alike registrable domain.
      const labels = base.hostname.split('.');
      const candidates: string[] = [];
      for (let i = 0; i < labels.length - 2; i++) {
        candidates.push(`${base.protocol}//${[...labels.slice(0, i), `${labels[i]}x${labels[i + 1]}`, ...labels.slice(i + 2)].join('.')}${port}`);
      }
      attacker = matching(candidates);
    }
    findings.push({
      id: 'origin-regex-unescaped-dot',
      severity: 'medium',
      observed: [source],
      ...(attacker ? { attackerOrigin: attacker } : {}),
      text: `medium: in the origin pattern ${code(source)} a ${code('.')} is not escaped, so it matches any character and the pattern also accepts ${attacker ? code(attacker) : 'look-alike hosts'}`,
      anchor: SPEC.allowOrigin,
    });
  }
  return findings;
}
