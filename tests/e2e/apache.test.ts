import os from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { chromiumDriver } from '../../harness/browsers/chromium/chromium-driver.ts';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { ScenarioValidationError } from '../../harness/scenarios/errors.ts';
import { startLabRun } from '../../harness/run/run.ts';
import { apacheProxy } from '../../servers/proxies/apache/index.ts';
import { PageServer } from '../../servers/page/page-server.ts';
import { cell, headerValues, runFixtures } from './helpers.ts';
import type { RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

/** Command lines of the httpd processes alive now that read a config in one of these folders. */
function httpdProcessesIn(dirs: readonly string[]): string[] {
  const lines = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((l) => /\b(apache2|httpd)\b/.test(l) && dirs.some((d) => l.includes(d)));
}

// Real Apache httpd in front of a real app, real Chromium in front of both.
describe('Apache httpd as a proxy, end to end in Chromium', () => {
  let results: RunResults;
  const dirs: string[] = [];
  beforeAll(async () => {
    const start = apacheProxy.start;
    const spy = vi.spyOn(apacheProxy, 'start').mockImplementation((executable, dir, lines, ports, options) => {
      dirs.push(dir);
      return start(executable, dir, lines, ports, options);
    });
    try {
      results = await runFixtures('apache', { probeTimeoutMs: 5_000, requireStacks: true });
    } finally {
      spy.mockRestore();
    }
  });

  it('records httpd\'s version with the stack', () => {
    const stacks = results.environment.stacks.map((s) => [s.name, s.packages.apache]);
    expect(stacks.sort()).toEqual([
      ['apache>express-cors', expect.stringMatching(/^2\.4\.\d+$/)],
      ['apache>express-manual', expect.stringMatching(/^2\.4\.\d+$/)],
    ]);
  });

  it('passes every cell', () => {
    expect(results.cells.map((c) => `${c.id} ${c.verdict}`)).toEqual(results.cells.map((c) => `${c.id} pass`));
  });

  it('answers the preflight at httpd: a 204 with the policy\'s headers, and nothing on the hop to the app', () => {
    const put = cell(results, 'policy-at-proxy', 0, 'apache>express-manual');
    const { app } = results.environment.origins;
    const preflight = exchangeAt(put.observed, 'preflight')!;
    expect(preflight.response!.status).toBe(204);
    expect(headerValues(preflight.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app]);
    expect(headerValues(preflight.response!.headers, 'Access-Control-Allow-Methods')).toEqual(['PUT']);
    expect(headerValues(preflight.response!.headers, 'Access-Control-Allow-Headers')).toEqual(['content-type']);
    expect(headerValues(preflight.response!.headers, 'Vary')).toEqual(['Origin']);
    expect(preflight.appHop).toBeUndefined();
    expect(preflight.reachedHandler).toBe(false);
  });

  it('passes the PUT to the app, which answers without CORS headers, and adds them on the way back', () => {
    const put = cell(results, 'policy-at-proxy', 0, 'apache>express-manual');
    const { app } = results.environment.origins;
    const actual = exchangeAt(put.observed, 'actual')!;
    expect(actual.reachedHandler).toBe(true);
    expect(actual.appHop!.request.method).toBe('PUT');
    expect(actual.appHop!.request.body).toBe('{"a":1}');
    // ProxyPreserveHost: the app sees the Host the browser sent; mod_proxy adds X-Forwarded-For.
    const host = new URL(results.environment.origins.api['apache>express-manual']!).host;
    expect(headerValues(actual.request.headers, 'Host')).toEqual([host]);
    expect(headerValues(actual.appHop!.request.headers, 'Host')).toEqual([host]);
    expect(headerValues(actual.appHop!.request.headers, 'X-Forwarded-For')).toEqual(['127.0.0.1']);
    expect(headerValues(actual.appHop!.response!.headers, 'Access-Control-Allow-Origin')).toEqual([]);
    expect(headerValues(actual.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app]);
    expect(headerValues(actual.response!.headers, 'Access-Control-Expose-Headers')).toEqual(['X-Total-Count']);
    expect(put.observed!.js).toMatchObject({ kind: 'response', status: 200, body: '{"items":3}' });
  });

  it('sends an unlisted origin nothing but Vary, while the request still reached the app', () => {
    const evil = cell(results, 'policy-at-proxy', 1, 'apache>express-manual');
    expect(evil.observed).toMatchObject({ result: 'blocked', preflight: null, reachedHandler: true });
    const response = exchangeAt(evil.observed, 'actual')!.response!;
    expect(response.headers.filter(([n]) => /^access-control-/i.test(n))).toEqual([]);
    expect(headerValues(response.headers, 'Vary')).toEqual(['Origin']);
  });

  it('shows the app\'s one Access-Control-Allow-Origin on the hop and two on the browser\'s side', () => {
    const both = cell(results, 'both-layers', 0, 'apache>express-cors');
    const { app } = results.environment.origins;
    const actual = exchangeAt(both.observed, 'actual')!;
    expect(headerValues(actual.appHop!.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app]);
    expect(headerValues(actual.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app, app]);
    expect(both.observed!.messages.map((m) => m.corsError)).toContain('MultipleAllowOriginValues');
  });

  it('answers 503 itself when nothing listens behind it, with only the `always` headers', () => {
    const down = cell(results, 'upstream-down', 0, 'apache>express-manual');
    const actual = exchangeAt(down.observed, 'actual')!;
    expect(actual.response!.status).toBe(503);
    expect(actual.appHop).toBeUndefined();
    expect(headerValues(actual.response!.headers, 'Access-Control-Allow-Origin')).toEqual([results.environment.origins.app]);
    expect(headerValues(actual.response!.headers, 'X-Onsuccess')).toEqual([]);
    expect(down.observed!.js).toMatchObject({ kind: 'response', status: 503 });
  });

  it('stops every httpd it started when the run ends', () => {
    expect(dirs).toHaveLength(3);
    expect(httpdProcessesIn(dirs)).toEqual([]);
  });
});

describe('a scenario that tries to write its own Apache config', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is refused before anything starts, with file, line and field for each attempt', async () => {
    const error = await loadScenarios(['tests/fixtures/apache-injection'], 'tests/fixtures/apache-injection').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioValidationError);
    const problems = (error as ScenarioValidationError).problems.map((p) => `${p.file}:${p.line}  ${p.field}  ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tests\/fixtures\/apache-injection\/origin-line-break\.yaml:4  server\.policy\.origin  /),
        'tests/fixtures/apache-injection/origin-quote.yaml:7  server.policy.origin[1]  cannot go into the apache config: it contains the character `"`, which could end the value and add directives',
        'tests/fixtures/apache-injection/close-location.yaml:7  server.apache.location  `</Location>` closes a block the snippet did not open: a snippet cannot leave the <Location> it is given',
        'tests/fixtures/apache-injection/close-location.yaml:9  server.apache.location  `ProxyPass` is not allowed in a scenario: the lab sets the upstream itself, so every request stays on loopback',
        'tests/fixtures/apache-injection/include-a-file.yaml:7  server.apache.server  `Include` is not allowed in a scenario: it reads files from outside the scenario',
      ]),
    );
  });

  it('makes `corslab run` exit 2 without testing, starting or launching anything', async () => {
    const test = vi.spyOn(apacheProxy, 'test');
    const start = vi.spyOn(apacheProxy, 'start');
    const launch = vi.spyOn(chromiumDriver, 'launch');
    const listen = vi.spyOn(PageServer.prototype, 'listen');
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    expect(await main(['run', 'tests/fixtures/apache-injection', '--engine', 'chromium'])).toBe(2);
    expect(stderr).toContain('nothing was started');
    expect(stderr).toContain('tests/fixtures/apache-injection/close-location.yaml:7:1  server.apache.location');
    for (const spy of [test, start, launch, listen]) expect(spy).not.toHaveBeenCalled();
  });

  it('makes the corslab command exit 2, and no httpd is left', () => {
    const result = spawnSync(process.execPath, ['bin/corslab.js', 'run', 'tests/fixtures/apache-injection/origin-quote.yaml'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('origin-quote.yaml:7:9  server.policy.origin[1]  cannot go into the apache config');
    // Only this run's: its folders sit in its own run folder (harness/system/lifeline.ts), or straight in the temporary folder
    // before the run has one. Other test files run httpd at the same time (the Docker runtime's, visible from the host).
    expect(httpdProcessesIn([`corslab-run-${result.pid}-`, `${os.tmpdir()}/corslab-apache-`])).toEqual([]);
  });
});

describe('a snippet that httpd\'s config test refuses', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is reported at the scenario\'s line, and httpd never starts', async () => {
    const test = vi.spyOn(apacheProxy, 'test');
    const start = vi.spyOn(apacheProxy, 'start');
    const launch = vi.spyOn(chromiumDriver, 'launch');
    const listen = vi.spyOn(PageServer.prototype, 'listen');
    const scenarios = await loadScenarios(['tests/fixtures/apache-broken'], 'tests/fixtures/apache-broken');
    const error = await startLabRun({ scenarios, engines: ['chromium'], reporters: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioValidationError);
    expect((error as ScenarioValidationError).problems).toEqual([
      {
        file: 'tests/fixtures/apache-broken/header-missing-value.yaml',
        line: 7,
        column: 1,
        field: 'server.apache.location',
        message: 'Apache httpd refuses the config: Header requires three arguments',
      },
    ]);
    expect(test).toHaveBeenCalledTimes(1);
    for (const spy of [start, launch, listen]) expect(spy).not.toHaveBeenCalled();
  });
});
