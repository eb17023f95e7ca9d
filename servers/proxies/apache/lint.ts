/**
 * What a scenario may write into an Apache httpd config. A snippet is
 * configuration by design, so it is not escaped: it is read line by line the
 * way httpd reads it (one directive or section tag per line, words split like
 * `ap_getword_conf`), and only directives that shape requests and responses
 * are allowed. Anything that reaches outside the lab (files, other hosts, the
 * process environment, modules, programs) or leaves the block the snippet was
 * given is refused before httpd ever sees it, with the line it is on.
 */

import type { LintProblem, ProxyLevel } from '../proxy.ts';

type ArgumentCheck = (args: string[]) => string | undefined;

/** Directives that change what a request or a response looks like, and nothing else; some with a check of their arguments. */
const DIRECTIVES: Record<string, ArgumentCheck | null> = {
  header: checkHeader,
  requestheader: checkHeader,
  setenvif: null,
  setenvifnocase: null,
  setenvifexpr: (args) => expressionProblem(args[0] ?? ''),
  browsermatch: null,
  browsermatchnocase: null,
  rewriteengine: null,
  rewriteoptions: null,
  rewritebase: null,
  rewritecond: checkRewriteCond,
  rewriterule: checkRewriteRule,
  require: checkRequire,
  errordocument: checkErrorDocument,
  // These only edit what crosses the hop (Location and cookie rewriting, error pages, Host, X-Forwarded-*); none opens a connection.
  proxypassreverse: null,
  proxypassreversecookiedomain: null,
  proxypassreversecookiepath: null,
  proxyerroroverride: null,
  proxypreservehost: null,
  proxyaddheaders: null,
};

/** Blocks a snippet may open (and must close); `<Location>` only outside the scenario's own. */
const SECTIONS: Record<string, { levels: readonly ProxyLevel[]; check?: ArgumentCheck }> = {
  if: { levels: ['http', 'server', 'location'], check: (args) => expressionProblem(args.join(' ')) },
  elseif: { levels: ['http', 'server', 'location'], check: (args) => expressionProblem(args.join(' ')) },
  else: { levels: ['http', 'server', 'location'] },
  ifmodule: { levels: ['http', 'server', 'location'] },
  ifversion: { levels: ['http', 'server', 'location'] },
  limit: { levels: ['location'] },
  limitexcept: { levels: ['location'] },
  requireall: { levels: ['location'] },
  requireany: { levels: ['location'] },
  requirenone: { levels: ['location'] },
  location: { levels: ['http', 'server'] },
  locationmatch: { levels: ['http', 'server'] },
};

/** Why some directives and sections are refused, for the message. */
const REFUSED: Record<string, string> = {
  include: 'it reads files from outside the scenario',
  includeoptional: 'it reads files from outside the scenario',
  loadmodule: 'it loads code into httpd',
  loadfile: 'it loads code into httpd',
  listen: 'the lab picks the ports',
  virtualhost: 'the lab sets up the virtual hosts',
  servername: 'the lab sets up the virtual hosts',
  serveralias: 'the lab sets up the virtual hosts',
  proxypass: 'the lab sets the upstream itself, so every request stays on loopback',
  proxypassmatch: 'the lab sets the upstream itself, so every request stays on loopback',
  proxyremote: 'it sends requests to another proxy',
  proxyremotematch: 'it sends requests to another proxy',
  proxy: 'the lab sets the upstream itself, so every request stays on loopback',
  proxymatch: 'the lab sets the upstream itself, so every request stays on loopback',
  proxyset: 'the lab sets the upstream itself',
  balancermember: 'it adds upstreams',
  rewritemap: 'it reads files or runs programs',
  documentroot: 'it serves files from the disk',
  alias: 'it serves files from the disk',
  aliasmatch: 'it serves files from the disk',
  scriptalias: 'it runs programs',
  scriptaliasmatch: 'it runs programs',
  action: 'it runs programs',
  sethandler: 'it hands requests to other handlers (files, CGI, status pages)',
  addhandler: 'it hands requests to other handlers (files, CGI, status pages)',
  directory: 'it is about files on the disk',
  directorymatch: 'it is about files on the disk',
  files: 'it is about files on the disk',
  filesmatch: 'it is about files on the disk',
  iffile: 'it looks at the disk',
  redirect: 'it can send the browser to another site; use `RewriteRule ^ /path [R=302,L]`',
  redirectmatch: 'it can send the browser to another site; use `RewriteRule ^ /path [R=302,L]`',
  redirectpermanent: 'it can send the browser to another site',
  redirecttemp: 'it can send the browser to another site',
  errorlog: 'it writes files',
  customlog: 'it writes files',
  transferlog: 'it writes files',
  logformat: 'the lab writes no access log',
  loglevel: 'the lab sets the error log',
  pidfile: 'the lab runs httpd',
  serverroot: 'the lab runs httpd',
  defaultruntimedir: 'the lab runs httpd',
  mutex: 'the lab runs httpd',
  user: 'the lab runs httpd',
  group: 'the lab runs httpd',
  define: 'config variables can read the environment of the lab',
  undefine: 'config variables can read the environment of the lab',
  passenv: 'it reads the environment of the lab',
  setenv: 'use `SetEnvIf` (mod_env is not loaded)',
  authuserfile: 'it reads a file from the disk',
  authgroupfile: 'it reads a file from the disk',
  authtype: 'authentication needs files; answer 401 with `RewriteRule ^ - [R=401,L]`',
  macro: 'macros are not needed in a scenario',
  use: 'macros are not needed in a scenario',
  allowoverride: 'it reads .htaccess files from the disk',
  accessfilename: 'it reads .htaccess files from the disk',
};

/** File tests in `RewriteCond` (CondPattern). */
const REWRITE_FILE_TESTS = new Set(['-d', '-f', '-F', '-h', '-l', '-L', '-s', '-U', '-x', '-H']);
const REQUIRE_PROVIDERS = new Set(['all', 'env', 'method', 'expr', 'ip', 'local']);

/**
 * What an ap_expr expression (`<If>`, `SetEnvIfExpr`, `Require expr`,
 * `expr=` in `Header`) may not do: read files (`file()`, `-f`), or the
 * environment httpd was started with (`env()` and `osenv()` fall back to it;
 * `reqenv()` does not).
 */
function expressionProblem(expression: string): string | undefined {
  const fn = /\b(file|filesize|filemod|osenv|env)\s*\(/i.exec(expression);
  if (fn) {
    return fn[1]!.toLowerCase().endsWith('env')
      ? `\`${fn[1]}()\` reads the environment of the process that runs httpd; use \`reqenv()\``
      : `\`${fn[1]}()\` reads the disk`;
  }
  const test = /(?:^|[\s(!])(-[defsLhxFUA])(?=[\s'"%(]|$)/.exec(expression);
  if (test) return `the \`${test[1]}\` test looks at the disk`;
  return undefined;
}

/** Response headers that send the browser on to another URL. */
const REDIRECTING_HEADERS = new Set(['location', 'refresh', 'content-location']);

function checkHeader(args: string[]): string | undefined {
  const [action = '', header = '', value = ''] = /^(always|onsuccess)$/i.test(args[0] ?? '') ? args.slice(1) : args;
  if (REDIRECTING_HEADERS.has(header.toLowerCase()) && !/^(unset|echo|note)$/i.test(action)) {
    // A redirect followed by the browser must stay in the lab: only a path on this host.
    if (!LOCAL_PATH.test(value) || /^edit/i.test(action)) return `a \`${header}\` header may only name a \`/path\` on this host`;
  }
  for (const arg of args) {
    if (arg.startsWith('expr=')) {
      const problem = expressionProblem(arg.slice('expr='.length));
      if (problem) return problem;
    }
  }
  return undefined;
}

function checkRewriteCond(args: string[]): string | undefined {
  const [testString, pattern = ''] = args;
  if (testString === 'expr') return expressionProblem(pattern);
  const test = pattern.replace(/^!/, '');
  if (REWRITE_FILE_TESTS.has(test)) return `the CondPattern \`${test}\` looks at the disk`;
  return undefined;
}

const STATUS_NAMES: Record<string, number> = { permanent: 301, temp: 302, seeother: 303 };

/**
 * A path on this host: `/` followed by something that cannot make it `//host`
 * or `/\host` (which browsers read as another host), not even once httpd has
 * put in a variable or a back-reference (`/%{HTTP:X}`, `/$1`, `/%1`).
 */
const LOCAL_PATH = /^\/(?![/\\$%])/;

/**
 * `[P]` proxies elsewhere; `[H]` hands the request to another handler. A
 * substitution is only allowed where httpd drops it (`-`, a non-3xx `R`, `F`,
 * `G`), or as a redirect that starts with `/`, which httpd turns into a URL on
 * this same host: anything else would map the request to a file on the disk
 * (in a server context) or to another URL.
 */
function checkRewriteRule(args: string[]): string | undefined {
  const [, substitution = '', flagText = ''] = args;
  const flags = flagText.startsWith('[') && flagText.endsWith(']') ? flagText.slice(1, -1).split(',').map((f) => f.trim()) : [];
  let redirectStatus: number | undefined;
  let dropped = false;
  for (const flag of flags) {
    const [rawName = '', value] = flag.split('=', 2);
    const name = rawName.toLowerCase();
    if (name === 'p' || name === 'proxy') return 'the `[P]` flag proxies to another server; the lab sets the upstream itself';
    if (name === 'h' || name === 'handler') return 'the `[H]` flag hands the request to another handler (files, CGI)';
    if (name === 'f' || name === 'forbidden' || name === 'g' || name === 'gone') dropped = true;
    if (name === 'r' || name === 'redirect') {
      redirectStatus = value === undefined ? 302 : (STATUS_NAMES[value.toLowerCase()] ?? Number(value));
    }
  }
  if (redirectStatus !== undefined && (redirectStatus < 300 || redirectStatus > 399)) dropped = true;
  if (substitution === '-' || dropped) return undefined;
  if (redirectStatus !== undefined) {
    return LOCAL_PATH.test(substitution)
      ? undefined
      : 'a redirect must stay on this host: start its substitution with `/` (no scheme, no host)';
  }
  return 'rewrite the response, not the URL: the substitution must be `-` (or a redirect to a `/path` on this host, or an `[R=204]`-like status that drops it); a path would be served from the disk';
}

function checkRequire(args: string[]): string | undefined {
  const rest = args[0]?.toLowerCase() === 'not' ? args.slice(1) : args;
  const provider = rest[0]?.toLowerCase() ?? '';
  if (provider === 'expr') return expressionProblem(rest.slice(1).join(' '));
  if (REQUIRE_PROVIDERS.has(provider)) return undefined;
  if (provider === 'host' || provider === 'forward-dns') return `\`Require ${provider}\` looks names up in DNS`;
  return `\`Require ${provider}\` is not available in the lab (allowed: ${[...REQUIRE_PROVIDERS].join(', ')})`;
}

function checkErrorDocument(args: string[]): string | undefined {
  const document = args[1] ?? '';
  return /^[a-z][a-z0-9+.-]*:/i.test(document) ? 'an ErrorDocument with a URL sends the browser to another site; give a text or a `/path`' : undefined;
}

/** The words of a line as httpd splits them: whitespace-separated, `"..."` or `'...'` quoted, a backslash only escaping the quote. */
export function splitWords(text: string): { words: string[]; unclosedQuote?: string } {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      let j = i + 1;
      let word = '';
      while (j < text.length && text[j] !== quote) {
        if (text[j] === '\\' && text[j + 1] === quote) j++;
        word += text[j];
        j++;
      }
      words.push(word);
      if (j >= text.length) return { words, unclosedQuote: quote };
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/\s/.test(text[j]!)) j++;
      words.push(text.slice(i, j));
      i = j;
    }
  }
  return { words };
}

const LEVEL_NAMES: Record<ProxyLevel, string> = { http: 'main server config', server: '<VirtualHost>', location: '<Location>' };

/** Why a section a snippet opens at `level`, inside the blocks it already opened, is refused. */
function sectionProblem(name: string, argText: string, level: ProxyLevel, outer: { name: string }[]): string | undefined {
  const key = name.toLowerCase();
  const section = SECTIONS[key];
  if (!section) {
    const why = REFUSED[key];
    return why ? `\`<${name}>\` is not allowed in a scenario: ${why}` : `\`<${name}>\` is not a section a scenario may use (allowed: ${Object.keys(SECTIONS).map((s) => `<${directiveLabel(s)}>`).join(', ')})`;
  }
  if ((key === 'location' || key === 'locationmatch') && (outer.length > 0 || level === 'location')) {
    return `\`<${name}>\` cannot be nested in the ${outer.length > 0 ? `\`<${outer.at(-1)!.name}>\`` : LEVEL_NAMES[level]}; give it at the server level`;
  }
  // Inside another block (an <If>, a <Location>) httpd is in a per-directory context, as in the scenario's <Location>.
  if (!section.levels.includes(level) && outer.length === 0) {
    return `\`<${name}>\` only goes in a ${section.levels.map((l) => LEVEL_NAMES[l]).join(' or ')} or a block inside one`;
  }
  const { words, unclosedQuote } = splitWords(argText);
  if (unclosedQuote) return `a quote (${unclosedQuote}) is never closed`;
  const why = section.check?.(words);
  return why ? `\`<${name}>\` is not allowed here: ${why}` : undefined;
}

/** Problems with a snippet given at `level` (`http`: the main server config, `server`: the <VirtualHost>, `location`: the scenario's <Location>); an empty list means it may go into the config. */
export function lintSnippet(snippet: string, level: ProxyLevel): LintProblem[] {
  const problems: LintProblem[] = [];
  const open: { name: string; line: number }[] = [];
  const lines = snippet.replace(/\n$/, '').split('\n');
  lines.forEach((text, line) => {
    const problem = (message: string) => problems.push({ line, message });
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return problem('a control character (such as a carriage return) is not allowed');
    // httpd joins a line that ends in a backslash with the next one, which could swallow the lab's own next line.
    if (/\\\s*$/.test(text)) return problem('a line may not end in `\\`: httpd would join it with the next line, which may not be the snippet\'s');
    // `${NAME}` is replaced when httpd reads the config, from its defines and then from its environment.
    if (text.includes('${')) return problem('`${...}` is not allowed: httpd replaces it with a variable of its own environment when it reads the config');
    // mod_rewrite's %{ENV:...} and ap_expr's %{env:...} fall back to the environment httpd was started with; %{osenv:...} reads it, %{file:...} reads a file.
    const lookup = /%\{\s*(env|osenv|file|filesize|filemod)\s*:/i.exec(text);
    if (lookup) {
      return problem(
        lookup[1]!.toLowerCase().endsWith('env')
          ? `\`%{${lookup[1]}:...}\` is not allowed: it reads the environment of the process that runs httpd; set and test variables with SetEnvIf and \`[E=...]\``
          : `\`%{${lookup[1]}:...}\` is not allowed: it reads the disk`,
      );
    }
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;

    if (trimmed.startsWith('</')) {
      const name = /^<\/([^\s>]*)\s*>$/.exec(trimmed)?.[1];
      if (name === undefined) return problem(`\`${trimmed}\` is not a closing tag httpd understands`);
      const top = open.at(-1);
      if (!top) return problem(`\`</${name}>\` closes a block the snippet did not open: a snippet cannot leave the ${LEVEL_NAMES[level]} it is given`);
      if (top.name.toLowerCase() !== name.toLowerCase()) return problem(`\`</${name}>\` does not close \`<${top.name}>\` (line ${top.line + 1} of the snippet)`);
      open.pop();
      return;
    }

    if (trimmed.startsWith('<')) {
      // httpd takes everything up to the line's last `>` as the section's arguments.
      const match = /^<([A-Za-z]+)(.*)>$/.exec(trimmed);
      if (!match || match[2]!.includes('</')) return problem(`\`${trimmed}\`: a section tag must stand alone on its line, like \`<If "expression">\``);
      const name = match[1]!;
      // Pushed even when refused, so that its closing tag is not reported a second time.
      open.push({ name, line });
      const why = sectionProblem(name, match[2]!, level, open.slice(0, -1));
      if (why) problem(why);
      return;
    }

    const { words, unclosedQuote } = splitWords(trimmed);
    if (unclosedQuote) return problem(`a quote (${unclosedQuote}) is never closed`);
    const [name = '', ...args] = words;
    const key = name.toLowerCase();
    if (!(key in DIRECTIVES)) {
      const why = REFUSED[key];
      return problem(
        why
          ? `\`${name}\` is not allowed in a scenario: ${why}`
          : `\`${name}\` is not a directive a scenario may use (allowed: ${Object.keys(DIRECTIVES).map(directiveLabel).join(', ')})`,
      );
    }
    const why = DIRECTIVES[key]?.(args);
    if (why) problem(`\`${name}\` is not allowed here: ${why}`);
  });
  for (const block of open) problems.push({ line: block.line, message: `\`<${block.name}>\` is never closed` });
  return problems;
}

const LABELS: Record<string, string> = {
  requestheader: 'RequestHeader',
  setenvif: 'SetEnvIf',
  setenvifnocase: 'SetEnvIfNoCase',
  setenvifexpr: 'SetEnvIfExpr',
  browsermatch: 'BrowserMatch',
  browsermatchnocase: 'BrowserMatchNoCase',
  rewriteengine: 'RewriteEngine',
  rewriteoptions: 'RewriteOptions',
  rewritebase: 'RewriteBase',
  rewritecond: 'RewriteCond',
  rewriterule: 'RewriteRule',
  errordocument: 'ErrorDocument',
  proxypassreverse: 'ProxyPassReverse',
  proxypassreversecookiedomain: 'ProxyPassReverseCookieDomain',
  proxypassreversecookiepath: 'ProxyPassReverseCookiePath',
  proxyerroroverride: 'ProxyErrorOverride',
  proxypreservehost: 'ProxyPreserveHost',
  proxyaddheaders: 'ProxyAddHeaders',
  elseif: 'ElseIf',
  ifmodule: 'IfModule',
  ifversion: 'IfVersion',
  limitexcept: 'LimitExcept',
  requireall: 'RequireAll',
  requireany: 'RequireAny',
  requirenone: 'RequireNone',
  locationmatch: 'LocationMatch',
};

function directiveLabel(key: string): string {
  return LABELS[key] ?? key[0]!.toUpperCase() + key.slice(1);
}
