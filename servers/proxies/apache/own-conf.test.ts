import { describe, expect, it } from 'vitest';
import { rewriteApacheConf } from './own-conf.ts';

const target = { listenPort: 4001, upstreamPort: 4002, dir: '/tmp/run/httpd', confDir: '/home/me/project/deploy', modulesDir: '/usr/lib/apache2/modules', moduleFiles: new Set(['mod_headers.so', 'mod_proxy.so']) };
const rewrite = (text: string) => rewriteApacheConf(text, target);
const only = (text: string) => {
  const out = rewrite(text);
  expect(out.problems).toEqual([]);
  return out;
};

describe("rewriting a user's httpd.conf", () => {
  it('points the first Listen and every VirtualHost at the lab, and comments out the other Listen lines', () => {
    const out = only('Listen 80\nListen 443 https\n<VirtualHost *:80 *:443>\n</VirtualHost>\n');
    expect(out.text).toBe("Listen 127.0.0.1:4001\n# (corslab: the lab's Listen is the first one)\n<VirtualHost 127.0.0.1:4001>\n</VirtualHost>\n");
    expect(out.rewrites.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it("points ProxyPass, ProxyPassReverse and BalancerMember at the lab's app, the path and parameters kept, a balancer name and ! left", () => {
    const out = only('ProxyPass /api/ http://app.internal:3000/v1/ retry=0\nProxyPassReverse /api/ http://app.internal:3000/v1/\nProxyPass /static !\n<Proxy balancer://pool>\n  BalancerMember https://10.0.0.5:8443 loadfactor=2\n</Proxy>\nProxyPass /b/ balancer://pool/\n');
    expect(out.text.split('\n')).toEqual([
      'ProxyPass /api/ http://127.0.0.1:4002/v1/ retry=0',
      'ProxyPassReverse /api/ http://127.0.0.1:4002/v1/',
      'ProxyPass /static !',
      '<Proxy balancer://pool>',
      '  BalancerMember http://127.0.0.1:4002 loadfactor=2',
      '</Proxy>',
      'ProxyPass /b/ balancer://pool/',
      '',
    ]);
  });

  it('comments out User and Group where httpd runs unprivileged (confined), and keeps them where it starts as root', () => {
    const text = 'User daemon\nGroup daemon\n';
    expect(rewriteApacheConf(text, { ...target, asRoot: false }).text.split('\n').slice(0, 2)).toEqual([
      "# (corslab: httpd runs unprivileged in the lab's sandbox, so it switches to no user)",
      "# (corslab: httpd runs unprivileged in the lab's sandbox, so it switches to no group)",
    ]);
    expect(rewrite(text).text).toBe(text);
  });

  it('joins a line ending in a backslash with the next, rewrites it on its first line and keeps every line number', () => {
    const out = only('ProxyPass "/api/" \\\n    "http://127.0.0.1:3000/api/"\nHeader set X-A "1"\n');
    expect(out.text).toBe('ProxyPass /api/ http://127.0.0.1:4002/api/\n\nHeader set X-A "1"\n');
    expect(out.rewrites).toEqual([{ line: 1, old: 'ProxyPass "/api/"      "http://127.0.0.1:3000/api/"', new: 'ProxyPass /api/ http://127.0.0.1:4002/api/' }]);
  });

  it("moves what httpd writes into the run folder, its modules to the lab's, a DocumentRoot outside the conf's folder to an empty one", () => {
    const out = only('ServerRoot "/usr/local/apache2"\nPidFile logs/httpd.pid\nErrorLog "logs/error log"\nCustomLog logs/access.log combined\nMutex file:/var/lock default\nLoadModule headers_module modules/mod_headers.so\nLoadModule unixd_module modules/mod_unixd.so\nDocumentRoot /var/www/html\nInclude conf/extra.conf\n# Listen 80 is a comment\n');
    expect(out.text.split('\n')).toEqual([
      'ServerRoot /tmp/run/httpd',
      'PidFile /tmp/run/httpd/own-httpd.pid',
      'ErrorLog "/tmp/run/httpd/own-error log"',
      'CustomLog /tmp/run/httpd/own-access.log combined',
      'Mutex file:/tmp/run/httpd default',
      'LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so',
      '# (corslab: mod_unixd.so is not in /usr/lib/apache2/modules: built into this httpd, or missing)',
      'DocumentRoot /tmp/run/httpd/htdocs',
      'Include /home/me/project/deploy/conf/extra.conf',
      '# Listen 80 is a comment',
      '',
    ]);
  });

  it('drops SSL directives: the mapping proxy speaks TLS', () => {
    expect(only('SSLEngine on\nSSLCertificateFile /etc/ssl/a.pem\n').text).toMatch(/^# \(corslab: SSLEngine is the lab's.*\n# \(corslab: SSLCertificateFile/);
  });

  it.each([
    ['ErrorLog "|/usr/bin/rotatelogs /x 86400"', /piped log runs a program/],
    ['CustomLog syslog:local1 common', /syslog/],
    ['ProxyRemote * http://proxy.corp:8080', /another proxy/],
    ['RewriteRule ^/(.*) http://other.example/$1 [P,L]', /\[P\]/],
    ['RewriteMap m prg:/usr/bin/m', /runs a program/],
    ['ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/', /runs programs/],
    ['LoadFile /usr/lib/libx.so', /loads code/],
    ['Include /etc/apache2/mods-enabled/*.load', /outside the conf's folder/],
    ['Alias /files /etc', /outside the conf's folder/],
    ['ProxyPass /x/ http://${BACKEND}/', /no upstream the lab can point at/],
    ['LoadModule evil_module /home/me/evil.so', /not a module of the system's module folder/],
  ])('refuses %s', (conf, message) => {
    expect(rewrite(conf).problems).toEqual([expect.objectContaining({ line: 0, message: expect.stringMatching(message) })]);
  });
});
