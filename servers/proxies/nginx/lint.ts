/**
 * What a scenario may write into an nginx config. A snippet is configuration
 * by design, so it is not escaped: it is read statement by statement, and
 * only directives that shape requests and responses are allowed. Anything
 * that reaches outside the lab (files, other ports, modules, scripts) or
 * leaves the block the snippet was given is refused before nginx ever sees
 * it, with the line it is on.
 */

import { SAMPLE_ORIGINS, staysInLab, type OriginTable } from '../../../harness/core/origins.ts';
import type { LintProblem, ProxyLevel } from '../proxy.ts';

/** Directives that change what a request or a response looks like, and nothing else. */
const RESPONSE_SHAPING = [
  'add_header',
  'if',
  'return',
  'set',
  'rewrite',
  'break',
  'error_page',
  'expires',
  'default_type',
  'add_trailer',
  'proxy_hide_header',
  'proxy_pass_header',
  'proxy_set_header',
  'proxy_method',
  'proxy_pass_request_headers',
  'proxy_intercept_errors',
  'proxy_ignore_headers',
  'proxy_http_version',
  'proxy_buffering',
  'proxy_cache',
  'proxy_cache_key',
  'proxy_cache_valid',
  'proxy_cache_methods',
  'proxy_cache_min_uses',
  'proxy_cache_bypass',
  'proxy_no_cache',
  'proxy_cache_lock',
  'limit_except',
  'allow',
  'deny',
  'satisfy',
  'internal',
  'location',
];

const ALLOWED: Record<ProxyLevel, ReadonlySet<string>> = {
  // `map` must sit at the http level; its body is data, not directives.
  http: new Set(['map', 'add_header', 'proxy_hide_header', 'proxy_pass_header', 'proxy_set_header', 'proxy_cache_key', 'proxy_cache_valid', 'proxy_ignore_headers', 'proxy_intercept_errors']),
  server: new Set(RESPONSE_SHAPING),
  location: new Set(RESPONSE_SHAPING),
};

/** Why some directives are refused, for the message. */
const REFUSED: Record<string, string> = {
  include: 'it reads files from outside the scenario',
  load_module: 'it loads code into nginx',
  proxy_pass: 'the lab sets the upstream itself, so every request stays on loopback',
  listen: 'the lab picks the ports',
  server_name: 'the lab sets up the servers',
  root: 'it serves files from the disk',
  alias: 'it serves files from the disk',
  auth_basic_user_file: 'it reads a file from the disk',
  access_log: 'it writes files',
  error_log: 'it writes files',
  proxy_cache_path: 'it writes files; use `proxy_cache corslab;`, a zone the lab provides',
  resolver: 'it contacts a DNS server',
};

/** A token of an nginx config as nginx reads it, with its 0-based line and its offsets in the text (a user's whole nginx.conf is rewritten in place by them, own-conf.ts). */
export interface Token {
  text: string;
  line: number;
  kind: 'word' | 'open' | 'close' | 'end';
  start: number;
  end: number;
}

export function tokenize(snippet: string, problems: LintProblem[]): Token[] {
  const tokens: Token[] = [];
  let line = 0;
  let i = 0;
  while (i < snippet.length) {
    const c = snippet[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < snippet.length && snippet[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push({ text: c, line, kind: c === '{' ? 'open' : c === '}' ? 'close' : 'end', start: i, end: i + 1 });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let j = i + 1;
      while (j < snippet.length && snippet[j] !== c) {
        if (snippet[j] === '\\') j++;
        else if (snippet[j] === '\n') line++;
        j++;
      }
      if (j >= snippet.length) problems.push({ line: start, message: `a quote (${c}) is never closed` });
      tokens.push({ text: snippet.slice(i, j + 1), line: start, kind: 'word', start: i, end: Math.min(j + 1, snippet.length) });
      i = j + 1;
    } else {
      // A word as nginx reads it (ngx_conf_read_token): it ends only at white space, `;` or `{`
      // (not `${`); inside it `#`, quotes and `}` are ordinary characters and `\` escapes the next one.
      let j = i;
      while (j < snippet.length && !/[\s;{]/.test(snippet[j]!)) {
        if (snippet[j] === '\\') j++;
        else if (snippet[j] === '$' && snippet[j + 1] === '{') j++;
        j++;
      }
      tokens.push({ text: snippet.slice(i, j), line, kind: 'word', start: i, end: j });
      i = j;
    }
  }
  return tokens;
}

/** Problems with a snippet given at `level`; an empty list means it may go into the config. */
export function lintSnippet(snippet: string, level: ProxyLevel, origins?: OriginTable): LintProblem[] {
  const problems: LintProblem[] = [];
  const tokens = tokenize(snippet, problems);
  // Each open block: is its body directives, or data (the body of a map)?
  const blocks: ('directives' | 'data')[] = [];
  let atStatementStart = true;
  let current: string | undefined;
  let statement: Token[] = [];
  const endStatement = () => {
    if (statement.length > 0 && blocks.at(-1) !== 'data') problems.push(...redirectProblems(statement, origins));
    statement = [];
  };
  for (const token of tokens) {
    if (token.kind !== 'word') endStatement();
    else statement.push(token);
    if (token.kind === 'close') {
      if (blocks.length === 0) {
        problems.push({ line: token.line, message: 'a `}` closes a block the snippet did not open: a snippet cannot leave the block it is given' });
        break;
      }
      blocks.pop();
      atStatementStart = true;
      continue;
    }
    if (token.kind === 'end') {
      atStatementStart = true;
      continue;
    }
    if (token.kind === 'open') {
      blocks.push(current === 'map' || blocks.at(-1) === 'data' ? 'data' : 'directives');
      atStatementStart = true;
      continue;
    }
    if (!atStatementStart) continue;
    atStatementStart = false;
    current = token.text;
    if (blocks.at(-1) === 'data') {
      // A map's body is data, but nginx reads `include` there as a directive (ngx_http_map_handler).
      if (token.text.toLowerCase() === 'include') problems.push({ line: token.line, message: `\`include\` is not allowed in a scenario: ${REFUSED.include}` });
      continue;
    }
    const name = token.text.toLowerCase();
    const allowed = blocks.length === 0 ? ALLOWED[level] : ALLOWED[level === 'http' ? 'location' : level];
    if (!allowed.has(name)) {
      const why = REFUSED[name];
      problems.push({
        line: token.line,
        message: why
          ? `\`${token.text}\` is not allowed in a scenario: ${why}`
          : `\`${token.text}\` is not a directive a scenario may use at the ${level} level (allowed: ${[...ALLOWED[level]].join(', ')})`,
      });
    }
  }
  endStatement();
  if (blocks.length > 0) problems.push({ line: tokens.at(-1)?.line ?? 0, message: 'a `{` is never closed' });
  return problems;
}

/** The status codes with which `return code URL` redirects (https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return). */
const REDIRECT_CODES = new Set(['301', '302', '303', '307', '308']);

/**
 * A redirect a snippet makes nginx send (`return 302 URL`, `return URL`,
 * `rewrite … URL`) is followed by the browser, so it must lead back into the
 * lab: a path, or the request's own scheme and host, or a lab placeholder.
 */
function redirectProblems(statement: readonly Token[], origins: OriginTable | undefined): LintProblem[] {
  const [name, ...args] = statement.map((t) => unquote(t.text));
  let target: string | undefined;
  // A Location or Refresh header that a snippet adds redirects the browser as well as `return` does.
  if (name?.toLowerCase() === 'add_header' && /^(location|content-location|refresh)$/i.test(args[0] ?? '')) {
    target = /^refresh$/i.test(args[0]!) ? (args[1] ?? '').replace(/^\s*\d+\s*;?\s*(url=)?/i, '') : args[1];
    if (target === undefined || target === '' || redirectStaysInLab(target, false, origins)) return [];
    return [{ line: statement[0]!.line, message: `\`add_header ${args[0]}\` to \`${target}\` may lead the browser out of the lab: name a path (/…), $scheme://$host/…, or {api}, {apiOrigin}, {app} or {evil}` }];
  }
  if (name?.toLowerCase() === 'return') target = args.length === 1 && !/^\d+$/.test(args[0]!) ? args[0] : REDIRECT_CODES.has(args[0] ?? '') ? args[1] : undefined;
  else if (name?.toLowerCase() === 'rewrite') target = args[1];
  if (target === undefined || redirectStaysInLab(target, name!.toLowerCase() === 'rewrite', origins)) return [];
  return [{ line: statement[0]!.line, message: `\`${name}\` to \`${target}\` may lead the browser out of the lab: redirect to a path (/…), to $scheme://$host/…, or to {api}, {apiOrigin}, {app}, {evil} or an origin the scenario declares` }];
}

function redirectStaysInLab(target: string, isRewrite: boolean, origins: OriginTable | undefined): boolean {
  // A rewrite's replacement that is no URL is a path rewrite inside nginx, not a redirect.
  if (isRewrite && !/^(https?:|\$scheme|\{)/i.test(target)) return true;
  // The request's own scheme and host name the lab's API; any other variable could be anything,
  // so it may only stand inside a path that has already begun (`/x$uri`, never `$x` or `/$x`).
  const known = target.replace(/\$\{?scheme\}?/g, 'http').replace(/\$\{?(http_host|host)\}?/g, new URL(SAMPLE_ORIGINS.apiOrigin!).host);
  if (known.includes('$') && !/^\/[^/\\$]/.test(known.replace(/^https?:\/\/[^/]*/, '/x'))) return false;
  return staysInLab(known, origins);
}

export function unquote(text: string): string {
  return /^(["']).*\1$/s.test(text) ? text.slice(1, -1) : text;
}
