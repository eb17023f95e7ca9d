import { defaults } from '../config/defaults.ts';
import type { Cleanup } from '../core/cleanup.ts';
import type { Scenario } from '../core/format.ts';
import { splitStack, type EngineName, type StackName } from '../core/names.ts';
import { isTargetStack, targetStackOrigin } from '../core/target.ts';
import { planCells, type PlanFilters, type PlannedCell } from '../plan/plan.ts';
import { cellsOfShard } from '../plan/shard.ts';
import { engineDriver } from '../browsers/catalog.ts';
import type { EngineDriver, EngineLocation, RemoteBrowser } from '../browsers/driver.ts';
import type { ProxyLocations } from '../../servers/proxies/proxy.ts';
import { RuntimeSetupError, type StackRuntime } from '../../servers/runtimes/runtime.ts';
import { resolveSettings, runtimes } from '../../servers/runtimes/catalog.ts';
import { checkProxyConfigs, ownConfRewrites } from './proxy-check.ts';
import { checkOwnApps } from './own-app-check.ts';
import type { RunOptions } from './config.ts';

/** Bad options found before anything starts (exit code 2 in the CLI). */
export class RunSetupError extends Error {
  override name = 'RunSetupError';
}

/** An engine found on this machine, ready to launch. */
export interface FoundEngine {
  name: EngineName;
  driver: EngineDriver;
  /** The browser's executable; for a remote one, its endpoint. */
  executable: string;
  source: (EngineLocation & { available: true })['source'] | 'remote';
  /** Connected to, not launched (`--connect`, `--webdriver`). */
  remote?: RemoteBrowser;
}

/** The options' limits, with the defaults (harness/config/defaults.ts) filled in. */
export interface RunLimits {
  /** Probes in flight per engine on its shared pages, where the run fixed it (`-c`); otherwise the engines split defaults.concurrencyPerRun (harness/run/in-flight.ts). */
  concurrencyPerPage: number | undefined;
  isolatedContexts: number;
  probeTimeoutMs: number;
}

/** Everything a run decides before it starts anything: engines, runtime, proxies, cells. */
export interface PreparedRun {
  readonly options: RunOptions;
  /** When the run began: the results' start, the progress's elapsed time and the recorders' clock. */
  readonly startedAt: number;
  /** Everything the run starts registers here; stopping it stops the run. */
  readonly cleanup: Cleanup;
  readonly engines: FoundEngine[];
  readonly missingEngines: { name: EngineName; reason: string }[];
  readonly runtime: StackRuntime;
  readonly proxyLocations: ProxyLocations;
  /** In plan order, without the cells behind a missing proxy. */
  readonly cells: PlannedCell[];
  /** The scenarios each stack serves, stacks in the order of their first cell. */
  readonly scenariosByStack: Map<StackName, Scenario[]>;
  readonly limits: RunLimits;
}

/** What preparing needs from the run: its start, its cleanup, and where notices go. */
export interface RunContext {
  startedAt: number;
  cleanup: Cleanup;
  notice(text: string): void;
}

/**
 * Locates the engines, makes the runtime, plans the cells, locates the
 * proxies and runs their config tests. Throws RunSetupError (or the config
 * tests' ScenarioValidationError) on bad options, before anything starts.
 */
export async function prepareRun(options: RunOptions, run: RunContext): Promise<PreparedRun> {
  const { engines, missingEngines } = await locateEngines(options, run.notice);
  const runtime = await makeRuntime(options, run.cleanup);
  const planned = inShard(options, planCells(options.scenarios, planFilters(options, engines, runtime)), runtime.variants);
  if (planned.length === 0) throw new RunSetupError(noCellMessage(options));
  checkTargets(options, planned, run.notice);
  const { cells, proxyLocations } = await withProxies(options, planned, runtime, run.notice);
  return {
    options,
    startedAt: run.startedAt,
    cleanup: run.cleanup,
    engines,
    missingEngines,
    runtime,
    proxyLocations,
    cells,
    scenariosByStack: scenariosByStack(cells),
    limits: {
      concurrencyPerPage: options.concurrencyPerPage,
      isolatedContexts: options.isolatedContexts ?? defaults.isolatedContexts,
      probeTimeoutMs: options.probeTimeoutMs ?? defaults.probeTimeoutMs,
    },
  };
}

/**
 * With `--shard`, only the shard's cells. The split is made over the cells the
 * options ask for (every engine named, every proxy), not over those this
 * machine can run, so that every machine of a CI matrix splits the same
 * plan; an engine or proxy missing here then skips its cells of this shard only.
 */
export function inShard(options: Pick<RunOptions, 'shard' | 'scenarios' | 'engines' | 'stacks' | 'grep' | 'onlyCells'>, cells: PlannedCell[], variants: PlanFilters['variants']): PlannedCell[] {
  if (!options.shard) return cells;
  const whole = planCells(options.scenarios, { engines: options.engines, stacks: options.stacks, grep: options.grep, variants, ...(options.onlyCells ? { only: options.onlyCells } : {}) });
  const mine = new Set(cellsOfShard(whole, options.shard).map((c) => c.id));
  return cells.filter((c) => mine.has(c.id));
}

/** Why a run has nothing to do: its filters, or the cells --last-failed named, match no cell. */
export function noCellMessage(options: Pick<RunOptions, 'onlyCells' | 'shard'>): string {
  if (options.shard) return `--shard ${options.shard.index}/${options.shard.total}: this shard has no cell (the scenarios and filters plan fewer units of scheduling than shards; a scenario, or a scenario on one stack, is never split)`;
  if (options.onlyCells) return `--last-failed: none of the ${options.onlyCells.size} cells that failed or errored last time is planned by these scenarios and filters`;
  return 'no cell matches the given scenarios and filters';
}

/** The same cells with new tokens, so that running them again shares no URL (hence no cache) with the first time. */
export function replanCells(run: PreparedRun): PlannedCell[] {
  const ids = new Set(run.cells.map((c) => c.id));
  return planCells(run.options.scenarios, planFilters(run.options, run.engines, run.runtime)).filter((c) => ids.has(c.id));
}

function planFilters(options: RunOptions, engines: readonly FoundEngine[], runtime: StackRuntime): PlanFilters {
  return {
    engines: engines.map((e) => e.name),
    stacks: options.stacks,
    grep: options.grep,
    variants: runtime.variants,
    ...(options.onlyCells ? { only: options.onlyCells } : {}),
    ...(options.target !== undefined ? { labStacksBesideTarget: true } : {}),
  };
}

/**
 * Servers the user runs: a declared API origin leads to one of them only
 * (the lab's mapping proxy routes it by origin), and under --target what
 * the scenarios say of the lab's own stacks (a policy, stack code) is not
 * what that server runs, which a notice says.
 */
function checkTargets(options: RunOptions, cells: readonly PlannedCell[], notice: (text: string) => void): void {
  const byOrigin = new Map<string, { stack: StackName; scenario: string }>();
  for (const cell of cells) {
    const api = cell.scenario.origins?.api;
    if (!isTargetStack(cell.stack) || api === undefined) continue;
    const seen = byOrigin.get(api);
    if (seen && seen.stack !== cell.stack) throw new RunSetupError(`${cell.scenario.file} and the scenario ${seen.scenario} declare the API origin ${api} for two servers (${targetStackOrigin(seen.stack)}, ${targetStackOrigin(cell.stack)}); give each server an API origin of its own`);
    byOrigin.set(api, { stack: cell.stack, scenario: cell.scenario.id });
  }
  if (options.target === undefined) return;
  const labSetup = options.scenarios.filter((s) => Object.keys(s.server).some((k) => k !== 'url'));
  if (labSetup.length > 0) {
    notice(`--target ${options.target}: ${labSetup.length} scenario(s) configure the lab's stacks (policy, answers or stack code); your server does not run that setup and answers as it is, so their expectations are checked against what it does`);
  }
}

/** A missing engine is said once and skipped (an error with requireEngines); at least one must be there. */
async function locateEngines(options: RunOptions, notice: (text: string) => void): Promise<Pick<PreparedRun, 'engines' | 'missingEngines'>> {
  const located = await Promise.all(
    options.engines.map(async (name) => {
      const driver = engineDriver(name);
      const remote = options.remotes?.[name];
      // A remote browser is there or not when the run connects to it: a failed connection is said then, as a failed launch is.
      if (driver && remote) return { name, driver, remote, location: { available: true, executable: remote.endpoint, source: 'remote' } as const };
      const location: EngineLocation = driver ? await driver.locate() : { available: false, reason: `${name} is not supported yet` };
      return { name, driver, location };
    }),
  );
  for (const name of Object.keys(options.remotes ?? {})) {
    if (!options.engines.includes(name)) notice(`${name} has a remote browser (--connect or --webdriver), but this run does not run ${name} (--engine ${options.engines.join(',')}); it is not connected to`);
  }
  const missingEngines = located.flatMap((l) => (l.location.available ? [] : [{ name: l.name, reason: l.location.reason }]));
  if (missingEngines.length > 0 && options.requireEngines) {
    throw new RunSetupError(missingEngines.map((m) => `${m.name}: ${m.reason}`).join('\n'));
  }
  for (const m of missingEngines) notice(`${m.name} is not available and is skipped: ${m.reason}`);
  const engines = located.flatMap((l): FoundEngine[] =>
    l.location.available && l.driver ? [{ name: l.name, driver: l.driver, executable: l.location.executable, source: l.location.source, ...('remote' in l && l.remote ? { remote: l.remote } : {}) }] : [],
  );
  if (engines.length === 0) throw new RunSetupError('no engine is available to run the cells');
  return { engines, missingEngines };
}

/** The runtime the settings ask for (servers/runtimes/catalog.ts); one that cannot work here is bad options. */
async function makeRuntime(options: RunOptions, cleanup: Cleanup): Promise<StackRuntime> {
  const settings = options.runtime ?? resolveSettings(undefined, {});
  return runtimes[settings.runtime](settings, cleanup).catch((error: unknown) => {
    throw error instanceof RuntimeSetupError ? new RunSetupError(error.message) : error;
  });
}

/** Proxies: a missing one is said once and its stacks are skipped; a config it refuses stops the run before anything starts. */
async function withProxies(
  options: RunOptions,
  planned: PlannedCell[],
  runtime: StackRuntime,
  notice: (text: string) => void,
): Promise<{ cells: PlannedCell[]; proxyLocations: ProxyLocations }> {
  const inPlay = options.scenarios.filter((s) => planned.some((c) => c.scenario === s));
  const proxyLocations = await runtime.locateProxies(inPlay);
  const missingProxies = Object.entries(proxyLocations).flatMap(([name, l]) => (l.available ? [] : [{ name, reason: l.reason }]));
  if (missingProxies.length > 0 && options.requireStacks) throw new RunSetupError(missingProxies.map((m) => `${m.name}: ${m.reason}`).join('\n'));
  const cells = planned.filter((c) => {
    const { proxy } = splitStack(c.stack);
    return !proxy || proxyLocations[proxy]?.available;
  });
  for (const m of missingProxies) {
    notice(`${m.name} is not available, so the ${planned.length - cells.length} cells behind it are skipped: ${m.reason}`);
  }
  await checkProxyConfigs(inPlay, proxyLocations, (proxy) => runtime.configTests(proxy));
  await checkOwnApps(inPlay);
  for (const line of ownConfRewrites(inPlay)) notice(line);
  if (cells.length === 0) throw new RunSetupError('no cell is left to run once the missing proxies are skipped');
  return { cells, proxyLocations };
}

function scenariosByStack(cells: readonly PlannedCell[]): Map<StackName, Scenario[]> {
  const byStack = new Map<StackName, Scenario[]>();
  for (const cell of cells) {
    const list = byStack.get(cell.stack) ?? [];
    if (!list.includes(cell.scenario)) list.push(cell.scenario);
    byStack.set(cell.stack, list);
  }
  return byStack;
}
