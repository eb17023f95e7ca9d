/**
 * Named origins, end to end in all three engines: pages and APIs at
 * real-looking origins (http://localhost:5173, https://api.mycompany.test,
 * https on default ports), mapped to the lab's listeners on 127.0.0.1 by the
 * lab's mapping proxy, with certificates from the run's CA. And the seal:
 * a host no scenario declared is refused by the proxy and reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { runLab } from '../../harness/run/run.ts';
import { startNetwork, type RunNetwork } from '../../harness/run/network.ts';
import { engineDriver } from '../../harness/browsers/catalog.ts';
import { Cleanup } from '../../harness/core/cleanup.ts';
import { PageServer } from '../../servers/page/page-server.ts';
import type { Scenario } from '../../harness/core/format.ts';
import type { EngineSession, ProbePage } from '../../harness/browsers/driver.ts';
import type { Lab } from '../../harness/run/start-servers.ts';
import type { RunResults } from '../../harness/results/types.ts';
import { cell, headerValues } from './helpers.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

const ENGINES = ['chromium', 'firefox', 'webkit'] as const;

describe('named origins in every engine', () => {
  let results: RunResults;
  beforeAll(async () => {
    const root = 'tests/fixtures/named-origins';
    results = await runLab({ scenarios: await loadScenarios([root], root), engines: [...ENGINES], stacks: ['express-cors'], reporters: [], requireEngines: true });
  }, 120_000);

  it.each(ENGINES)('%s: a page at exactly http://localhost:5173 is what https://api.mycompany.test sees in Origin', (engine) => {
    const get = cell(results, 'localhost-page', 0, 'express-cors', engine);
    expect(get.verdict, get.error).toBe('pass');
    expect(get.pageOrigin).toBe('http://localhost:5173');
    expect(headerValues(exchangeAt(get.observed, 'actual')!.request.headers, 'Origin')).toEqual(['http://localhost:5173']);
    expect(headerValues(exchangeAt(get.observed, 'actual')!.request.headers, 'Host')).toEqual(['api.mycompany.test']);
    const put = cell(results, 'localhost-page', 1, 'express-cors', engine);
    expect(put.verdict, put.error).toBe('pass');
    expect(headerValues(exchangeAt(put.observed, 'preflight')!.request.headers, 'Origin')).toEqual(['http://localhost:5173']);
  });

  it.each(ENGINES)('%s: a Secure cookie set over https is stored and sent', (engine) => {
    const c = cell(results, 'secure-cookies', 0, 'express-cors', engine);
    expect(c.verdict, c.error).toBe('pass');
    expect(c.observed!.cookiesSent).toEqual(['c_lax', 'c_none_secure']);
  });

  it.each(ENGINES)('%s: an origin on its default port is sent without the port', (engine) => {
    const c = cell(results, 'default-port', 0, 'express-cors', engine);
    expect(c.verdict, c.error).toBe('pass');
    expect(headerValues(exchangeAt(c.observed, 'actual')!.request.headers, 'Origin')).toEqual(['https://app.example.com']);
  });

  it('says how each engine was routed, and which origins the proxy mapped', () => {
    for (const engine of ENGINES) {
      const info = results.environment.engines.find((e) => e.name === engine)!;
      expect(info.network).toMatch(/mapping proxy \(127\.0\.0\.1:\d+/);
    }
    expect(results.environment.network!.declared.sort()).toEqual(['http://api.example.com', 'http://localhost:5173', 'https://api.example.com', 'https://api.mycompany.test', 'https://app.example.com', 'https://cdn.example.net']);
  });
});

/**
 * The three properties of https the lab must keep, per engine, on a page the
 * lab serves at https://app.example.com: it is a secure context, and mixed
 * content (an http fetch from it) is blocked before anything is sent. (Secure
 * cookies: the suite above.) And the seal: requests to undeclared hosts, by
 * http and by https, are refused by the proxy and reported.
 */
describe.each(ENGINES)('%s on the lab network', (engine) => {
  const cleanup = new Cleanup();
  let network: RunNetwork;
  let session: EngineSession;
  let page: ProbePage;
  const declared: Scenario = { id: 'x', file: 'x.yaml', chapter: 'x', probeLines: [], title: 'x', lesson: 'x', server: {}, probes: [], origins: { app: 'https://app.example.com', plain: 'http://plain.example.com' } };

  beforeAll(async () => {
    network = await startNetwork([declared], cleanup);
    const pages = new PageServer();
    const pagePort = await pages.listen('127.0.0.1');
    cleanup.add('the page server', () => pages.close());
    network.connect({ cookieOrigin: `http://api.example.localhost:${pagePort}`, stacks: new Map() } as unknown as Lab, []);
    const driver = engineDriver(engine)!;
    const location = await driver.locate();
    if (!location.available) throw new Error(location.reason);
    session = await driver.launch(location.executable, location.source, network.engines);
    cleanup.add(engine, () => session.close());
    page = await session.openPage('https://app.example.com', { freshContext: false });
  }, 60_000);
  afterAll(() => cleanup.stopAll());

  const run = (code: string) => page.run({ token: 't', code, timeoutMs: 5_000 });

  it('serves the https page as a secure context', async () => {
    const outcome = await run("Promise.resolve(new Response(JSON.stringify([self.isSecureContext, location.protocol])))");
    expect(outcome.js).toMatchObject({ kind: 'response', body: '[true,"https:"]' });
  });

  it('blocks mixed content: an http fetch from the https page never reaches the proxy', async () => {
    const before = network.refusals().length;
    const outcome = await run("fetch('http://plain.example.com/mixed?corslab_cell=mixed')");
    expect(outcome.js).toMatchObject({ kind: 'error', name: 'TypeError' });
    // Had it reached the proxy, the proxy would have refused it (no cell has this token) and said so.
    // (Chromium and Firefox ask the proxy for their own update and settings hosts meanwhile: those are refused too.)
    expect(network.refusals().slice(before).filter((r) => r.origin.includes('plain.example.com'))).toEqual([]);
  });

  it('refuses and reports hosts that no scenario declared, by http and by https', async () => {
    const https = await run("fetch('https://undeclared.example/x?corslab_cell=sealed1')");
    expect(https.js).toMatchObject({ kind: 'error', name: 'TypeError' });
    await page.close();
    page = await session.openPage('http://plain.example.com', { freshContext: false });
    const http = await run("fetch('http://undeclared.example/y?corslab_cell=sealed2', { mode: 'no-cors' })");
    expect(http.js.kind).not.toBe('timeout');
    const refused = network.refusals().map((r) => r.origin);
    expect(refused).toContain('https://undeclared.example');
    expect(refused).toContain('http://undeclared.example');
    expect(network.refusalsFor('sealed2')).toHaveLength(1);
  });
});
