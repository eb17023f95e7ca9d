import { describe, expect, it } from 'vitest';
import { lintSnippet } from './lint.ts';
import { nginxConfig, nginxPolicy, unsafeConfigValue } from './config.ts';

describe('what a scenario may write into nginx', () => {
  it('accepts the directives that shape responses, with if blocks and map data', () => {
    expect(lintSnippet('add_header A "b" always;\nif ($request_method = OPTIONS) {\n    add_header B c;\n    return 204;\n}\nproxy_hide_header Vary;', 'location')).toEqual([]);
    expect(lintSnippet('map $http_origin $cors {\n    default "";\n    "https://a.example" $http_origin;\n}', 'http')).toEqual([]);
  });

  it('refuses directives that reach the disk, the network or the process, naming the line', () => {
    expect(lintSnippet('add_header A b;\ninclude /etc/passwd;', 'server')).toEqual([{ line: 1, message: expect.stringMatching(/^`include` is not allowed in a scenario: it reads files/) }]);
    expect(lintSnippet('proxy_pass http://example.com;', 'location')[0]!.message).toMatch(/the lab sets the upstream itself/);
    expect(lintSnippet('if ($x) {\n  root /;\n}', 'location')).toEqual([{ line: 1, message: expect.stringMatching(/^`root` is not allowed/) }]);
    expect(lintSnippet('map $a $b { default ""; }', 'location')[0]!.message).toMatch(/`map` is not a directive a scenario may use at the location level/);
  });

  it('refuses a snippet that leaves its block or never closes one', () => {
    expect(lintSnippet('add_header A b;\n}\nlocation / {', 'location')[0]).toEqual({ line: 1, message: expect.stringMatching(/closes a block the snippet did not open/) });
    expect(lintSnippet('if ($x) {\n  return 204;', 'location')).toEqual([expect.objectContaining({ message: 'a `{` is never closed' })]);
  });

  it('does not read a brace or a semicolon inside quotes as syntax', () => {
    expect(lintSnippet('add_header X "a;b}{c" always;', 'location')).toEqual([]);
    expect(lintSnippet('add_header X "never closed;', 'location')).toEqual([expect.objectContaining({ message: expect.stringMatching(/quote .* is never closed/) })]);
  });

  it('reads a word the way nginx does: a `#` or a quote inside a word is an ordinary character, not a comment or a string', () => {
    expect(lintSnippet('add_header X a#;\nroot /;', 'location')).toEqual([{ line: 1, message: expect.stringMatching(/^`root` is not allowed/) }]);
    expect(lintSnippet('add_header X a"b;\nroot /; c";', 'location').map((p) => p.line)).toContain(1);
    expect(lintSnippet("add_header X a'b; alias /etc/; '", 'location').map((p) => p.message)).toContainEqual(expect.stringMatching(/^`alias` is not allowed/));
    // A comment at the start of a word is still one, and ${var} stays one word.
    expect(lintSnippet('# root /;\nadd_header X ${http_origin}x;', 'location')).toEqual([]);
  });

  it('checks the body of a map too, where nginx reads `include`', () => {
    expect(lintSnippet('map $http_origin $cors {\n    include /etc/passwd;\n}', 'http')).toEqual([{ line: 1, message: expect.stringMatching(/^`include` is not allowed/) }]);
  });

  it('lets a Location or Refresh header a snippet adds lead only back into the lab', () => {
    expect(lintSnippet('add_header Location https://example.com/ always;\nreturn 302;', 'location')).toEqual([{ line: 0, message: expect.stringMatching(/^`add_header Location` to `https:\/\/example.com\/` may lead the browser out of the lab/) }]);
    expect(lintSnippet('add_header Refresh "0; url=//example.com/";', 'location')[0]!.message).toMatch(/may lead the browser out of the lab/);
    expect(lintSnippet('add_header Location /s/x/elsewhere always;\nadd_header X-Other https://example.com/;', 'location')).toEqual([]);
  });

  it('lets a redirect lead only back into the lab', () => {
    for (const out of ['return 302 https://example.com/;', 'return https://example.com/;', 'return 301 //example.com/;', 'return 307 /\\example.com/;', 'rewrite ^ https://example.com/ redirect;', 'return 302 "$scheme://example.com";', 'return 302 http://api.example.localhost:2@example.com;', 'return 302 http://$arg_to/;', 'return 302 /$arg_to;']) {
      expect(lintSnippet(out, 'location'), out).toEqual([{ line: 0, message: expect.stringMatching(/may lead the browser out of the lab/) }]);
    }
    for (const inside of ['return 302 /elsewhere;', 'return 302 $scheme://$host/x;', 'return 301 http://api.example.localhost:2/s/x/moved;', 'return 204;', 'return 403 "no";', 'rewrite ^/a(.*)$ /b$1 last;', 'return 302 http://app.example.localhost:1/;', 'return 302 /x$request_uri;']) {
      expect(lintSnippet(inside, 'location'), inside).toEqual([]);
    }
  });
});

describe('values a scenario puts into an nginx config', () => {
  it.each(['http://a.example";add_header X 1;#', 'http://a.example\nadd_header X 1;', 'http://$host', 'a}b', "it's"])('refuses %j', (value) => {
    expect(unsafeConfigValue(value)).toBeDefined();
    expect(() => nginxPolicy({ origin: value }, '$v')).toThrow(/refusing to put/);
  });

  it('accepts origins, with the deliberate mistakes scenarios make', () => {
    for (const value of ['http://app.example.localhost:4000', 'http://app.example.localhost:4000/', 'null', '*', 'http://a.example,http://b.example']) expect(unsafeConfigValue(value)).toBeUndefined();
  });
});

describe('the generated config', () => {
  const input = {
    scenarioId: 'proxies/x',
    prefix: '/s/proxies.x',
    setup: { location: 'add_header A b;\nadd_header C d;' },
    servers: [{ app: 'express-cors' as const, listenPort: 4001, upstreamPort: 4002 }],
    dir: '/tmp/corslab-nginx-test',
  };

  it('keeps every server on loopback, proxies to the app, and remembers which lines came from the scenario', () => {
    const lines = nginxConfig(input);
    const text = lines.map((l) => l.text).join('\n');
    expect(text).toContain('listen 127.0.0.1:4001;');
    expect(text).toContain('proxy_pass http://127.0.0.1:4002;');
    expect(text).toContain('location /s/proxies.x/ {');
    expect(lines.filter((l) => l.source).map((l) => [l.text.trim(), l.source])).toEqual([
      ['add_header A b;', { field: 'nginx.location', line: 0 }],
      ['add_header C d;', { field: 'nginx.location', line: 1 }],
    ]);
  });

  it('renders a policy with a map for the allow-list and the preflight branch repeating its headers', () => {
    const { http, location } = nginxPolicy({ origin: ['http://a.example'], methods: ['PUT'], credentials: true, maxAge: 60 }, '$allow');
    expect(http).toEqual(['map $http_origin $allow {', '    default "";', '    "http://a.example" $http_origin;', '}']);
    expect(location).toContain('add_header Access-Control-Allow-Origin $allow always;');
    expect(location.filter((l) => l.includes('Access-Control-Allow-Origin'))).toHaveLength(2);
    expect(location).toContain('    add_header Access-Control-Allow-Methods "PUT" always;');
    expect(location).toContain('    return 204;');
  });
});
