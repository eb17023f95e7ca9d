import path from 'node:path';
import { tokenize, unquote, type Token } from './lint.ts';
import type { LintProblem } from '../proxy.ts';

/**
 * A user's whole nginx.conf (`server.nginx.conf: ./nginx.conf`), run as it
 * is but for what the lab must own, read with the snippet lint's tokenizer
 * (nginx's own rules: quotes, `\` escapes, `#` a comment only at a token's
 * start). Pure: the file's text in, the text to run, what was rewritten and
 * what is refused out.
 *
 * Rewritten, each recorded with its line, old and new:
 * - every `listen` to `listen 127.0.0.1:<the lab's port>;` (TLS is the lab's
 *   mapping proxy's, so `ssl_certificate*` and `ssl_certificate_key` go too);
 * - every upstream: `proxy_pass` to a host and port, and each `server` of an
 *   `upstream { }` block, to the lab's app (127.0.0.1:<port>), the URI kept;
 * - paths nginx writes (`pid`, `error_log`, `access_log`, `*_temp_path`,
 *   `proxy_cache_path`) into the run's folder, by their file name;
 * - `include` of a file in the conf's folder, `root`/`alias` inside it: made
 *   absolute (nginx would read them relative to the lab's folder);
 * - `daemon` and `master_process`: the lab runs nginx in the foreground.
 * Refused, with the line: anything that reaches another host or runs other
 * code (`resolver`, a `proxy_pass` with variables or to an upstream name no
 * block defines, `fastcgi_pass` and the other non-HTTP upstreams, `stream`,
 * `mail`, `perl_*`, `js_*`), `include`, `root` or `alias` outside the conf's
 * folder, `load_module` from anywhere but the system's module folders, a
 * log to syslog, and `proxy_store`.
 */

export interface ConfRewrite {
  /** 1-based line in the user's file. */
  line: number;
  old: string;
  new: string;
}

export interface OwnConfTarget {
  /** The port nginx listens on (the lab's recorder sends to it). */
  listenPort: number;
  /** The lab's app (its hop recorder) every upstream goes to. */
  upstreamPort: number;
  /** The run's folder for this nginx: pid, logs, temp files. */
  dir: string;
  /** The folder of the user's conf file: includes, root and alias must stay in it. */
  confDir: string;
}

export interface OwnConf {
  /** The text to run: the user's, with the rewrites, line for line (a rewritten statement keeps its line breaks). */
  text: string;
  rewrites: ConfRewrite[];
  /** Refusals; `line` is 0-based, as the lint's. */
  problems: LintProblem[];
  /** The files it includes (absolute, in the conf's folder), each at its 0-based line: the loader checks that they need nothing rewritten. */
  includes: { line: number; file: string }[];
  /**
   * What the file does not set but nginx would otherwise write where it was
   * built to (/run/nginx.pid, /var/lib/nginx/*, /var/log/nginx/access.log):
   * directives the lab adds at the top (`main`) and inside the `http` block
   * (after the 0-based line `httpLine` its `{` is on), in the run's folder.
   */
  added: { main: string[]; http: string[]; httpLine?: number };
}

/** Where Debian and the official images keep nginx's dynamic modules: the only place `load_module` may load from. */
export const SYSTEM_MODULE_DIRS = ['/usr/lib/nginx/modules', '/usr/share/nginx/modules', '/etc/nginx/modules'];

const REFUSED: Record<string, string> = {
  resolver: 'it contacts a DNS server',
  fastcgi_pass: 'it sends requests to another server, which the lab cannot put behind its recorder',
  uwsgi_pass: 'it sends requests to another server, which the lab cannot put behind its recorder',
  scgi_pass: 'it sends requests to another server, which the lab cannot put behind its recorder',
  grpc_pass: 'it sends requests to another server, which the lab cannot put behind its recorder',
  memcached_pass: 'it sends requests to another server, which the lab cannot put behind its recorder',
  stream: 'it proxies other ports and hosts',
  mail: 'it proxies mail to other hosts',
  proxy_store: 'it writes responses to the disk',
  auth_basic_user_file: 'it reads a file the lab cannot check',
};

/** What nginx writes below `http` when the config does not say where (the built-in paths, outside the run's folder). */
const HTTP_DEFAULT_PATHS = ['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path', 'access_log'];

const WRITES_PATH = new Set(['pid', 'error_log', 'access_log', 'client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path', 'proxy_cache_path']);
const DROPPED = new Set(['daemon', 'master_process', 'ssl_certificate', 'ssl_certificate_key', 'ssl_trusted_certificate', 'ssl_client_certificate', 'ssl_dhparam', 'ssl_stapling_file', 'ssl_password_file']);

interface Statement {
  words: Token[];
  /** The `;` or `{` that ends it. */
  end: Token;
  /** The enclosing blocks' names, outermost first. */
  blocks: string[];
  /** Which block it is in (the index of the statement that opened it; -1 at the top). */
  block: number;
}

function statements(tokens: Token[]): Statement[] {
  const out: Statement[] = [];
  const blocks: string[] = [];
  const ids: number[] = [];
  let words: Token[] = [];
  for (const token of tokens) {
    if (token.kind === 'word') {
      words.push(token);
      continue;
    }
    if (token.kind === 'close') {
      blocks.pop();
      ids.pop();
      words = [];
      continue;
    }
    if (words.length > 0) out.push({ words, end: token, blocks: [...blocks], block: ids.at(-1) ?? -1 });
    if (token.kind === 'open') {
      blocks.push(words[0] ? unquote(words[0].text).toLowerCase() : '');
      ids.push(out.length - 1);
    }
    words = [];
  }
  return out;
}

/** `host:port`, `host`, `[::1]:port` or `unix:/path` as nginx reads an upstream address; undefined when it has a variable. */
function isPlainAddress(address: string): boolean {
  return !address.includes('$');
}

function inside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function rewriteNginxConf(text: string, target: OwnConfTarget): OwnConf {
  const problems: LintProblem[] = [];
  const tokens = tokenize(text, problems);
  const all = statements(tokens);
  const upstreamNames = new Set(all.filter((s) => unquote(s.words[0]!.text).toLowerCase() === 'upstream' && s.end.kind === 'open').map((s) => unquote(s.words[1]?.text ?? '')));
  const edits: { start: number; end: number; text: string; line: number }[] = [];
  const lab = `127.0.0.1:${target.upstreamPort}`;
  const replace = (s: Statement, statementText: string) => {
    const start = s.words[0]!.start;
    const end = s.end.end;
    // Keep the line breaks, so every line after it keeps its number (nginx -t names lines of the user's file).
    const breaks = text.slice(start, end).split('\n').length - 1;
    edits.push({ start, end, text: statementText + '\n'.repeat(breaks), line: s.words[0]!.line });
  };
  const replaceWord = (word: Token, newText: string) => edits.push({ start: word.start, end: word.end, text: newText, line: word.line });
  const refuse = (s: Statement, why: string) => problems.push({ line: s.words[0]!.line, message: `\`${s.words[0]!.text}\` is refused: ${why}` });
  const absoluteIn = (word: Token): string => path.resolve(target.confDir, unquote(word.text));

  const listened = new Set<number>();
  const includes: { line: number; file: string }[] = [];
  for (const s of all) {
    const name = unquote(s.words[0]!.text).toLowerCase();
    const args = s.words.slice(1);
    const inUpstream = s.blocks.at(-1) === 'upstream';
    if (REFUSED[name]) refuse(s, REFUSED[name]!);
    else if (name.startsWith('perl') || name.startsWith('js_')) refuse(s, 'it runs code the lab cannot check');
    else if (name === 'listen') {
      // One listen per server block: nginx refuses the same address twice in one server (`listen 80; listen [::]:80;`).
      if (listened.has(s.block)) replace(s, "# (corslab: the server's other listen is the lab's port)");
      else replace(s, `listen 127.0.0.1:${target.listenPort};`);
      listened.add(s.block);
    }
    else if (DROPPED.has(name)) replace(s, `# (corslab: ${name} is the lab's: ${name.startsWith('ssl') ? "the lab's mapping proxy speaks TLS for the declared origin" : 'nginx runs in the foreground'})`);
    else if (inUpstream && name === 'server') {
      const address = unquote(args[0]?.text ?? '');
      if (!isPlainAddress(address)) refuse(s, 'an upstream server with a variable could be any host');
      else replace(s, `server ${lab};`);
    } else if (inUpstream && (name === 'resolve' || name === 'zone')) {
      // `zone` is shared memory, harmless; `resolve` is a server parameter, never a statement.
    } else if (name === 'proxy_pass') {
      const url = unquote(args[0]?.text ?? '');
      const match = /^(https?):\/\/([^/]+)(.*)$/i.exec(url);
      if (!match || match[2]!.includes('$')) refuse(s, `\`${url}\` is no upstream the lab can point at its app: name a host and port or an upstream block, without variables`);
      else if (/^unix:/i.test(match[2]!) || !upstreamNames.has(match[2]!)) replaceWord(args[0]!, `http://${lab}${match[3]}`);
      else if (match[1]!.toLowerCase() === 'https') replaceWord(args[0]!, `http://${match[2]}${match[3]}`);
    } else if (WRITES_PATH.has(name)) {
      const first = unquote(args[0]?.text ?? '');
      if (first === 'off' || first === 'stderr' || first === '/dev/stderr' || first === '/dev/stdout' || first === '') continue;
      if (/^syslog:/i.test(first)) refuse(s, 'a log to syslog is sent to another server');
      else replaceWord(args[0]!, path.join(target.dir, `own-${path.basename(first) || name}`));
    } else if (name === 'include' || name === 'root' || name === 'alias') {
      const file = absoluteIn(args[0] ?? s.words[0]!);
      if (unquote(args[0]?.text ?? '').includes('$')) refuse(s, 'a path with a variable could be anywhere');
      else if (!inside(target.confDir, file)) refuse(s, `\`${unquote(args[0]!.text)}\` is outside the conf's folder ${target.confDir}`);
      else if (name === 'include' && /[*?[]/.test(unquote(args[0]!.text))) refuse(s, 'an include with a wildcard names files the lab cannot check one by one; name each file');
      else {
        if (name === 'include') includes.push({ line: s.words[0]!.line, file });
        // Only a relative path changes (nginx reads it relative to its prefix, the lab's folder); a trailing `/` matters to alias.
        if (!path.isAbsolute(unquote(args[0]!.text))) replaceWord(args[0]!, `${file}${unquote(args[0]!.text).endsWith('/') ? '/' : ''}`);
      }
    } else if (name === 'load_module') {
      const file = path.resolve('/usr/share/nginx', unquote(args[0]?.text ?? ''));
      if (!SYSTEM_MODULE_DIRS.some((dir) => inside(dir, file))) refuse(s, `\`${unquote(args[0]?.text ?? '')}\` is not in the system's module folders (${SYSTEM_MODULE_DIRS.join(', ')})`);
    }
  }
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  out += text.slice(at);
  const lines = text.split('\n');
  const newLines = out.split('\n');
  const changed = [...new Set(edits.map((e) => e.line))].sort((a, b) => a - b);
  const rewrites = changed.map((line) => ({ line: line + 1, old: lines[line]!.trim(), new: newLines[line]!.trim() }));
  const top = new Set(all.filter((st) => st.block === -1).map((st) => unquote(st.words[0]!.text).toLowerCase()));
  const httpOpen = all.find((st) => st.block === -1 && st.end.kind === 'open' && unquote(st.words[0]!.text).toLowerCase() === 'http');
  const inHttp = new Set(httpOpen ? all.filter((st) => st.block === all.indexOf(httpOpen)).map((st) => unquote(st.words[0]!.text).toLowerCase()) : []);
  const added = {
    main: top.has('pid') ? [] : [`pid ${path.join(target.dir, 'own-nginx.pid')};`],
    http: httpOpen ? HTTP_DEFAULT_PATHS.filter((name) => !inHttp.has(name)).map((name) => `${name} ${path.join(target.dir, `own-${name === 'access_log' ? 'access.log' : name.replace('_temp_path', '')}`)};`) : [],
    ...(httpOpen ? { httpLine: httpOpen.end.line } : {}),
  };
  return { text: out, rewrites, problems, includes, added };
}

