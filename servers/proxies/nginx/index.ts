import { nginxConfig, nginxDisplay, nginxPolicy, unsafeConfigValue } from './config.ts';
import { nginxImage } from './image.ts';
import { lintSnippet } from './lint.ts';
import { rewriteNginxConf } from './own-conf.ts';
import { displayOwnConf } from '../proxy.ts';
import { proxySetupSchema, type ProxyDefinition } from '../proxy.ts';

/** Its processes (locate, config test, start) load only when one is needed: lint, config and fixes are pure. */
const processes = () => import('./process.ts');

export const nginxProxy: ProxyDefinition = {
  name: 'nginx',
  label: 'nginx',
  setupSchema: proxySetupSchema(
    { name: 'nginx', label: 'nginx' },
    {
      description: 'nginx as a reverse proxy in front of the app: snippets at the http, server and location level.',
      http: 'At the http level, e.g. `map $http_origin $cors_origin { ... }`.',
      server: "At the server level, before the scenario's location.",
      location: "Inside the scenario's location, before it proxies to the app (add_header, if, return, proxy_hide_header, ...).",
    },
  ),
  lint: lintSnippet,
  unsafeValue: unsafeConfigValue,
  config: nginxConfig,
  display: nginxDisplay,
  ownConf: { rewrite: rewriteNginxConf, display: displayOwnConf },
  renderPolicy(policy) {
    const { http, location } = nginxPolicy(policy, '$cors_allow_origin');
    return [...http, ...(http.length ? [''] : []), 'location /api/ {', ...location.map((l) => `    ${l}`), '    proxy_pass http://app;', '}'].join('\n');
  },
  preflightFirst: [
    'location /api/ {',
    '    # answer preflights here, before auth_request, allow/deny or an `if` on Authorization can refuse them',
    '    if ($request_method = OPTIONS) {',
    '        add_header Access-Control-Allow-Origin $cors_allow_origin always;',
    '        add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE" always;',
    '        add_header Access-Control-Allow-Headers "Authorization, Content-Type" always;',
    '        return 204;',
    '    }',
    '    # ... then the authentication',
    '    proxy_pass http://app;',
    '}',
  ].join('\n'),
  image: nginxImage,
  locate: async () => (await processes()).locateNginx(),
  test: async (executable, dir, lines, run) => (await processes()).testNginxConfig(executable, dir, lines, run),
  foreground: async (executable, dir, lines) => (await processes()).nginxForeground(executable, dir, lines),
  start: async (executable, dir, lines, ports, options) => (await processes()).startNginx(executable, dir, lines, ports, options),
};
