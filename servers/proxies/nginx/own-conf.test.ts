import { describe, expect, it } from 'vitest';
import { rewriteNginxConf } from './own-conf.ts';
import { displayOwnConf } from '../proxy.ts';

const target = { listenPort: 4001, upstreamPort: 4002, dir: '/tmp/run/nginx', confDir: '/home/me/project/deploy' };
const rewrite = (text: string) => rewriteNginxConf(text, target);
const only = (text: string) => {
  const out = rewrite(text);
  expect(out.problems).toEqual([]);
  return out;
};

describe("rewriting a user's nginx.conf", () => {
  it('points every listen at the lab, and comments out a second one in the same server', () => {
    const out = only('server {\n    listen 443 ssl http2 default_server;\n    listen [::]:443 ssl;\n}\nserver { listen 80; }\n');
    expect(out.text).toBe("server {\n    listen 127.0.0.1:4001;\n    # (corslab: the server's other listen is the lab's port)\n}\nserver { listen 127.0.0.1:4001; }\n");
    expect(out.rewrites).toEqual([
      { line: 2, old: 'listen 443 ssl http2 default_server;', new: 'listen 127.0.0.1:4001;' },
      { line: 3, old: 'listen [::]:443 ssl;', new: "# (corslab: the server's other listen is the lab's port)" },
      { line: 5, old: 'server { listen 80; }', new: 'server { listen 127.0.0.1:4001; }' },
    ]);
  });

  it("points an upstream block's servers and a direct proxy_pass at the lab's app, keeping the URI and an upstream's name", () => {
    const out = only('upstream backend {\n  server app.internal:3000 weight=2;\n  server unix:/run/app.sock backup;\n  keepalive 8;\n}\nlocation / { proxy_pass http://backend; }\nlocation /v2/ { proxy_pass https://10.0.0.5:8443/api/; }\n');
    expect(out.text).toContain('  server 127.0.0.1:4002;\n  server 127.0.0.1:4002;\n  keepalive 8;');
    expect(out.text).toContain('proxy_pass http://backend;');
    expect(out.text).toContain('proxy_pass http://127.0.0.1:4002/api/;');
  });

  it('moves what nginx writes into the run folder, and leaves off and stderr alone', () => {
    const out = only('pid /run/nginx.pid;\nerror_log /var/log/nginx/error.log warn;\nhttp {\n  access_log off;\n  client_body_temp_path /var/cache/nginx/body 1 2;\n  proxy_cache_path /var/cache/nginx keys_zone=z:1m;\n}\nerror_log stderr;\n');
    expect(out.text).toBe('pid /tmp/run/nginx/own-nginx.pid;\nerror_log /tmp/run/nginx/own-error.log warn;\nhttp {\n  access_log off;\n  client_body_temp_path /tmp/run/nginx/own-body 1 2;\n  proxy_cache_path /tmp/run/nginx/own-nginx keys_zone=z:1m;\n}\nerror_log stderr;\n');
  });

  it("makes an include, root or alias in the conf's folder absolute", () => {
    const out = only('include mime.types;\nlocation / { root html; }\nlocation /s/ { alias /home/me/project/deploy/static/; }\n');
    expect(out.text).toBe('include /home/me/project/deploy/mime.types;\nlocation / { root /home/me/project/deploy/html; }\nlocation /s/ { alias /home/me/project/deploy/static/; }\n');
  });

  it('drops daemon, master_process and the TLS files (the mapping proxy speaks TLS), keeping every line number', () => {
    const out = only('daemon on;\nserver {\n  ssl_certificate\n     /etc/ssl/a.pem;\n  return 200;\n}\n');
    expect(out.text.split('\n')).toHaveLength(7);
    expect(out.text.split('\n')[4]).toBe('  return 200;');
    expect(out.text).toMatch(/^# \(corslab: daemon is the lab's/);
  });

  it('reads as nginx does: # inside a word and quoted text are no comment, a quoted directive is rewritten too', () => {
    const out = only('add_header X-A a#b;\nadd_header X-B "listen 80;";\n"listen" 80;\n');
    expect(out.text).toBe('add_header X-A a#b;\nadd_header X-B "listen 80;";\nlisten 127.0.0.1:4001;\n');
  });

  it.each([
    ['resolver 8.8.8.8;', /resolver.*DNS/],
    ['location / { proxy_pass http://$host$uri; }', /no upstream the lab can point at/],
    ['location / { fastcgi_pass 127.0.0.1:9000; }', /fastcgi_pass/],
    ['upstream b { server $backend; }', /variable could be any host/],
    ['include /etc/nginx/mime.types;', /outside the conf's folder/],
    ['include ../secrets/other.conf;', /outside the conf's folder/],
    ['location / { root /var/www; }', /outside the conf's folder/],
    ['location / { alias /etc/; }', /outside the conf's folder/],
    ['load_module /home/me/evil.so;', /not in the system's module folders/],
    ['error_log syslog:server=10.0.0.1 warn;', /syslog/],
    ['stream { server { listen 53; proxy_pass 8.8.8.8:53; } }', /other ports and hosts/],
    ['location / { js_content main.handler; }', /runs code/],
    ['location / { proxy_store on; }', /writes responses/],
  ])('refuses %s', (conf, message) => {
    const out = rewrite(conf);
    expect(out.problems).toEqual(expect.arrayContaining([expect.objectContaining({ line: 0, message: expect.stringMatching(message) })]));
  });

  it('allows load_module from the system module folder', () => {
    expect(rewrite('load_module modules/ngx_http_headers_more_filter_module.so;\nload_module /usr/lib/nginx/modules/x.so;').problems).toEqual([]);
  });

  it("adds what the file leaves to nginx's built-in paths (pid, temp paths, the access log), in the run folder", () => {
    const out = only('events {}\nhttp {\n  proxy_temp_path /var/tmp/p;\n  server { access_log off; }\n}\n');
    expect(out.added).toEqual({
      main: ['pid /tmp/run/nginx/own-nginx.pid;'],
      http: ['client_body_temp_path /tmp/run/nginx/own-client_body;', 'fastcgi_temp_path /tmp/run/nginx/own-fastcgi;', 'uwsgi_temp_path /tmp/run/nginx/own-uwsgi;', 'scgi_temp_path /tmp/run/nginx/own-scgi;', 'access_log /tmp/run/nginx/own-access.log;'],
      httpLine: 1,
    });
    expect(only('pid /x/p.pid;\nevents {}\n').added).toEqual({ main: [], http: [] });
  });

  it("shows the user's lines, each rewritten one marked with what ran", () => {
    const text = 'events {}\nhttp {\n    server { listen 80; }\n}\n';
    expect(displayOwnConf(text, only(text).rewrites, './nginx.conf')).toBe(
      '# ./nginx.conf, as written; the lines marked "corslab ran" are what the lab changed\nevents {}\nhttp {\n    server { listen 80; }\n    #   ^ corslab ran (line 3): server { listen 127.0.0.1:4001; }\n}',
    );
  });
});

describe("the config a user's nginx.conf runs as", () => {
  it('keeps each line of the file as its own source, the lines the lab adds without one', async () => {
    const { nginxConfig } = await import('./config.ts');
    const lines = nginxConfig({ scenarioId: 's', prefix: '/s/s', setup: { conf: './nginx.conf', confFile: '/p/nginx.conf', confText: 'events {}\nhttp {\n  server { listen 80; }\n}\n' }, servers: [{ app: 'app', listenPort: 4001, upstreamPort: 4002 }], dir: '/tmp/run/nginx' });
    expect(lines[0]).toEqual({ text: 'pid /tmp/run/nginx/own-nginx.pid;  # corslab: added (your file sets none)' });
    expect(lines[1]).toEqual({ text: 'events {}', source: { field: 'nginx.conf', line: 0 } });
    expect(lines[2]).toEqual({ text: 'http {', source: { field: 'nginx.conf', line: 1 } });
    expect(lines[3]!.source).toBeUndefined();
    expect(lines.find((l) => l.source?.line === 2)!.text).toBe('  server { listen 127.0.0.1:4001; }');
  });
});
