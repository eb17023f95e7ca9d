import { randomBytes } from 'node:crypto';
import { baseStack, splitStack, type AppStackName, type PageOriginName, type ProxyVariants, type StackName, type EngineName } from '../core/names.ts';
import type { Expectation, Probe, Scenario } from '../core/format.ts';
import { mergeExpectation } from '../scenarios/expectations.ts';
import { isTargetStack, parseTarget, targetStackName } from '../core/target.ts';
import { appStackNames, stackDefinition } from '../../servers/apps/catalog.ts';
import { proxiesUsed } from '../../servers/proxies/locate.ts';
import { proxySetupOf } from '../../servers/proxies/proxy.ts';

/** One cell: scenario x probe x stack x engine. */
export interface PlannedCell {
  /** Stable across runs: `scenario#probe@stack/engine`. */
  id: string;
  /** Unique within and across runs; goes into every URL the cell requests. */
  token: string;
  scenario: Scenario;
  probeIndex: number;
  probe: Probe;
  probeName: string;
  stack: StackName;
  engine: EngineName;
  from: PageOriginName;
  /** The probe's expectation for this stack and engine (`expect` with any matching `expectFor` merged over it). */
  expected: Expectation;
  /** Why this cell's expectation differs from the probe's `expect`, when it does. */
  expectedBecause?: string;
  /**
   * Cells whose cookie state matters get a browser context of their own, so
   * no cookie one cell receives is seen by another: a scenario with `cookies`,
   * and a credentialed request to a server that may set cookies. The rest
   * share a page: unique URLs already keep their caches apart. The runner
   * checks the assumption on the wire: a shared-page request that carries
   * any cookie is an error, never a result.
   */
  freshContext: boolean;
}

export interface PlanFilters {
  stacks?: readonly StackName[];
  engines: readonly EngineName[];
  /** Matched against "scenario id, title, probe name". */
  grep?: RegExp;
  /** Docker runtime: a proxy with more than one image gets one column per image (see stacksFor). */
  variants?: ProxyVariants;
  /** Only cells with these ids (`--last-failed`). */
  only?: ReadonlySet<string>;
  /**
   * `--target`: the scenarios' `server.url` was set by the run, and the lab's
   * stacks named by `stacks` run beside it (without `stacks`, the target alone).
   */
  labStacksBesideTarget?: boolean;
}

/**
 * The app stacks a scenario's app setup applies to: every app stack when it
 * states a policy (or has no CORS setup at all); only the stacks it gives code
 * for when it reproduces stack-specific snippets without a policy.
 */
export function appStacksFor(scenario: Scenario): AppStackName[] {
  // A user's own app (server.app) runs only where a scenario names it, in its file's column (`app@app.js`).
  const own = (name: AppStackName) => stackDefinition(name).ownApp;
  const all = appStackNames().filter((name) => !own(name));
  const mine = appStackNames().flatMap((name) => (own(name) && scenario.server[name] !== undefined ? [own(name)!.column(scenario.server[name])] : []));
  const withCode = all.filter((name) => scenario.server[name] !== undefined);
  if (scenario.server.policy || (withCode.length === 0 && mine.length === 0)) return [...all, ...mine];
  return [...withCode, ...mine];
}

/**
 * The columns a scenario runs in: its app stacks, or, when it configures a
 * proxy, that proxy in front of each app stack it names (default: all of its
 * app stacks). A proxy scenario is about the proxy layer, so it does not also
 * run on the bare apps.
 */
export function stacksFor(scenario: Scenario, variants: ProxyVariants = {}): StackName[] {
  const target = targetColumn(scenario);
  if (target) return [target];
  return labStacksFor(scenario, variants);
}

/** The column of the server the user runs that a scenario's `server.url` names, if it names one. */
export function targetColumn(scenario: Scenario): StackName | undefined {
  const url = scenario.server.url;
  const parsed = url === undefined ? undefined : parseTarget(url).target;
  return parsed && targetStackName(parsed);
}

/** The lab's own columns for a scenario, whatever its `server.url`. */
function labStacksFor(scenario: Scenario, variants: ProxyVariants): StackName[] {
  const apps = appStacksFor(scenario);
  const proxies = proxiesUsed([scenario]);
  if (proxies.length === 0) return apps;
  return proxies.flatMap((proxy) =>
    (proxySetupOf(scenario.server, proxy)!.apps ?? defaultApps(scenario, proxy, apps)).flatMap((app): StackName[] => {
      const labels = variants[proxy];
      return labels && labels.length > 1 ? labels.map((v): StackName => `${proxy}@${v}>${app}`) : [`${proxy}>${app}`];
    }),
  );
}

/** The app stacks behind a proxy by default: a user's own config (`conf`) sends its own paths, so only stacks that can serve at the root. */
function defaultApps(scenario: Scenario, proxy: string, apps: AppStackName[]): AppStackName[] {
  if (proxySetupOf(scenario.server, proxy)!.conf === undefined) return apps;
  return apps.filter((app) => stackDefinition(splitStack(app).app).servesAtRoot !== false);
}

/**
 * Whether a cell's cookie state matters. Cookies exist only if someone sets
 * them: the scenario (`cookies`) or a server (a Set-Cookie header; a snippet
 * that mentions cookies at all counts, to be safe). A request only carries
 * them with credentials: include (the first request's or `again`'s).
 */
export function needsOwnContext(scenario: Scenario, probe: Probe, stack?: StackName): boolean {
  if (scenario.cookies !== undefined) return true;
  // A server the user runs gets the same URLs in every cell (no token), so nothing may be cached across cells: see schedule.ts.
  if (stack !== undefined && isTargetStack(stack)) return true;
  const credentialed = probe.fetch.credentials === 'include' || probe.again?.credentials === 'include';
  return credentialed && /cookie/i.test(JSON.stringify(scenario.server));
}

export function probeName(probe: Probe): string {
  if (probe.name) return probe.name;
  const method = (probe.fetch.method ?? 'GET').toUpperCase();
  return `${method} ${probe.fetch.url}${probe.from && probe.from !== 'app' ? ` from the ${probe.from} page` : ''}`;
}

const matches = <T extends string>(rule: T | T[] | undefined, value: T) =>
  rule === undefined || (Array.isArray(rule) ? rule.includes(value) : rule === value);

/** The expectation of a probe on one stack and engine: `expect`, with every matching `expectFor` merged over it in order. */
export function expectationFor(probe: Probe, stack: StackName, engine: EngineName): { expected: Expectation; because?: string } {
  let expected = probe.expect;
  const reasons: string[] = [];
  for (const rule of probe.expectFor ?? []) {
    if (matches(rule.stack, baseStack(stack)) && matches(rule.engine, engine)) {
      expected = mergeExpectation(expected, rule.expect);
      reasons.push(rule.why);
    }
  }
  return reasons.length > 0 ? { expected, because: reasons.join(' ') } : { expected };
}

export function planCells(scenarios: readonly Scenario[], filters: PlanFilters): PlannedCell[] {
  const nonce = randomBytes(3).toString('hex');
  let counter = 0;
  const cells: PlannedCell[] = [];
  for (const scenario of scenarios) {
    const target = targetColumn(scenario);
    const lab = target && !(filters.labStacksBesideTarget && filters.stacks) ? [] : labStacksFor(scenario, filters.variants ?? {});
    // The server the user runs is no lab stack: --stack names the lab's columns only.
    const stacks = [...(target ? [target] : []), ...lab.filter((s) => !filters.stacks || filters.stacks.includes(baseStack(s)))];
    scenario.probes.forEach((probe, probeIndex) => {
      const name = probeName(probe);
      if (filters.grep && !filters.grep.test(`${scenario.id} ${scenario.title} ${name}`)) return;
      for (const stack of stacks) {
        for (const engine of filters.engines) {
          const id = `${scenario.id}#${probeIndex}@${stack}/${engine}`;
          if (filters.only && !filters.only.has(id)) continue;
          const { expected, because } = target === stack ? withoutHandler(expectationFor(probe, stack, engine)) : expectationFor(probe, stack, engine);
          cells.push({
            id,
            token: `${nonce}${(counter++).toString(36)}`,
            scenario,
            probeIndex,
            probe,
            probeName: name,
            stack,
            engine,
            from: probe.from ?? 'app',
            expected,
            ...(because ? { expectedBecause: because } : {}),
            freshContext: needsOwnContext(scenario, probe, stack),
          });
        }
      }
    });
  }
  return cells;
}

/** A server the user runs is not marked by the lab, so an expectation about its handler (a scenario run with --target) is left out, saying why. */
function withoutHandler({ expected, because }: { expected: Expectation; because?: string }): { expected: Expectation; because?: string } {
  if (expected.reachedHandler === undefined) return because ? { expected, because } : { expected };
  const { reachedHandler: _unknown, ...rest } = expected;
  const why = 'Whether the handler ran is not known for a server the lab does not run, so reachedHandler is not checked.';
  return { expected: rest, because: because ? `${because} ${why}` : why };
}
