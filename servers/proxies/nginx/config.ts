import type { Policy } from '../../../harness/core/format.ts';
import path from 'node:path';
import type { ConfigLine, ProxyScenarioInput } from '../proxy.ts';
import { rewriteNginxConf } from './own-conf.ts';
import { displayOwnConf } from '../proxy.ts';

/**
 * A config value that a scenario supplies (an origin, a method, a header
 * name) goes into a double-quoted nginx string. Refused when it could end
 * the string, start a variable, or end the directive: such a value could
 * otherwise add directives of its own.
 */
export function unsafeConfigValue(value: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'a control character (such as a line break)';
  const bad = value.match(/["'\\$;{}#`]/);
  return bad ? `the character \`${bad[0]}\`` : undefined;
}

function quoted(value: string): string {
  const problem = unsafeConfigValue(value);
  if (problem) throw new Error(`refusing to put ${JSON.stringify(value)} into an nginx config: it contains ${problem}`);
  return `"${value}"`;
}

const CORS_PACKAGE_DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * A policy as nginx users write it: a `map` from `$http_origin` to the value
 * to send back (http level), `add_header ... always` so error responses carry
 * the headers too, and preflights answered at the proxy with `return 204`.
 * `add_header` inside `if` replaces the outer ones, so the preflight branch
 * repeats what it needs.
 */
export function nginxPolicy(policy: Policy, variable: string): { http: string[]; location: string[] } {
  const http: string[] = [];
  let allowOrigin: string;
  if (policy.origin === '*') {
    allowOrigin = quoted('*');
  } else if (policy.origin === 'reflect') {
    allowOrigin = '$http_origin';
  } else {
    const origins = Array.isArray(policy.origin) ? policy.origin : [policy.origin];
    http.push(`map $http_origin ${variable} {`, '    default "";', ...origins.map((o) => `    ${quoted(o)} $http_origin;`), '}');
    allowOrigin = variable;
  }
  const common = [`add_header Access-Control-Allow-Origin ${allowOrigin} always;`];
  if (policy.origin !== '*') common.push('add_header Vary Origin always;');
  if (policy.credentials) common.push(`add_header Access-Control-Allow-Credentials ${quoted('true')} always;`);
  const actual = [...common];
  if (policy.exposedHeaders?.length) actual.push(`add_header Access-Control-Expose-Headers ${quoted(policy.exposedHeaders.join(', '))} always;`);
  const preflight = [
    ...common,
    `add_header Access-Control-Allow-Methods ${quoted(policy.methods ? policy.methods.join(', ') : CORS_PACKAGE_DEFAULT_METHODS)} always;`,
    policy.allowedHeaders
      ? `add_header Access-Control-Allow-Headers ${quoted(policy.allowedHeaders.join(', '))} always;`
      : 'add_header Access-Control-Allow-Headers $http_access_control_request_headers always;',
    ...(policy.maxAge !== undefined ? [`add_header Access-Control-Max-Age ${quoted(String(policy.maxAge))} always;`] : []),
    'return 204;',
  ];
  return { http, location: [...actual, 'if ($request_method = OPTIONS) {', ...preflight.map((l) => `    ${l}`), '}'] };
}

function snippetLines(text: string | undefined, field: string, indent: string): ConfigLine[] {
  if (!text) return [];
  return text.replace(/\n$/, '').split('\n').map((line, i) => ({ text: `${indent}${line}`, source: { field, line: i } }));
}

const plain = (text: string): ConfigLine => ({ text });

/** The user's own nginx.conf (server.nginx.conf), rewritten for this run: line for line, each line its own source, so nginx -t names the user's line. */
function ownConfig(config: ProxyScenarioInput): ConfigLine[] {
  const server = config.servers[0]!;
  const own = rewriteNginxConf(config.setup.confText!, { listenPort: server.listenPort, upstreamPort: server.upstreamPort, dir: config.dir, confDir: path.dirname(config.setup.confFile!) });
  if (own.problems.length > 0) throw new Error(`refusing to run ${config.setup.confFile}: line ${own.problems[0]!.line + 1}: ${own.problems[0]!.message}`);
  const lines: ConfigLine[] = own.text.replace(/\n$/, '').split('\n').map((text, line) => ({ text, source: { field: 'nginx.conf', line } }));
  // What the file leaves to nginx's built-in paths goes into the run's folder: lines without a source, so every other line still names the user's.
  if (own.added.httpLine !== undefined) lines.splice(own.added.httpLine + 1, 0, ...own.added.http.map((text) => plain(`    ${text}  # corslab: added (your file sets none)`)));
  lines.unshift(...own.added.main.map((text) => plain(`${text}  # corslab: added (your file sets none)`)));
  return lines;
}

/** The whole nginx.conf for one scenario: one server block per app stack behind it; or the user's own, rewritten. */
export function nginxConfig(config: ProxyScenarioInput): ConfigLine[] {
  if (config.setup.confText !== undefined) return ownConfig(config);
  const policy = config.policy ? nginxPolicy(config.policy, '$corslab_allow_origin') : undefined;
  const lines: ConfigLine[] = [
    plain(`# CORS Lab: ${config.scenarioId}`),
    plain('worker_processes 1;'),
    plain(`error_log ${config.dir}/error.log warn;`),
    plain(`pid ${config.dir}/nginx.pid;`),
    plain('events { worker_connections 512; }'),
    plain('http {'),
    plain('    access_log off;'),
    plain('    keepalive_timeout 600s;'),
    plain(`    client_body_temp_path ${config.dir}/body;`),
    plain(`    proxy_temp_path ${config.dir}/proxy;`),
    plain(`    fastcgi_temp_path ${config.dir}/fastcgi;`),
    plain(`    uwsgi_temp_path ${config.dir}/uwsgi;`),
    plain(`    scgi_temp_path ${config.dir}/scgi;`),
    plain('    # A cache zone scenarios may use with `proxy_cache corslab;`'),
    plain(`    proxy_cache_path ${config.dir}/cache keys_zone=corslab:1m;`),
    ...snippetLines(config.setup.http, 'nginx.http', '    '),
    ...(policy?.http ?? []).map((l) => plain(`    ${l}`)),
  ];
  for (const server of config.servers) {
    lines.push(
      plain('    server {'),
      plain(`        listen 127.0.0.1:${server.listenPort};`),
      ...snippetLines(config.setup.server, 'nginx.server', '        '),
      plain(`        location ${config.prefix}/ {`),
      ...(policy?.location ?? []).map((l) => plain(`            ${l}`)),
      ...snippetLines(config.setup.location, 'nginx.location', '            '),
      plain(`            proxy_pass http://127.0.0.1:${server.upstreamPort};`),
      plain('            proxy_set_header Host $host;'),
      plain('        }'),
      plain('    }'),
    );
  }
  lines.push(plain('}'));
  return lines;
}

/** What the report shows for one app behind nginx: the parts of the config the scenario shaped, and the location; or the user's own file, its rewritten lines marked. */
export function nginxDisplay(config: ProxyScenarioInput): string {
  if (config.setup.confText !== undefined) {
    const server = config.servers[0]!;
    const own = rewriteNginxConf(config.setup.confText, { listenPort: server.listenPort, upstreamPort: server.upstreamPort, dir: config.dir, confDir: path.dirname(config.setup.confFile!) });
    const added = [...own.added.main, ...own.added.http];
    return `${added.length > 0 ? `# corslab adds what your file leaves to nginx's built-in paths: ${added.join(' ')}\n` : ''}${displayOwnConf(config.setup.confText, own.rewrites, config.setup.conf ?? config.setup.confFile!)}`;
  }
  const policy = config.policy ? nginxPolicy(config.policy, '$corslab_allow_origin') : undefined;
  const out: string[] = [];
  if (config.setup.http) out.push(config.setup.http.trimEnd());
  if (policy?.http.length) out.push(...policy.http);
  out.push('server {');
  if (config.setup.server) out.push(...config.setup.server.trimEnd().split('\n').map((l) => `    ${l}`));
  out.push(`    location ${config.prefix}/ {`);
  out.push(...(policy?.location ?? []).map((l) => `        ${l}`));
  if (config.setup.location) out.push(...config.setup.location.trimEnd().split('\n').map((l) => `        ${l}`));
  out.push('        proxy_pass http://app;', '    }', '}');
  return out.join('\n');
}
