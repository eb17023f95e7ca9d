import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { proxyDefinition } from '../../servers/proxies/catalog.ts';
import { PageServer } from '../../servers/page/page-server.ts';
import { cell, headerValues, runFixtures } from './helpers.ts';
import type { RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

// Real nginx (Debian's) between the recorder and the app, in real Chromium.
describe('nginx in front of an app', () => {
  let results: RunResults;
  beforeAll(async () => {
    results = await runFixtures('nginx', { requireStacks: true });
  });

  it('records nginx\'s version with the stack', () => {
    const stack = results.environment.stacks.find((s) => s.name === 'nginx>express-cors')!;
    expect(stack.label).toBe('nginx → Express + cors');
    expect(stack.packages.nginx).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('shows both hops: the app sent Access-Control-Allow-Origin once, the browser got it twice', () => {
    const get = cell(results, 'layers-both', 0, 'nginx>express-cors');
    const { app } = results.environment.origins;
    const toBrowser = exchangeAt(get.observed, 'actual')!;
    expect(headerValues(toBrowser.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app, app]);
    expect(headerValues(toBrowser.appHop!.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app]);
    expect(headerValues(toBrowser.response!.headers, 'Server')[0]).toMatch(/^nginx\//);
    expect(get.observed!.result).toBe('blocked');
    expect(get.explanation!.reason).toMatch(/arrived 2 times/);
  });

  it('answers the preflight at the proxy, which never reaches the app', () => {
    const put = cell(results, 'layers-both', 1, 'nginx>express-cors');
    expect(exchangeAt(put.observed, 'preflight')!.response!.status).toBe(204);
    expect(exchangeAt(put.observed, 'preflight')!.appHop).toBeUndefined();
    expect(exchangeAt(put.observed, 'actual')!.appHop!.request.method).toBe('PUT');
    expect(put.observed!.reachedHandler).toBe(true);
  });

  it('lets the page read nginx\'s own 502 when the app is down', () => {
    const down = cell(results, 'upstream-down', 0, 'nginx>fastify-cors');
    expect(down.verdict).toBe('pass');
    expect(exchangeAt(down.observed, 'actual')!.response!.status).toBe(502);
    expect(exchangeAt(down.observed, 'actual')!.appHop).toBeUndefined();
  });

  it('leaves no nginx running', () => {
    // This process's runs only: their folders sit in a run folder named after it (harness/system/lifeline.ts); other test files run nginx at the same time.
    const running = spawnSync('pgrep', ['-af', 'corslab-nginx-'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((line) => line.includes(`corslab-run-${process.pid}-`));
    expect(running).toEqual([]);
  });
});

describe('what a scenario writes into nginx', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('cannot add a directive through a value, leave its block or include a file: refused at the line, nothing starts', async () => {
    const start = vi.spyOn(proxyDefinition('nginx'), 'start');
    const listen = vi.spyOn(PageServer.prototype, 'listen');
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    expect(await main(['run', 'tests/fixtures/nginx-injection'])).toBe(2);
    expect(stderr).toContain('tests/fixtures/nginx-injection/value-breaks-out.yaml:4:21  server.policy.origin  cannot go into the nginx config: it contains the character `"`');
    expect(stderr).toContain('tests/fixtures/nginx-injection/snippet-leaves-its-block.yaml:7:1  server.nginx.location  a `}` closes a block the snippet did not open');
    expect(stderr).toContain('tests/fixtures/nginx-injection/snippet-includes-a-file.yaml:6:1  server.nginx.server  `include` is not allowed in a scenario');
    expect(start).not.toHaveBeenCalled();
    expect(listen).not.toHaveBeenCalled();
  });

  it('is tested with nginx -t before the run, and a refused line is reported in the scenario file', async () => {
    const start = vi.spyOn(proxyDefinition('nginx'), 'start');
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    expect(await main(['run', 'tests/fixtures/nginx-broken'])).toBe(2);
    expect(stderr).toContain('tests/fixtures/nginx-broken/typo.yaml:7:1  server.nginx.location  nginx refuses the config: invalid number of arguments in "add_header" directive');
    expect(start).not.toHaveBeenCalled();
  });
});
