import { randomBytes } from 'node:crypto';
import { STACK_NAMES, type PageOriginName, type Probe, type Scenario, type StackName } from '../scenarios/types.ts';
import type { EngineName } from '../browsers/driver.ts';

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
  /**
   * Cells that send cookies (credentials: include) get a browser context of
   * their own, so no cookie one cell receives is seen by another. The rest
   * share a page: unique URLs already keep their caches apart.
   */
  freshContext: boolean;
}

export interface PlanFilters {
  stacks?: readonly StackName[];
  engines: readonly EngineName[];
  /** Matched against "scenario id, title, probe name". */
  grep?: RegExp;
}

/**
 * The stacks a scenario runs on: every stack when it states a policy (or has
 * no CORS setup at all); only the stacks it gives code for when it reproduces
 * stack-specific snippets without a policy.
 */
export function stacksFor(scenario: Scenario): StackName[] {
  const withCode = STACK_NAMES.filter((name) => scenario.server[name] !== undefined);
  if (scenario.server.policy || withCode.length === 0) return [...STACK_NAMES];
  return withCode;
}

export function probeName(probe: Probe): string {
  if (probe.name) return probe.name;
  const method = (probe.fetch.method ?? 'GET').toUpperCase();
  return `${method} ${probe.fetch.url}${probe.from === 'evil' ? ' from the evil page' : ''}`;
}

export function planCells(scenarios: readonly Scenario[], filters: PlanFilters): PlannedCell[] {
  const nonce = randomBytes(3).toString('hex');
  let counter = 0;
  const cells: PlannedCell[] = [];
  for (const scenario of scenarios) {
    const stacks = stacksFor(scenario).filter((s) => !filters.stacks || filters.stacks.includes(s));
    scenario.probes.forEach((probe, probeIndex) => {
      const name = probeName(probe);
      if (filters.grep && !filters.grep.test(`${scenario.id} ${scenario.title} ${name}`)) return;
      for (const stack of stacks) {
        for (const engine of filters.engines) {
          cells.push({
            id: `${scenario.id}#${probeIndex}@${stack}/${engine}`,
            token: `${nonce}${(counter++).toString(36)}`,
            scenario,
            probeIndex,
            probe,
            probeName: name,
            stack,
            engine,
            from: probe.from ?? 'app',
            freshContext: probe.fetch.credentials === 'include',
          });
        }
      }
    });
  }
  return cells;
}
