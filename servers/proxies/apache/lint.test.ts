import { describe, expect, it } from 'vitest';
import { lintSnippet, splitWords } from './lint.ts';

const messages = (snippet: string, level: 'http' | 'server' | 'location' = 'location') => lintSnippet(snippet, level).map((p) => `${p.line}: ${p.message}`);

describe('the Apache lint', () => {
  it('allows the article\'s CORS config: SetEnvIf, Header always set with env=, an <If> on the method, a rewrite to 204', () => {
    const article = [
      '<IfModule mod_headers.c>',
      '    SetEnvIf Origin "^https://(myapp\\.com|admin\\.myapp\\.com)$" CORS_ORIGIN=$0',
      '    Header always set Access-Control-Allow-Origin %{CORS_ORIGIN}e env=CORS_ORIGIN',
      '    Header always set Vary "Origin"',
      '    <If "%{REQUEST_METHOD} == \'OPTIONS\'">',
      '        Header always set Access-Control-Allow-Methods "GET, POST, PUT, DELETE, PATCH, OPTIONS"',
      '    </If>',
      '</IfModule>',
      '# Return 204 for preflight requests',
      'RewriteEngine On',
      'RewriteCond %{REQUEST_METHOD} OPTIONS',
      'RewriteRule ^(.*)$ $1 [R=204,L]',
    ].join('\n');
    expect(messages(article, 'server')).toEqual([]);
    expect(messages(article, 'location')).toEqual([]);
  });

  it('allows the directives that shape responses', () => {
    const snippet = [
      'Header set Access-Control-Allow-Origin "*"',
      'Header always unset Access-Control-Allow-Origin',
      'Header unset Access-Control-Allow-Origin',
      'Header merge Vary Origin',
      'Header add Access-Control-Allow-Origin "{app}"',
      'Header always set X-Expr "expr=%{REQUEST_METHOD}"',
      'Header always edit Set-Cookie ^(.*)$ "$1; SameSite=None"',
      'RequestHeader unset Origin',
      'Header always set Location "/s/elsewhere/"',
      'Header always unset Location',
      'SetEnvIfNoCase Origin "^http://app" OK=1',
      'SetEnvIfExpr "%{HTTP:Origin} in { \'http://a\', \'http://b\' }" OK=1',
      'BrowserMatch Firefox FF=1',
      'RewriteCond %{HTTP:Access-Control-Request-Method} !^$',
      'RewriteRule ^ - [R=200,L]',
      'RewriteRule ^ - [F]',
      'RewriteRule ^ /s/moved/ [R=302,L]',
      'RewriteRule ^ - [E=PREFLIGHT:1]',
      'Require all denied',
      'Require method GET POST OPTIONS',
      'Require ip 127.0.0.1',
      '<RequireAny>',
      '    Require expr "%{REQUEST_METHOD} == \'OPTIONS\'"',
      '    Require not env BLOCKED',
      '</RequireAny>',
      '<LimitExcept GET OPTIONS>',
      '    Require all denied',
      '</LimitExcept>',
      'ErrorDocument 403 "no"',
      'ErrorDocument 500 /s/errors/500',
      'ProxyErrorOverride On',
      'ProxyPassReverse / http://app.example/',
      '<If "-n %{HTTP:Origin}">',
      '</If>',
      '<ElseIf "%{REQUEST_METHOD} == \'GET\'">',
      '</ElseIf>',
      '<Else>',
      '</Else>',
    ].join('\n');
    expect(messages(snippet)).toEqual([]);
  });

  it('refuses what reaches outside the lab, naming the line and why', () => {
    const cases: [string, RegExp][] = [
      ['Include /etc/apache2/conf-enabled/*.conf', /`Include` is not allowed in a scenario: it reads files/],
      ['IncludeOptional x.conf', /reads files/],
      ['LoadModule cgi_module mod_cgi.so', /loads code/],
      ['Listen 0.0.0.0:80', /the lab picks the ports/],
      ['ProxyPass http://example.com/', /the lab sets the upstream itself/],
      ['ProxyPassMatch ^ http://example.com/', /the lab sets the upstream itself/],
      ['DocumentRoot /', /serves files from the disk/],
      ['Alias /x /etc', /serves files from the disk/],
      ['ScriptAlias /cgi /usr/lib/cgi-bin', /runs programs/],
      ['CustomLog /tmp/log common', /writes files/],
      ['ErrorLog /tmp/log', /writes files/],
      ['RewriteMap m prg:/bin/sh', /reads files or runs programs/],
      ['RewriteRule ^ http://example.com/ [P]', /`\[P\]` flag proxies/],
      ['RewriteRule ^(.*)$ http://example.com/$1 [proxy,L]', /proxies/],
      ['RewriteRule ^ - [H=default-handler]', /another handler/],
      ['RewriteRule ^ https://evil.example/ [R=302,L]', /a redirect must stay on this host/],
      ['RewriteRule ^ //evil.example/ [R]', /a redirect must stay on this host/],
      ['RewriteRule ^ /\\evil.example/ [R]', /a redirect must stay on this host/],
      ['RewriteRule ^(.*)$ $1 [R=301]', /a redirect must stay on this host/],
      ['RewriteRule ^ /etc/passwd [L]', /substitution must be `-`/],
      ['RewriteCond %{REQUEST_FILENAME} !-f', /`-f` looks at the disk/],
      ['RewriteCond expr "-d \'/etc\'"', /`-d` test looks at the disk/],
      ['RewriteCond %{ENV:HOME} ^/', /`%\{ENV:...\}` is not allowed: it reads the environment/],
      ['Header set X-Hostname "expr=%{file:/etc/hostname}"', /`%\{file:...\}` is not allowed: it reads the disk/],
      ['Header set X-Size "expr=%{ filesize :/etc/shadow}"', /reads the disk/],
      ['Header set X-Home "expr=%{env:HOME}"', /reads the environment/],
      ['Header set X-Home "expr=%{osenv:HOME}"', /`%\{osenv:...\}` is not allowed: it reads the environment/],
      ['Header set X-Passwd "expr=file(\'/etc/passwd\')"', /`file\(\)` reads the disk/],
      ['Header set X-Env "expr=env(\'HOME\')"', /use `reqenv\(\)`/],
      ['Header set X-Env ${HOME}', /`\$\{...\}` is not allowed/],
      ['SetEnvIfExpr "filesize(\'/etc/shadow\') -gt 0" BIG=1', /reads the disk/],
      ['Require host example.com', /looks names up in DNS/],
      ['Require valid-user', /not available in the lab/],
      ['AuthUserFile /etc/htpasswd', /reads a file/],
      ['ErrorDocument 500 https://example.com/oops', /sends the browser to another site/],
      ['Redirect / http://example.com/', /another site/],
      ['Define X 1', /environment/],
      ['PassEnv HOME', /environment/],
      ['SetHandler cgi-script', /other handlers/],
      ['Options +ExecCGI', /is not a directive a scenario may use/],
      ['<Directory /etc>', /`<Directory>` is not allowed in a scenario: it is about files on the disk/],
      ['<Files passwd>', /files on the disk/],
      ['<Proxy *>', /the lab sets the upstream/],
      ['<IfFile /etc/passwd>', /looks at the disk/],
      ['<VirtualHost *:80>', /the lab sets up the virtual hosts/],
      ['<If "-f \'/etc/passwd\'">', /`-f` test looks at the disk/],
      ['Header always set Location "http://example.com/"', /a `Location` header may only name a `\/path` on this host/],
      ['Header set Refresh "0; url=http://example.com/"', /may only name a `\/path`/],
      ['Header always set Location //example.com/', /may only name a `\/path`/],
      ['Header edit Location ^/ http://example.com/', /may only name a `\/path`/],
      // A variable or back-reference right after the slash could put in a second one (`//host`).
      ['Header always set Location "/%{HTTP:X-To}e"', /may only name a `\/path`/],
      ['RewriteRule ^/(.*)$ /$1 [R=302,L]', /a redirect must stay on this host/],
      ['RewriteRule ^ /%{QUERY_STRING} [R,L]', /a redirect must stay on this host/],
    ];
    for (const [line, expected] of cases) {
      const problems = lintSnippet(`Header set X-Before 1\n${line}`, 'location');
      expect(problems.length, line).toBeGreaterThan(0);
      expect(problems[0]!.line, line).toBe(1);
      expect(problems[0]!.message, line).toMatch(expected);
    }
  });

  it('refuses a snippet that closes the block it was given', () => {
    expect(messages('Header set X 1\n</Location>\n<Location "/s/other/">')).toEqual([
      '1: `</Location>` closes a block the snippet did not open: a snippet cannot leave the <Location> it is given',
      '2: `<Location>` cannot be nested in the <Location>; give it at the server level',
      '2: `<Location>` is never closed',
    ]);
    expect(messages('</VirtualHost>', 'server')).toEqual(['0: `</VirtualHost>` closes a block the snippet did not open: a snippet cannot leave the <VirtualHost> it is given']);
    expect(messages('</If>', 'http')).toEqual(['0: `</If>` closes a block the snippet did not open: a snippet cannot leave the main server config it is given']);
  });

  it('refuses blocks that do not match or never close', () => {
    expect(messages('<If "true">\nHeader set X 1\n</IfModule>')).toEqual(['2: `</IfModule>` does not close `<If>` (line 1 of the snippet)', '0: `<If>` is never closed']);
    expect(messages('<IfModule mod_headers.c>\nHeader set X 1')).toEqual(['0: `<IfModule>` is never closed']);
    expect(messages('<If "true">Header set X 1</If>')).toEqual(['0: `<If "true">Header set X 1</If>`: a section tag must stand alone on its line, like `<If "expression">`']);
  });

  it('reports a refused block once, not again at its closing tag', () => {
    expect(messages('<Directory />\n    Require all granted\n</Directory>')).toEqual(['0: `<Directory>` is not allowed in a scenario: it is about files on the disk']);
  });

  it('allows <Location> only at the server levels, and not inside another block', () => {
    expect(messages('<Location "/s/x/y">\nHeader set X 1\n</Location>', 'server')).toEqual([]);
    expect(messages('<IfModule mod_headers.c>\n<Location "/s/x/y">\n</Location>\n</IfModule>', 'server')).toEqual(['1: `<Location>` cannot be nested in the `<IfModule>`; give it at the server level']);
    expect(messages('<RequireAll>\n</RequireAll>', 'server')).toEqual(['0: `<RequireAll>` only goes in a <Location> or a block inside one']);
    expect(messages('<Location "/s/x/y">\n<RequireAll>\nRequire all denied\n</RequireAll>\n</Location>', 'server')).toEqual([]);
  });

  it('refuses a line that httpd would join with the next one', () => {
    expect(messages('Header set X-A 1 \\\n')).toEqual(['0: a line may not end in `\\`: httpd would join it with the next line, which may not be the snippet\'s']);
    expect(messages('# a comment \\')).toHaveLength(1);
    expect(messages('Header set X-A 1 \\  ')).toHaveLength(1);
  });

  it('refuses control characters and unclosed quotes', () => {
    expect(messages('Header set X-A "1\r"')).toEqual(['0: a control character (such as a carriage return) is not allowed']);
    expect(messages('Header set X-A "1')).toEqual(['0: a quote (") is never closed']);
  });

  it('reads words the way httpd does', () => {
    expect(splitWords(`Header always set X "a \\"b\\" c" 'd e' f`).words).toEqual(['Header', 'always', 'set', 'X', 'a "b" c', 'd e', 'f']);
    expect(splitWords('SetEnvIf Origin "^a\\.b$" X=$0').words).toEqual(['SetEnvIf', 'Origin', '^a\\.b$', 'X=$0']);
  });

  it('names the allowed directives when one is unknown', () => {
    expect(messages('add_header X 1;', 'location')[0]).toMatch(/`add_header` is not a directive a scenario may use \(allowed: Header, RequestHeader, SetEnvIf, /);
  });
});
