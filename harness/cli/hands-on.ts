/**
 * The hands-on lab (docker-compose.yml): the app stacks with the default
 * scenarios, and a page at http://app.example.localhost:PORT listing every
 * probe with a button that fires its request from the reader's own browser,
 * to watch in DevTools. No browser of the harness's, no verdicts: the
 * reader's browser is the engine. Scenarios behind a proxy are left out
 * (their proxies are not in the compose file); `corslab run` runs them.
 *
 *   node --import tsx harness/cli/hands-on.ts     (CORSLAB_HANDS_ON_PORT, default 8080)
 */
import { readFileSync } from 'node:fs';
import { Cleanup } from '../core/cleanup.ts';
import { defaults } from '../config/defaults.ts';
import { startLab } from '../run/start-servers.ts';
import { expandDeep, placeholderValues } from '../core/origins.ts';
import { probeName, stacksFor } from '../plan/plan.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { splitStack, type StackName } from '../core/names.ts';
import type { Scenario } from '../core/format.ts';
import { stackLabel } from '../../servers/labels.ts';
import { PageServer } from '../../servers/page/page-server.ts';
import { defaultRuntime } from '../../servers/runtimes/catalog.ts';

const port = Number(process.env.CORSLAB_HANDS_ON_PORT ?? 8080);
const scenarios = (await loadScenarios([defaults.scenarioDir], defaults.scenarioDir)).filter((s) => stacksFor(s).every((name) => !splitStack(name).proxy));
const byStack = new Map<StackName, Scenario[]>();
for (const scenario of scenarios) for (const name of stacksFor(scenario)) byStack.set(name, [...(byStack.get(name) ?? []), scenario]);

const cleanup = new Cleanup();
const page = new PageServer();
const lab = await startLab(byStack, cleanup, Date.now(), {}, defaultRuntime(), { port, server: page });

/** What the page lists: per scenario and probe, the request on each stack it runs on. */
const data = {
  pageOrigins: lab.pageOrigins,
  scenarios: scenarios.map((s) => ({
    id: s.id,
    title: s.title,
    lesson: s.lesson,
    probes: s.probes.map((p) => ({
      name: probeName(p),
      from: p.from ?? 'app',
      expect: p.expect,
      on: stacksFor(s).flatMap((name) => {
        const stack = lab.stacks.get(name);
        if (!stack || stack.startError || stack.setupErrors.has(s.id)) return [];
        return [{ stack: stackLabel(name), fetch: expandDeep(p.fetch, placeholderValues(stack.origins, s.id, s.origins)) }];
      }),
    })),
  })),
};
page.extraPages.set('/hands-on', { type: 'text/html; charset=utf-8', body: readFileSync(new URL('./hands-on.html', import.meta.url), 'utf8') });
page.extraPages.set('/hands-on.json', { type: 'application/json; charset=utf-8', body: JSON.stringify(data) });
for (const stack of lab.stacks.values()) if (stack.startError) process.stderr.write(`${stack.startError}\n`);
process.stdout.write(`CORS Lab hands-on: open ${lab.pageOrigins.app}/hands-on (${scenarios.length} scenarios on ${lab.stacks.size} stacks)\n`);

const stop = () => void cleanup.stopAll().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
