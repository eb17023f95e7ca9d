import { existsSync, readdirSync } from 'node:fs';
import type { Policy } from '../../../harness/core/format.ts';
import path from 'node:path';
import { displayOwnConf, type ConfigLine, type ProxyScenarioInput } from '../proxy.ts';
import { rewriteApacheConf } from './own-conf.ts';

/**
 * A config value that a scenario supplies (an origin, a method, a header
 * name) goes into a double-quoted httpd argument, and an origin also into a
 * regular expression. Refused when httpd would read more into it than the
 * text: `"` ends the argument and `\` escapes it; `${NAME}` is replaced with a
 * define or an environment variable when httpd reads the config; `%{NAME}e`,
 * `%t` and the like are format specifiers in a `Header` value; `<` and `>`
 * start and end section tags; a line break would start a directive of its own.
 */
export function unsafeConfigValue(value: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'a control character (such as a line break)';
  const bad = value.match(/["'\\$%<>`]/);
  return bad ? `the character \`${bad[0]}\`` : undefined;
}

function quoted(value: string): string {
  const problem = unsafeConfigValue(value);
  if (problem) throw new Error(`refusing to put ${JSON.stringify(value)} into an Apache httpd config: it contains ${problem}`);
  return `"${value}"`;
}

/**
 * A list of header names as one quoted `Header` value. The schema holds each
 * name to an RFC 9110 token, whose only characters httpd could read more into
 * are `%` (a mod_headers format specifier, written `%%` for itself) and `$`,
 * `'`, `` ` `` (literal inside a double-quoted argument, since a token has no
 * `{`): so names are escaped, not refused, and a name that is not a token is.
 */
function headerList(names: readonly string[]): string {
  for (const name of names) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`refusing to put ${JSON.stringify(name)} into an Apache httpd config: it is not a header name`);
  }
  return `"${names.join(', ').replaceAll('%', '%%')}"`;
}

/** An origin as a literal inside a PCRE (the backslashes stay as they are inside a double-quoted httpd argument). */
function regexLiteral(origin: string): string {
  quoted(origin);
  return origin.replace(/[.*+?^()[\]{}|]/g, '\\$&');
}

const CORS_PACKAGE_DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * A policy as Apache users write it, all inside the <Location>: `SetEnvIf
 * Origin` matches the allow-list (or any origin, for "reflect") and keeps the
 * origin in an environment variable; `Header always set ... env=` sends it
 * back only then. `always` puts the headers in the table httpd also sends on
 * its own error responses (a 502, a 204 from a rewrite), where the default
 * (`onsuccess`) table is dropped. Preflights are answered by httpd itself:
 * `RewriteRule ^ - [R=204,L]` for every OPTIONS, with the preflight headers
 * in an `<If>` on the method.
 */
export function apachePolicy(policy: Policy, variable: string): string[] {
  const lines: string[] = [];
  const wildcard = policy.origin === '*';
  const onlyIfAllowed = wildcard ? '' : ` env=${variable}`;
  if (policy.origin === 'reflect') {
    lines.push(`SetEnvIf Origin "^.+$" ${variable}=$0`);
  } else if (!wildcard) {
    const origins = Array.isArray(policy.origin) ? policy.origin : [policy.origin];
    lines.push(`SetEnvIf Origin "^(${origins.map(regexLiteral).join('|')})$" ${variable}=$0`);
  }
  lines.push(`Header always set Access-Control-Allow-Origin ${wildcard ? quoted('*') : `"%{${variable}}e"`}${onlyIfAllowed}`);
  // merge, not set: a Vary the same layer set earlier keeps its values.
  if (!wildcard) lines.push('Header always merge Vary Origin');
  if (policy.credentials) lines.push(`Header always set Access-Control-Allow-Credentials ${quoted('true')}${onlyIfAllowed}`);
  if (policy.exposedHeaders?.length) lines.push(`Header always set Access-Control-Expose-Headers ${headerList(policy.exposedHeaders)}${onlyIfAllowed}`);
  const requestHeaders = `${variable}_REQUEST_HEADERS`;
  if (!policy.allowedHeaders) lines.push(`SetEnvIf Access-Control-Request-Headers "^(.+)$" ${requestHeaders}=$1`);
  lines.push(
    `<If "%{REQUEST_METHOD} == 'OPTIONS'">`,
    `    Header always set Access-Control-Allow-Methods ${quoted(policy.methods ? policy.methods.join(', ') : CORS_PACKAGE_DEFAULT_METHODS)}${onlyIfAllowed}`,
    policy.allowedHeaders
      ? `    Header always set Access-Control-Allow-Headers ${headerList(policy.allowedHeaders)}${onlyIfAllowed}`
      : `    Header always set Access-Control-Allow-Headers "%{${requestHeaders}}e" env=${requestHeaders}`,
    ...(policy.maxAge !== undefined ? [`    Header always set Access-Control-Max-Age ${quoted(String(policy.maxAge))}${onlyIfAllowed}`] : []),
    '</If>',
    'RewriteEngine On',
    'RewriteCond %{REQUEST_METHOD} OPTIONS',
    'RewriteRule ^ - [R=204,L]',
  );
  return lines;
}

/** Where Debian (and other layouts) keep httpd's modules; CORSLAB_APACHE_MODULES points elsewhere. */
const MODULE_DIRS = ['/usr/lib/apache2/modules', '/usr/lib64/httpd/modules', '/usr/lib/httpd/modules', '/usr/local/apache2/modules'];

/** The module files the lab's httpd has (a user's LoadModule of another one is commented out). */
export function moduleFiles(dir: string): ReadonlySet<string> | undefined {
  return existsSync(dir) ? new Set(readdirSync(dir)) : undefined;
}

export function modulesDir(): string {
  return process.env.CORSLAB_APACHE_MODULES ?? MODULE_DIRS.find((d) => existsSync(d)) ?? MODULE_DIRS[0]!;
}

/**
 * The modules the lab loads, and only these: a directive of any other module
 * (Alias, ScriptAlias, CustomLog's friends, SetEnv) is an "Invalid command"
 * even if the lint let it through. authz_host gives `Require ip` and `local`.
 */
export const MODULES = ['mpm_event', 'authz_core', 'authz_host', 'headers', 'rewrite', 'setenvif', 'proxy', 'proxy_http'] as const;

function snippetLines(text: string | undefined, field: string, indent: string): ConfigLine[] {
  if (!text) return [];
  return text.replace(/\n$/, '').split('\n').map((line, i) => ({ text: `${indent}${line}`, source: { field, line: i } }));
}

const plain = (text: string): ConfigLine => ({ text });

/**
 * Root would make httpd refuse to serve; it then drops its workers to this
 * user, which needs nothing on the disk (the parent opens the logs). Numeric,
 * so it needs no passwd entry. As anyone else, httpd cannot switch users and
 * `User` is not written.
 */
export const UNPRIVILEGED_ID = 65534;

export const withFiles = (dir: string): { moduleFiles?: ReadonlySet<string> } => {
  const files = moduleFiles(dir);
  return files ? { moduleFiles: files } : {};
};

/** The user's own httpd.conf (server.apache.conf), rewritten for this run: line for line, each line its own source, so httpd -t names the user's line. */
function ownConfig(config: ProxyScenarioInput, modules: string, asRoot: boolean): ConfigLine[] {
  const server = config.servers[0]!;
  const own = rewriteApacheConf(config.setup.confText!, { listenPort: server.listenPort, upstreamPort: server.upstreamPort, dir: config.dir, confDir: path.dirname(config.setup.confFile!), modulesDir: modules, asRoot, ...withFiles(modules) });
  if (own.problems.length > 0) throw new Error(`refusing to run ${config.setup.confFile}: line ${own.problems[0]!.line + 1}: ${own.problems[0]!.message}`);
  // httpd's built-in paths (ServerRoot /etc/apache2, PidFile /run/apache2.pid on Debian) are outside the run's folder: set first, so
  // the file's own (rewritten into the run's folder too) still win; lines without a source, so every other line names the user's.
  const first = [`ServerRoot "${config.dir}"`, `DefaultRuntimeDir "${config.dir}"`, `PidFile "${config.dir}/httpd.pid"`, `ErrorLog "${config.dir}/error.log"`, `Mutex file:${config.dir} default`];
  return [...first.map((text) => plain(text)), ...own.text.replace(/\n$/, '').split('\n').map((text, line) => ({ text, source: { field: 'apache.conf', line } }))];
}

/** The user's httpd.conf as the report shows it: their lines, each rewritten one marked. */
export function apacheOwnDisplay(config: ProxyScenarioInput): string {
  const server = config.servers[0]!;
  const modules = config.layout?.modulesDir ?? modulesDir();
  const own = rewriteApacheConf(config.setup.confText!, { listenPort: server.listenPort, upstreamPort: server.upstreamPort, dir: config.dir, confDir: path.dirname(config.setup.confFile!), modulesDir: modules, ...withFiles(modules) });
  return displayOwnConf(config.setup.confText!, own.rewrites, config.setup.conf ?? config.setup.confFile!);
}

/** The whole httpd.conf for one scenario: a self-contained config, one <VirtualHost> per app stack behind it; or the user's own, rewritten. */
export function apacheConfig(config: ProxyScenarioInput, options: { asRoot?: boolean; modulesDir?: string } = {}): ConfigLine[] {
  const asRoot = options.asRoot ?? process.getuid?.() === 0;
  if (config.setup.confText !== undefined) return ownConfig(config, options.modulesDir ?? modulesDir(), asRoot);
  const dir = config.dir;
  const modules = options.modulesDir ?? modulesDir();
  const policy = config.policy ? apachePolicy(config.policy, 'CORSLAB_ORIGIN') : [];
  const lines: ConfigLine[] = [
    plain(`# CORS Lab: ${config.scenarioId}`),
    plain(`ServerRoot "${dir}"`),
    plain(`DefaultRuntimeDir "${dir}"`),
    plain(`PidFile "${dir}/httpd.pid"`),
    plain(`ErrorLog "${dir}/error.log"`),
    plain('LogLevel warn'),
    plain(`Mutex file:${dir} default`),
    plain('ServerName 127.0.0.1'),
    // The recorder reuses connections; Apache's default of 5 s would close them under it (defaults.keepAliveMs).
    plain('KeepAlive On'),
    plain('KeepAliveTimeout 600'),
    plain('MaxKeepAliveRequests 0'),
    ...MODULES.map((m) => plain(`LoadModule ${m}_module "${modules}/mod_${m}.so"`)),
    ...(asRoot ? [plain(`User #${UNPRIVILEGED_ID}`), plain(`Group #${UNPRIVILEGED_ID}`)] : []),
    // One child with enough threads for every engine's probes at once.
    plain('StartServers 1'),
    plain('ServerLimit 1'),
    plain('ThreadsPerChild 64'),
    plain('MaxRequestWorkers 64'),
    plain('MinSpareThreads 1'),
    plain('MaxSpareThreads 64'),
    ...config.servers.map((s) => plain(`Listen 127.0.0.1:${s.listenPort}`)),
    // Nothing is served from the disk: an empty document root, and every directory denied.
    plain(`DocumentRoot "${dir}/htdocs"`),
    plain('<Directory />'),
    plain('    AllowOverride None'),
    plain('    Require all denied'),
    plain('</Directory>'),
    // Like nginx's `proxy_set_header Host $host`: the app sees the Host the browser sent.
    plain('ProxyPreserveHost On'),
    ...snippetLines(config.setup.http, 'apache.http', ''),
  ];
  for (const server of config.servers) {
    lines.push(
      plain(`<VirtualHost 127.0.0.1:${server.listenPort}>`),
      ...snippetLines(config.setup.server, 'apache.server', '    '),
      plain(`    <Location ${quoted(`${config.prefix}/`)}>`),
      ...policy.map((l) => plain(`        ${l}`)),
      ...snippetLines(config.setup.location, 'apache.location', '        '),
      plain(`        ProxyPass ${quoted(`http://127.0.0.1:${server.upstreamPort}${config.prefix}/`)}`),
      plain('    </Location>'),
      plain('</VirtualHost>'),
    );
  }
  return lines;
}

/** What the report shows for one app behind httpd: the parts of the config the scenario shaped, and the <Location>. */
export function apacheDisplay(config: ProxyScenarioInput): string {
  if (config.setup.confText !== undefined) return apacheOwnDisplay(config);
  const policy = config.policy ? apachePolicy(config.policy, 'CORSLAB_ORIGIN') : [];
  const indent = (text: string, by: string) => text.trimEnd().split('\n').map((l) => `${by}${l}`);
  const out: string[] = [];
  if (config.setup.http) out.push(config.setup.http.trimEnd());
  out.push('<VirtualHost *:80>');
  if (config.setup.server) out.push(...indent(config.setup.server, '    '));
  out.push(`    <Location "${config.prefix}/">`);
  out.push(...policy.map((l) => `        ${l}`));
  if (config.setup.location) out.push(...indent(config.setup.location, '        '));
  out.push(`        ProxyPass "http://app${config.prefix}/"`, '    </Location>', '</VirtualHost>');
  return out.join('\n');
}
