import { apacheConfig, apacheDisplay, apachePolicy, modulesDir, unsafeConfigValue, withFiles } from './config.ts';
import { rewriteApacheConf } from './own-conf.ts';
import { displayOwnConf } from '../proxy.ts';
import { apacheImage } from './image.ts';
import { lintSnippet } from './lint.ts';
import { proxySetupSchema, type ProxyDefinition } from '../proxy.ts';

/** Its processes (locate, config test, start) load only when one is needed: lint, config and fixes are pure. */
const processes = () => import('./process.ts');

export const apacheProxy: ProxyDefinition = {
  name: 'apache',
  label: 'Apache httpd',
  setupSchema: proxySetupSchema(
    { name: 'apache', label: 'Apache httpd' },
    {
      description: "Apache httpd 2.4 as a reverse proxy in front of the app: snippets for the main server config (http), the <VirtualHost> (server) and the scenario's <Location> (location).",
      http: 'In the main server config, before the <VirtualHost>; inherited by it (except RewriteRule, which a <VirtualHost> does not inherit).',
      server: "Inside the <VirtualHost>, before the scenario's <Location> (SetEnvIf, Header, RewriteEngine/RewriteCond/RewriteRule, <If>, ...).",
      location: "Inside the scenario's <Location>, before it proxies to the app (Header always set, SetEnvIf, RewriteRule ^ - [R=204,L], <If>, Require, ErrorDocument, ...).",
    },
  ),
  lint: lintSnippet,
  unsafeValue: unsafeConfigValue,
  config: (input) => apacheConfig(input, input.layout ?? {}),
  display: apacheDisplay,
  ownConf: { rewrite: (text, target) => rewriteApacheConf(text, { ...target, modulesDir: modulesDir(), ...withFiles(modulesDir()) }), display: displayOwnConf },
  renderPolicy(policy) {
    return ['<Location "/api/">', ...apachePolicy(policy, 'CORS_ORIGIN').map((l) => `    ${l}`), '    ProxyPass "http://app/api/"', '</Location>'].join('\n');
  },
  // Checked by hand against Apache 2.4.71 in the lab: the preflight gets 204 with its headers, the real request still needs the credentials.
  preflightFirst: [
    '<Location "/api/">',
    '    Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN',
    '    Header always set Access-Control-Allow-Headers "Authorization, Content-Type"',
    '    RewriteEngine On',
    '    RewriteCond %{REQUEST_METHOD} OPTIONS',
    '    RewriteRule ^ - [R=204,L]',
    '    # preflights carry no credentials: exempt them from authorization, and only them',
    '    <If "%{REQUEST_METHOD} == \'OPTIONS\'">',
    '        Require all granted',
    '    </If>',
    '    <Else>',
    '        Require valid-user',
    '    </Else>',
    '    ProxyPass "http://app/api/"',
    '</Location>',
  ].join('\n'),
  image: apacheImage,
  locate: async () => (await processes()).locateApache(),
  test: async (executable, dir, lines, run) => (await processes()).testApacheConfig(executable, dir, lines, run),
  foreground: async (executable, dir, lines) => (await processes()).apacheForeground(executable, dir, lines),
  start: async (executable, dir, lines, ports, options) => (await processes()).startApache(executable, dir, lines, ports, options),
};
