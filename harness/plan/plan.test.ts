import { describe, expect, it } from 'vitest';
import { expectationFor, planCells, stacksFor } from './plan.ts';
import type { Probe, Scenario } from '../core/format.ts';
import { appStackNames as allAppStacks, stackDefinition } from '../../servers/apps/catalog.ts';

/** The stacks a policy runs on: every one but a user's own app (server.app), which runs only where a scenario names it. */
const appStackNames = () => allAppStacks().filter((n) => !stackDefinition(n).ownApp);

const probe = (over: Partial<Probe> = {}): Probe => ({ fetch: { url: '{api}/x' }, expect: { result: 'allowed', status: 200 }, ...over });
const scenario = (server: Scenario['server'], probes: Probe[] = [probe()]): Scenario => ({
  id: 'topic/case',
  file: 'scenarios/topic/case.yaml',
  chapter: 'topic',
  title: 'case',
  lesson: 'lesson',
  server,
  probes,
  probeLines: probes.map((_, i) => 5 + i),
});

describe('planning cells', () => {
  it('runs a policy, or an app without CORS, on every stack, and raw code only on its stack', () => {
    expect(stacksFor(scenario({ policy: { origin: '*' } }))).toEqual(appStackNames());
    expect(stacksFor(scenario({}))).toEqual(appStackNames());
    expect(appStackNames()).toEqual(expect.arrayContaining(['express-cors', 'express-manual', 'fastify-cors', 'next']));
    expect(stacksFor(scenario({ 'express-manual': { code: 'app.use(x)' } }))).toEqual(['express-manual']);
  });

  it("runs a user's own app module only in its file's column", () => {
    expect(stacksFor(scenario({ app: { module: './src/app.js' } }))).toEqual(['app@app.js']);
    expect(stacksFor(scenario({ app: { module: './src/app.ts', export: 'router' } }))).toEqual(['app@app.ts:router']);
    expect(stacksFor(scenario({ app: { module: './app.js' }, 'express-cors': { code: 'app.use(x)' } }))).toEqual(['express-cors', 'app@app.js']);
  });

  it("puts a user's whole proxy config in front of their app, or of every lab stack that serves at the root", () => {
    expect(stacksFor(scenario({ app: { module: './app.js' }, nginx: { conf: './nginx.conf' } }))).toEqual(['nginx>app@app.js']);
    const behind = stacksFor(scenario({ nginx: { conf: './nginx.conf' } }));
    expect(behind).toContain('nginx>express-cors');
    expect(behind).not.toContain('nginx>next');
  });

  it('makes one cell per probe, stack and engine, each with its own token', () => {
    const cells = planCells([scenario({}, [probe(), probe({ from: 'evil' })])], { engines: ['chromium', 'firefox'] });
    const stacks = appStackNames().length;
    expect(cells).toHaveLength(2 * stacks * 2);
    expect(new Set(cells.map((c) => c.token)).size).toBe(cells.length);
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
    expect(cells.filter((c) => c.from === 'evil')).toHaveLength(stacks * 2);
  });

  it('gives a fresh context to cells whose cookies matter, and lets the others share', () => {
    const credentialed = probe({ fetch: { url: '{api}/x', credentials: 'include' } });
    const plan = (s: Scenario) => planCells([s], { engines: ['chromium'], stacks: ['express-cors'] }).map((c) => c.freshContext);
    // Nobody sets a cookie: nothing to leak, credentials or not.
    expect(plan(scenario({}, [probe(), credentialed]))).toEqual([false, false]);
    // The server may set one: only the credentialed request could carry it back.
    expect(plan(scenario({ response: { headers: { 'Set-Cookie': 'a=1' } } }, [probe(), credentialed]))).toEqual([false, true]);
    // On one path only, too.
    expect(plan(scenario({ responses: { '/login': { headers: { 'Set-Cookie': 'a=1' } } } }, [probe(), credentialed]))).toEqual([false, true]);
    // The scenario sets cookies first-party: every cell gets its own jar.
    expect(plan({ ...scenario({}, [probe(), credentialed]), cookies: [{ name: 'a' }] })).toEqual([true, true]);
  });

  it('counts a second request made with credentials (`again`) as credentialed too', () => {
    const credentialedAgain = probe({ fetch: { url: '{api}/x' }, again: { afterMs: 0, credentials: 'include' } });
    const plan = (s: Scenario) => planCells([s], { engines: ['chromium'], stacks: ['express-cors'] }).map((c) => c.freshContext);
    expect(plan(scenario({ response: { headers: { 'Set-Cookie': 'a=1' } } }, [probe(), credentialedAgain]))).toEqual([false, true]);
  });

  it('puts a proxy scenario behind its proxy, in front of the app stacks it names', () => {
    expect(stacksFor(scenario({ nginx: { location: 'add_header A b;', apps: ['express-manual', 'next'] } }))).toEqual(['nginx>express-manual', 'nginx>next']);
    expect(stacksFor(scenario({ 'fastify-cors': { code: 'x' }, apache: {} }))).toEqual(['apache>fastify-cors']);
  });

  it('filters by stack and by a pattern on id, title and probe name', () => {
    const s = scenario({}, [probe({ name: 'alpha' }), probe({ name: 'beta' })]);
    const cells = planCells([s], { engines: ['chromium'], stacks: ['fastify-cors'], grep: /beta/ });
    expect(cells.map((c) => `${c.probeName}@${c.stack}`)).toEqual(['beta@fastify-cors']);
  });

  it('keeps only the cells named by id (--last-failed), with the other filters', () => {
    const s = scenario({}, [probe({ name: 'alpha' }), probe({ name: 'beta' })]);
    const only = new Set(['topic/case#1@next/firefox', 'topic/case#0@express-cors/chromium', 'gone/scenario#0@next/chromium']);
    expect(planCells([s], { engines: ['chromium', 'firefox'], only }).map((c) => c.id)).toEqual(['topic/case#0@express-cors/chromium', 'topic/case#1@next/firefox']);
    expect(planCells([s], { engines: ['chromium'], only }).map((c) => c.id)).toEqual(['topic/case#0@express-cors/chromium']);
  });

  it('merges a matching expectFor over expect and keeps the reason', () => {
    const p = probe({ expectFor: [{ stack: 'fastify-cors', expect: { result: 'blocked' }, why: 'default methods' }] });
    expect(expectationFor(p, 'express-cors', 'chromium')).toEqual({ expected: { result: 'allowed', status: 200 } });
    // A blocked response has no status to read, so the general `status` no longer applies.
    expect(expectationFor(p, 'fastify-cors', 'chromium')).toEqual({ expected: { result: 'blocked' }, because: 'default methods' });
  });
});
