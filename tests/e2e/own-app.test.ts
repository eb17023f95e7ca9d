/**
 * Your app, as it is (server.app), end to end in Chromium: a user's Express
 * app with a real allow-list (cors), a Fastify plugin and a plain (req, res)
 * handler, each loaded from its module unchanged, at the origins it serves
 * in production (named origins through the lab's mapping proxy). Each app
 * answers with what it got, so the test holds the recorder's record of the
 * browser's request against the request the app saw.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';
import { defaults } from '../../harness/config/defaults.ts';
import { withoutCellParam } from '../../servers/apps/own-app/kinds.ts';
import { cell, runFixtures } from './helpers.ts';

describe("a user's own app module", () => {
  let results: RunResults;
  beforeAll(async () => {
    results = await runFixtures('own-app');
  }, 120_000);

  it('runs each module in a column named after its file', () => {
    expect(results.environment.stacks.map((s) => s.name).sort()).toEqual(['apache>app@no-cors-app.js', 'app@express-app.js', 'app@fastify-plugin.js:api', 'app@handler.js', 'nginx>app@no-cors-app.js', 'nginx>express-manual']);
    expect(results.environment.stacks.find((s) => s.name === 'app@express-app.js')!.label).toBe('express-app.js (your app)');
  });

  it.each([
    ['express', 3, 'app@express-app.js'],
    ['fastify', 2, 'app@fastify-plugin.js:api'],
    ['handler', 2, 'app@handler.js'],
    ['nginx', 3, 'nginx>app@no-cors-app.js'],
    ['apache', 2, 'apache>app@no-cors-app.js'],
    ['nginx-lab', 2, 'nginx>express-manual'],
  ] as const)('%s: every probe is judged as the app really answered', (scenario, probes, stack) => {
    for (let probe = 0; probe < probes; probe++) {
      const c = cell(results, scenario, probe, stack);
      expect(c.verdict, `${c.id}: ${c.error ?? JSON.stringify(c.observed)}`).toBe('pass');
    }
  });

  it("the allow-list lets the page's real origin read, and keeps the attacker out although the request reached the app", () => {
    const own = cell(results, 'express', 0, 'app@express-app.js');
    expect(own.observed!.result).toBe('allowed');
    const evil = cell(results, 'express', 1, 'app@express-app.js');
    expect(evil.observed!.result).toBe('blocked');
    expect(evil.observed!.reachedHandler).toBe(true);
    expect(exchangeAt(evil.observed, 'actual')!.request.headers.find(([n]) => n.toLowerCase() === 'origin')?.[1]).toBe('https://evil.example.test');
  });

  it.each([
    ['express', 0, 'app@express-app.js'],
    ['fastify', 0, 'app@fastify-plugin.js:api'],
    ['handler', 0, 'app@handler.js'],
  ] as const)("%s: the app got the request line and headers the recorder kept, without the lab's token and exchange header", (scenario, probe, stack) => {
    const actual = exchangeAt(cell(results, scenario, probe, stack).observed, 'actual')!;
    const got = (JSON.parse(actual.response!.body!) as { got: { url: string; headers: string[] } }).got;
    expect(got.url).toBe(withoutCellParam(actual.request.target, defaults.cellParam));
    expect(actual.request.target).toContain(`${defaults.cellParam}=`);
    expect(got.url).not.toContain(defaults.cellParam);
    const recorded = actual.request.headers.flat();
    expect(got.headers).toEqual(recorded);
    expect(got.headers.map((h) => h.toLowerCase())).not.toContain(defaults.exchangeHeader);
  });

  it("the user's nginx.conf answers with its own CORS lines, and the app behind it got what nginx sent", () => {
    const preflight = exchangeAt(cell(results, 'nginx', 1, 'nginx>app@no-cors-app.js').observed, 'preflight')!;
    // nginx's `return 204` in the user's `if`: the preflight never reached the app.
    expect(preflight.response!.status).toBe(204);
    expect(preflight.reachedHandler).toBe(false);
    expect(preflight.response!.headers).toEqual(expect.arrayContaining([['Access-Control-Allow-Methods', 'GET, PUT']]));
    const actual = exchangeAt(cell(results, 'nginx', 0, 'nginx>app@no-cors-app.js').observed, 'actual')!;
    const got = (JSON.parse(actual.response!.body!) as { got: { url: string; headers: string[] } }).got;
    const hop = actual.appHop!.request;
    expect(got.url).toBe(withoutCellParam(hop.target, defaults.cellParam));
    // What nginx sent, less the recorder's exchange header, which nginx passed on and the lab took off before the app.
    const pairs = hop.headers.filter(([n]) => n.toLowerCase() !== defaults.exchangeHeader);
    expect(got.headers).toEqual(pairs.flat());
    expect(hop.headers.map(([n]) => n.toLowerCase())).toContain(defaults.exchangeHeader);
  });

  it("shows the user's nginx.conf lines, each rewritten one marked", () => {
    const code = results.scenarios.find((s) => s.id === 'nginx')!.serverCode['nginx>app@no-cors-app.js']!;
    expect(code).toContain('        listen 80;\n        #   ^ corslab ran (line 24): listen 127.0.0.1:');
    expect(code).toContain('        server 127.0.0.1:3000 max_fails=3;\n        #   ^ corslab ran (line 14): server 127.0.0.1:');
    expect(code).toContain('            proxy_pass http://backend;\n            proxy_set_header');
  });

  it("the user's httpd.conf: its continued ProxyPass line rewritten on its first line, the rest as written", () => {
    const code = results.scenarios.find((s) => s.id === 'apache')!.serverCode['apache>app@no-cors-app.js']!;
    expect(code).toMatch(/ {4}ProxyPass "\/api\/" \\\n {4}#   \^ corslab ran \(line 23\): ProxyPass \/api\/ http:\/\/127\.0\.0\.1:\d+\/api\/\n {8}"http:\/\/127\.0\.0\.1:3000\/api\/"/);
    expect(code).toContain('    Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN\n');
    const allowed = exchangeAt(cell(results, 'apache', 0, 'apache>app@no-cors-app.js').observed, 'actual')!;
    expect(allowed.response!.headers).toEqual(expect.arrayContaining([['Access-Control-Allow-Origin', 'https://app.mycompany.test']]));
  });

  it('shows the module, what it detected and what "reached" means, in the code the report shows', () => {
    const code = results.scenarios.find((s) => s.id === 'fastify')!.serverCode['app@fastify-plugin.js:api']!;
    expect(code).toContain('./fastify-plugin.js, export api');
    expect(code).toMatch(/detected: a Fastify plugin; "reached the handler" here means the request reached the app's request listener/);
  });
});
