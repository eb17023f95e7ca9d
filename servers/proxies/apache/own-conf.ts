import path from 'node:path';
import { splitWords } from './lint.ts';
import type { LintProblem } from '../proxy.ts';

/**
 * A user's whole httpd.conf (`server.apache.conf: ./httpd.conf`), run as it
 * is but for what the lab must own. Read as httpd reads it: one directive or
 * section tag per logical line, a line ending in `\` joined with the next,
 * `#` a comment only at a line's start, words split like ap_getword_conf
 * (the snippet lint's splitWords). Pure: the file's text in, the text to
 * run, what was rewritten and what is refused out.
 *
 * Rewritten (the whole logical line, its other physical lines left empty so
 * every line keeps its number):
 * - the first `Listen` to `Listen 127.0.0.1:<the lab's port>` (the others
 *   commented out: httpd cannot bind one address twice), every
 *   `<VirtualHost ...>` to `<VirtualHost 127.0.0.1:<port>>`;
 * - every upstream: the URL of `ProxyPass`, `ProxyPassMatch`,
 *   `ProxyPassReverse` and `BalancerMember` to the lab's app
 *   (`http://127.0.0.1:<port>`), its path kept (`balancer://` names and `!` stay);
 * - what httpd writes into the run's folder: `ServerRoot`, `PidFile`,
 *   `ErrorLog`, `CustomLog`, `TransferLog`, `DefaultRuntimeDir`, `Mutex file:`;
 * - a `DocumentRoot` outside the conf's folder to an empty folder of the run's;
 * - `LoadModule` to the module of that file name in the system's module
 *   folder (the lab's httpd), `Include` of a file in the conf's folder made absolute;
 * - `SSL*` lines dropped: the lab's mapping proxy speaks TLS.
 * Refused, with the line: a piped or syslog log (it runs a program or
 * reaches another host), `ProxyRemote*`, a `RewriteRule` with `[P]`,
 * `RewriteMap prg:`, `ScriptAlias`, `LoadFile`, `ExtFilterDefine`,
 * `Include` or `Alias` outside the conf's folder, a `LoadModule` whose file
 * the system's module folder does not have.
 */

export interface ApacheConfTarget {
  listenPort: number;
  upstreamPort: number;
  dir: string;
  confDir: string;
  /** The lab's httpd modules folder (Debian: /usr/lib/apache2/modules). */
  modulesDir: string;
  /** The module files in it: a LoadModule of another file is commented out (such a module is built into the lab's httpd, or missing, which httpd -t then says at the line that needs it). Default: every file. */
  moduleFiles?: ReadonlySet<string>;
  /** httpd starts as root and can switch to the file's `User`/`Group`. Not so confined (servers/runtimes/local/confine.ts), where those lines are commented out. Default: true. */
  asRoot?: boolean;
}

const REFUSED: Record<string, string> = {
  proxyremote: 'it sends requests through another proxy',
  proxyremotematch: 'it sends requests through another proxy',
  scriptalias: 'it runs programs',
  scriptaliasmatch: 'it runs programs',
  loadfile: 'it loads code into httpd',
  extfilterdefine: 'it runs programs',
  action: 'it runs programs',
};

const LOGS = new Set(['pidfile', 'errorlog', 'customlog', 'transferlog', 'defaultruntimedir', 'serverroot', 'scriptlog']);
const UPSTREAMS = new Set(['proxypass', 'proxypassmatch', 'proxypassreverse', 'balancermember']);

function inside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const q = (value: string) => (/[\s"]/.test(value) || value === '' ? `"${value.replaceAll('"', '\\"')}"` : value);

/** An upstream URL pointed at the lab's app: scheme and authority replaced, the path kept; undefined when it is no URL to a host. */
function labUrl(url: string, port: number): string | undefined {
  const match = /^(?:https?|h2c?|unix:[^|]*\|https?):\/\/([^/]*)(.*)$/i.exec(url);
  if (!match || match[1]!.includes('$')) return undefined;
  return `http://127.0.0.1:${port}${match[2]}`;
}

export function rewriteApacheConf(text: string, target: ApacheConfTarget): { text: string; rewrites: { line: number; old: string; new: string }[]; problems: LintProblem[]; includes: { line: number; file: string }[] } {
  const includes: { line: number; file: string }[] = [];
  const physical = text.split('\n');
  const out = [...physical];
  const problems: LintProblem[] = [];
  const rewrites: { line: number; old: string; new: string }[] = [];
  let listened = false;
  for (let first = 0; first < physical.length; first++) {
    // A logical line: physical lines joined while one ends in a backslash.
    let last = first;
    let logical = physical[first]!;
    while (/\\$/.test(logical) && last + 1 < physical.length) {
      last++;
      logical = `${logical.slice(0, -1)} ${physical[last]!}`;
    }
    const indent = /^\s*/.exec(physical[first]!)![0];
    const trimmed = logical.trim();
    const at = first;
    const end = last;
    first = last;
    const refuse = (why: string) => problems.push({ line: at, message: why });
    const replace = (newText: string) => {
      out[at] = `${indent}${newText}`;
      for (let i = at + 1; i <= end; i++) out[i] = '';
      rewrites.push({ line: at + 1, old: trimmed, new: newText });
    };
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('</')) continue;
    if (trimmed.startsWith('<')) {
      const match = /^<([A-Za-z]+)(.*)>$/.exec(trimmed);
      if (match && match[1]!.toLowerCase() === 'virtualhost') replace(`<VirtualHost 127.0.0.1:${target.listenPort}>`);
      continue;
    }
    const { words, unclosedQuote } = splitWords(trimmed);
    if (unclosedQuote) {
      problems.push({ line: at, message: `a quote (${unclosedQuote}) is never closed` });
      continue;
    }
    const [name = '', ...args] = words;
    const key = name.toLowerCase();
    const absolute = (p: string) => path.resolve(target.confDir, p);
    if (REFUSED[key]) refuse(`\`${name}\` is refused: ${REFUSED[key]}`);
    else if ((key === 'user' || key === 'group') && target.asRoot === false) replace(`# (corslab: httpd runs unprivileged in the lab's sandbox, so it switches to no ${key})`);
    else if (key === 'listen') {
      replace(listened ? "# (corslab: the lab's Listen is the first one)" : `Listen 127.0.0.1:${target.listenPort}`);
      listened = true;
    } else if (UPSTREAMS.has(key)) {
      // ProxyPass path url [key=value...]; BalancerMember url [key=value...]; inside <Location>, ProxyPass url.
      const urlAt = key === 'balancermember' ? 0 : args.findIndex((a) => a.includes('://') || a === '!');
      const url = args[urlAt];
      if (url === undefined || url === '!' || /^balancer:\/\//i.test(url)) continue;
      const lab = labUrl(url, target.upstreamPort);
      if (!lab) refuse(`\`${name} ${url}\` is no upstream the lab can point at its app: name a host and port, without variables`);
      else replace([name, ...args.map((a, i) => (i === urlAt ? lab : a))].map(q).join(' '));
    } else if (LOGS.has(key)) {
      const value = args[0] ?? '';
      if (value.startsWith('|')) refuse(`\`${name}\` is refused: a piped log runs a program`);
      else if (/^syslog/i.test(value)) refuse(`\`${name}\` is refused: a log to syslog may be sent to another server`);
      else replace([name, key === 'serverroot' || key === 'defaultruntimedir' ? target.dir : path.join(target.dir, `own-${path.basename(value) || key}`), ...args.slice(1)].map(q).join(' '));
    } else if (key === 'mutex' && /^file:/i.test(args[0] ?? '')) {
      replace(['Mutex', `file:${target.dir}`, ...args.slice(1)].map(q).join(' '));
    } else if (key === 'documentroot') {
      if (!inside(target.confDir, absolute(args[0] ?? ''))) replace(`DocumentRoot ${q(path.join(target.dir, 'htdocs'))}`);
      else if (!path.isAbsolute(args[0] ?? '')) replace(`DocumentRoot ${q(absolute(args[0]!))}`);
    } else if (key === 'include' || key === 'includeoptional' || key === 'alias' || key === 'aliasmatch') {
      const file = args[key.startsWith('alias') ? 1 : 0] ?? '';
      if (file.includes('${') || !inside(target.confDir, absolute(file))) refuse(`\`${name} ${file}\` is outside the conf's folder ${target.confDir}`);
      else if (key.startsWith('include') && /[*?[]/.test(file)) refuse(`\`${name} ${file}\`: an include with a wildcard names files the lab cannot check one by one; name each file`);
      else {
        if (key.startsWith('include')) includes.push({ line: at, file: absolute(file) });
        if (!path.isAbsolute(file)) replace([name, ...args.map((a) => (a === file ? absolute(file) : a))].map(q).join(' '));
      }
    } else if (key === 'loadmodule') {
      const file = path.basename(args[1] ?? '');
      if (!/^mod_[a-z0-9_]+\.so$/.test(file)) refuse(`\`LoadModule ${args[1] ?? ''}\` is not a module of the system's module folder ${target.modulesDir}`);
      else if (target.moduleFiles && !target.moduleFiles.has(file)) replace(`# (corslab: ${file} is not in ${target.modulesDir}: built into this httpd, or missing)`);
      else replace(`LoadModule ${args[0]} ${q(path.join(target.modulesDir, file))}`);
    } else if (key === 'rewriterule' && /\[[^\]]*\bP\b/i.test(args.slice(2).join(' '))) {
      refuse('a `RewriteRule` with `[P]` proxies to any host it names; use ProxyPass');
    } else if (key === 'rewritemap' && /^prg:/i.test(args[1] ?? '')) {
      refuse('`RewriteMap prg:` runs a program');
    } else if (key.startsWith('ssl')) {
      replace(`# (corslab: ${name} is the lab's: its mapping proxy speaks TLS for the declared origin)`);
    }
  }
  return { text: out.join('\n'), rewrites, problems, includes };
}
