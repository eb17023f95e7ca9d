import { readdirSync, readlinkSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CACHE_DIR, installedVersion, nextBuildCount } from '../../servers/apps/next/build.ts';
import { cell, headerValues, runFixtures } from './helpers.ts';
import type { RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

const accessControl = (headers: [string, string][] | undefined) => (headers ?? []).filter(([n]) => /^access-control-/i.test(n));

// A real `next build` and `next start` (cached by content), alone and behind real nginx, in real Chromium.
describe('Next.js, end to end', () => {
  let first: RunResults;
  let second: RunResults;
  let buildsInFirst: number;
  let buildsInSecond: number;
  beforeAll(async () => {
    const before = nextBuildCount();
    first = await runFixtures('next', { stacks: ['next', 'nginx>next'], requireStacks: true });
    buildsInFirst = nextBuildCount() - before;
    second = await runFixtures('next', { stacks: ['next', 'nginx>next'], requireStacks: true });
    buildsInSecond = nextBuildCount() - before - buildsInFirst;
  });

  it('records the installed Next.js and React with the stack', () => {
    const stack = first.environment.stacks.find((s) => s.name === 'next')!;
    expect(stack.label).toBe('Next.js');
    expect(stack.packages).toEqual({ next: installedVersion('next'), react: installedVersion('react') });
    expect(stack.packages.next).toMatch(/^16\./);
  });

  it('passes every cell it could build, in both runs', () => {
    for (const results of [first, second]) {
      const unexpected = results.cells.filter((c) => c.verdict !== 'pass' && c.scenario !== 'broken-route');
      expect(unexpected.map((c) => `${c.id}: ${c.error ?? JSON.stringify(c.differences)}`)).toEqual([]);
    }
  });

  it('answers a preflight to a route handler without OPTIONS itself: 204, Allow, and no CORS headers', () => {
    const put = cell(first, 'route-without-options', 1, 'next');
    const preflight = exchangeAt(put.observed, 'preflight')!;
    expect(preflight.response!.status).toBe(204);
    expect(headerValues(preflight.response!.headers, 'Allow')).toEqual(['GET, HEAD, OPTIONS, PUT']);
    expect(accessControl(preflight.response!.headers)).toEqual([]);
    expect(preflight.reachedHandler).toBe(false);
    expect(exchangeAt(put.observed, 'actual')).toBeNull();
    expect(put.observed!.result).toBe('blocked');
    // The GET, which sets the headers itself, is read.
    const get = cell(first, 'route-without-options', 0, 'next');
    expect(get.observed).toMatchObject({ result: 'allowed', reachedHandler: true });
    expect(headerValues(exchangeAt(get.observed, 'actual')!.response!.headers, 'Access-Control-Allow-Origin')).toEqual(['*']);
  });

  it('adds next.config headers() to Next\'s own OPTIONS answer and to the default route\'s answer, under the source only', () => {
    const { app } = first.environment.origins;
    const put = cell(first, 'config-headers', 0, 'next');
    const preflight = exchangeAt(put.observed, 'preflight')!;
    expect(preflight.response!.status).toBe(204);
    expect(headerValues(preflight.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app]);
    expect(headerValues(preflight.response!.headers, 'Allow')[0]).toContain('PUT');
    const actual = exchangeAt(put.observed, 'actual')!;
    expect(actual.reachedHandler).toBe(true);
    expect(actual.response!.status).toBe(201);
    expect(headerValues(actual.response!.headers, 'Access-Control-Expose-Headers')).toEqual(['X-Total-Count']);
    expect(put.observed!.js).toMatchObject({ kind: 'response', status: 201, body: 'made' });
    const outside = cell(first, 'config-headers', 1, 'next');
    expect(accessControl(exchangeAt(outside.observed, 'actual')!.response!.headers)).toEqual([]);
    expect(exchangeAt(outside.observed, 'actual')!.reachedHandler).toBe(true);
  });

  it('lets the proxy (middleware) answer the preflight before any route runs', () => {
    const put = cell(first, 'middleware', 0, 'next');
    expect(exchangeAt(put.observed, 'preflight')!.response!.status).toBe(204);
    expect(headerValues(exchangeAt(put.observed, 'preflight')!.response!.headers, 'X-Answered-By')).toEqual(['proxy']);
    expect(exchangeAt(put.observed, 'preflight')!.reachedHandler).toBe(false);
    expect(exchangeAt(put.observed, 'actual')!.reachedHandler).toBe(true);
    expect(headerValues(exchangeAt(put.observed, 'actual')!.response!.headers, 'Access-Control-Allow-Origin')).toEqual([first.environment.origins.app]);
    // The attacker's preflight gets nothing; its simple POST still runs the handler.
    expect(cell(first, 'middleware', 1, 'next').observed).toMatchObject({ result: 'blocked', reachedHandler: false, actual: null });
    expect(cell(first, 'middleware', 2, 'next').observed).toMatchObject({ result: 'blocked', reachedHandler: true, preflight: null });
  });

  it('runs a pages API route\'s function for the preflight too', () => {
    const put = cell(first, 'pages-api', 0, 'next');
    expect(exchangeAt(put.observed, 'preflight')!.reachedHandler).toBe(true);
    expect(exchangeAt(put.observed, 'preflight')!.response!.status).toBe(200);
    expect(exchangeAt(put.observed, 'actual')!.reachedHandler).toBe(true);
    expect(put.observed!.js).toMatchObject({ kind: 'response', status: 200 });
    expect(put.observed!.js.kind === 'response' && put.observed!.js.body).toContain('"method":"PUT"');
  });

  it('renders a policy as a route handler with OPTIONS, which answers the preflight without running the handler', () => {
    const put = cell(first, 'policy', 0, 'next');
    expect(first.scenarios.find((s) => s.id === 'policy')!.serverCode.next).toContain('export async function OPTIONS(request)');
    expect(exchangeAt(put.observed, 'preflight')!.response!.status).toBe(204);
    expect(headerValues(exchangeAt(put.observed, 'preflight')!.response!.headers, 'Access-Control-Allow-Methods')).toEqual(['PUT']);
    expect(exchangeAt(put.observed, 'preflight')!.reachedHandler).toBe(false);
    expect(exchangeAt(put.observed, 'actual')!.reachedHandler).toBe(true);
  });

  it('works behind nginx, with both hops recorded', () => {
    const put = cell(first, 'behind-nginx', 0, 'nginx>next');
    expect(put.verdict).toBe('pass');
    expect(exchangeAt(put.observed, 'actual')!.appHop!.request.method).toBe('PUT');
    expect(exchangeAt(put.observed, 'actual')!.reachedHandler).toBe(true);
    expect(headerValues(exchangeAt(put.observed, 'actual')!.response!.headers, 'Server')[0]).toMatch(/^nginx\//);
  });

  it('blames a route that does not compile on its own scenario, with what Next said, and still serves the others', () => {
    const broken = cell(first, 'broken-route', 0, 'next');
    expect(broken.verdict).toBe('error');
    expect(broken.error).toMatch(/server\.next\.route did not build: app\/s\/broken-route\/\[\[\.\.\.path\]\]\/route\.js:3:1/);
    expect(broken.error).toContain("Expected ',', got '}'");
    expect(broken.observed).toBeUndefined();
    expect(cell(second, 'broken-route', 0, 'next').error).toBe(broken.error);
  });

  it('takes the build from the cache in the second run: no next build', () => {
    // The first run builds the set with the broken route, then the set without it (none when an earlier run left them cached).
    expect(buildsInFirst).toBeLessThanOrEqual(2);
    expect(buildsInSecond).toBe(0);
    process.stdout.write(`next: ${buildsInFirst} build(s), servers up in ${first.timings.serversMs} ms; cached: servers up in ${second.timings.serversMs} ms\n`);
  });

  it('leaves no next start running and no copy of the build behind', () => {
    expect(readdirSync(CACHE_DIR).filter((name) => name.startsWith(`run-${process.pid}-`))).toEqual([]);
    // `next start` runs in its copy of the build: no process may still have its working folder there.
    const inCopies = readdirSync('/proc').filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(`${CACHE_DIR}/run-${process.pid}-`);
      } catch {
        return false;
      }
    });
    expect(inCopies).toEqual([]);
  });
});
