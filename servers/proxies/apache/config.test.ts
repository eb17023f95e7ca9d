import { describe, expect, it } from 'vitest';
import { apacheConfig, apachePolicy, unsafeConfigValue } from './config.ts';
import type { ProxyScenarioInput } from '../proxy.ts';

const input = (over: Partial<ProxyScenarioInput> = {}): ProxyScenarioInput => ({
  scenarioId: 'proxies/example',
  prefix: '/s/proxies.example',
  setup: {},
  servers: [{ app: 'express-manual', listenPort: 20001, upstreamPort: 30001 }],
  dir: '/tmp/corslab-apache-test',
  ...over,
});

describe('values that go into an Apache config', () => {
  it('accepts origins, methods and header names as they are written', () => {
    for (const value of ['http://app.example.localhost:4000', 'https://app.example.com/', 'null', '*', 'PUT', 'X-Total-Count', 'https://[::1]:8443']) {
      expect(unsafeConfigValue(value), value).toBeUndefined();
    }
  });

  it('refuses what could end the quoted value or make httpd read more into it', () => {
    const cases: [string, string][] = [
      ['http://a"\nHeader set X-Injected 1', 'a control character (such as a line break)'],
      ['http://a" env=X', 'the character `"`'],
      ['http://a\\', 'the character `\\`'],
      ['http://${HOME}', 'the character `$`'],
      ['http://a%{HOME}e', 'the character `%`'],
      ['X-%D', 'the character `%`'],
      ['http://a>', 'the character `>`'],
      ['</Location>', 'the character `<`'],
      ["http://a'", "the character `'`"],
      ['http://a\r', 'a control character (such as a line break)'],
    ];
    for (const [value, why] of cases) expect(unsafeConfigValue(value), value).toBe(why);
  });

  it('will not render a policy with such a value, even when asked directly', () => {
    expect(() => apachePolicy({ origin: 'http://a" env=X' }, 'V')).toThrow(/refusing to put .* into an Apache httpd config/);
    expect(() => apachePolicy({ origin: '*', methods: ['GET%D'] }, 'V')).toThrow(/the character `%`/);
    expect(() => apachePolicy({ origin: '*', exposedHeaders: ['X-A"'] }, 'V')).toThrow(/it is not a header name/);
  });

  it('writes a `%` in a header name as `%%`, which mod_headers sends as a plain `%`', () => {
    expect(apachePolicy({ origin: '*', exposedHeaders: ['X-%D', "X-$'"] }, 'V')).toContain('Header always set Access-Control-Expose-Headers "X-%%D, X-$\'"');
  });
});

describe('a policy in Apache\'s idiom', () => {
  it('matches an allow-list with SetEnvIf, sends it back with Header always set ... env=, and answers OPTIONS with a rewrite to 204', () => {
    expect(apachePolicy({ origin: ['http://app.example.localhost:4000', 'https://a.example'], methods: ['PUT', 'DELETE'], allowedHeaders: ['Content-Type'], exposedHeaders: ['X-Total-Count'], credentials: true, maxAge: 600 }, 'CORS_ORIGIN')).toEqual([
      'SetEnvIf Origin "^(http://app\\.example\\.localhost:4000|https://a\\.example)$" CORS_ORIGIN=$0',
      'Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN',
      'Header always merge Vary Origin',
      'Header always set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN',
      'Header always set Access-Control-Expose-Headers "X-Total-Count" env=CORS_ORIGIN',
      `<If "%{REQUEST_METHOD} == 'OPTIONS'">`,
      '    Header always set Access-Control-Allow-Methods "PUT, DELETE" env=CORS_ORIGIN',
      '    Header always set Access-Control-Allow-Headers "Content-Type" env=CORS_ORIGIN',
      '    Header always set Access-Control-Max-Age "600" env=CORS_ORIGIN',
      '</If>',
      'RewriteEngine On',
      'RewriteCond %{REQUEST_METHOD} OPTIONS',
      'RewriteRule ^ - [R=204,L]',
    ]);
  });

  it('reflects any origin, and echoes the requested headers when the policy names none', () => {
    const lines = apachePolicy({ origin: 'reflect' }, 'V');
    expect(lines[0]).toBe('SetEnvIf Origin "^.+$" V=$0');
    expect(lines).toContain('SetEnvIf Access-Control-Request-Headers "^(.+)$" V_REQUEST_HEADERS=$1');
    expect(lines).toContain('    Header always set Access-Control-Allow-Headers "%{V_REQUEST_HEADERS}e" env=V_REQUEST_HEADERS');
    expect(lines).toContain('    Header always set Access-Control-Allow-Methods "GET,HEAD,PUT,PATCH,POST,DELETE" env=V');
  });

  it('sends a literal * to everyone, without Vary', () => {
    const lines = apachePolicy({ origin: '*' }, 'V');
    expect(lines[0]).toBe('Header always set Access-Control-Allow-Origin "*"');
    expect(lines.join('\n')).not.toContain('Vary');
    expect(lines.join('\n')).not.toContain('SetEnvIf Origin');
  });

  it('escapes what a regular expression would read into an origin', () => {
    expect(apachePolicy({ origin: 'http://a+b.example' }, 'V')[0]).toBe('SetEnvIf Origin "^(http://a\\+b\\.example)$" V=$0');
  });
});

describe('the generated httpd.conf', () => {
  it('is self-contained: its own ServerRoot, pid, log and mutex in the run\'s folder, and loopback only', () => {
    const text = apacheConfig(input(), { asRoot: false }).map((l) => l.text);
    expect(text).toContain('ServerRoot "/tmp/corslab-apache-test"');
    expect(text).toContain('PidFile "/tmp/corslab-apache-test/httpd.pid"');
    expect(text).toContain('ErrorLog "/tmp/corslab-apache-test/error.log"');
    expect(text).toContain('Mutex file:/tmp/corslab-apache-test default');
    expect(text.filter((l) => l.startsWith('Listen'))).toEqual(['Listen 127.0.0.1:20001']);
    expect(text).toContain('<VirtualHost 127.0.0.1:20001>');
    expect(text).toContain('        ProxyPass "http://127.0.0.1:30001/s/proxies.example/"');
    expect(text.some((l) => l.includes('/etc/apache2'))).toBe(false);
    expect(text.some((l) => l.startsWith('User'))).toBe(false);
  });

  it('drops the workers to an unprivileged user only when it runs as root', () => {
    const text = apacheConfig(input(), { asRoot: true }).map((l) => l.text);
    expect(text).toContain('User #65534');
    expect(text).toContain('Group #65534');
  });

  it('denies every directory, so nothing is ever served from the disk', () => {
    const text = apacheConfig(input(), { asRoot: false }).map((l) => l.text).join('\n');
    expect(text).toContain('DocumentRoot "/tmp/corslab-apache-test/htdocs"\n<Directory />\n    AllowOverride None\n    Require all denied\n</Directory>');
  });

  it('puts each snippet at its level and remembers where each of its lines came from', () => {
    const lines = apacheConfig(input({ setup: { http: 'Header always set X-Main 1', server: 'SetEnvIf Origin . O=1', location: 'Header set A 1\nHeader set B 2\n' } }), { asRoot: false });
    const at = (text: string) => lines.findIndex((l) => l.text === text);
    expect(lines[at('Header always set X-Main 1')]!.source).toEqual({ field: 'apache.http', line: 0 });
    expect(lines[at('    SetEnvIf Origin . O=1')]!.source).toEqual({ field: 'apache.server', line: 0 });
    expect(lines[at('        Header set B 2')]!.source).toEqual({ field: 'apache.location', line: 1 });
    expect(at('Header always set X-Main 1')).toBeLessThan(at('<VirtualHost 127.0.0.1:20001>'));
    expect(at('    SetEnvIf Origin . O=1')).toBeLessThan(at('    <Location "/s/proxies.example/">'));
    expect(at('        Header set B 2')).toBeLessThan(at('        ProxyPass "http://127.0.0.1:30001/s/proxies.example/"'));
  });

  it('puts the policy in the scenario\'s <Location>, before its snippet', () => {
    const lines = apacheConfig(input({ policy: { origin: 'http://app.example.localhost:1' }, setup: { location: 'Header set A 1' } }), { asRoot: false }).map((l) => l.text);
    expect(lines.indexOf('        SetEnvIf Origin "^(http://app\\.example\\.localhost:1)$" CORSLAB_ORIGIN=$0')).toBeGreaterThan(lines.indexOf('    <Location "/s/proxies.example/">'));
    expect(lines.indexOf('        RewriteRule ^ - [R=204,L]')).toBeLessThan(lines.indexOf('        Header set A 1'));
  });
});
