import { runSummary } from './results.ts';
import { engineDisagreements } from '../observations/engine-differences.ts';
import { claimCounts, claimVerdicts } from '../curriculum/verdicts.ts';
import { RESULTS_SCHEMA_VERSION, type CellResult, type EngineInfo, type NotRun, type RunResults, type RunSource, type ScenarioInfo, type SecurityFinding, type StackInfo } from '../results/types.ts';

/** One run's results, and the folder they were read from. */
export interface MergeInput {
  dir: string;
  results: RunResults;
}

/** Inputs that cannot be merged (exit code 2 in the CLI): the message names the folders. */
export class MergeError extends Error {
  override name = 'MergeError';
}

/**
 * One run's results from several (the shards of a run, or runs of the same
 * scenarios on other machines or images): the cells of every input, each
 * with the input it came from (`source`, an index into `merged.sources`,
 * which keeps where each ran and the engines' and images' versions there),
 * and what is derived from cells (the summary, the engines' disagreements,
 * the claims index) derived again from all of them. Refused: inputs of
 * another schema or tool version, of another scenario set, or two inputs
 * with the same cell (same scenario, probe, stack and engine: the same
 * column of the matrix twice).
 */
export function mergeResults(inputs: readonly MergeInput[]): { results: RunResults; notes: string[] } {
  if (inputs.length === 0) throw new MergeError('nothing to merge: give the folders of the runs (each with a results.json)');
  const wrongSchema = inputs.filter((i) => i.results.schemaVersion !== RESULTS_SCHEMA_VERSION);
  if (wrongSchema.length > 0) {
    throw new MergeError(`${wrongSchema.map((i) => `${i.dir} (schema version ${String(i.results.schemaVersion)})`).join(', ')}: merge reads results of schema version ${RESULTS_SCHEMA_VERSION}, which this corslab writes; run those again with it`);
  }
  sameEverywhere(inputs, (r) => r.tool.version, 'corslab versions', 'version');
  sameEverywhere(inputs, (r) => r.scenarioSetHash, 'scenario sets (their scenario files or --origin differ)', 'scenario set');
  const notes: string[] = [];
  const shardTotals = new Set(inputs.map((i) => i.results.shard?.total).filter((t) => t !== undefined));
  for (const total of shardTotals) {
    const present = new Set(inputs.filter((i) => i.results.shard?.total === total).map((i) => i.results.shard!.index));
    const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !present.has(i));
    if (missing.length > 0) notes.push(`shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${total}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among the inputs: ${missing.length === 1 ? 'its' : 'their'} cells are missing from the merged report`);
  }

  const origin = new Map<string, string>();
  for (const { dir, results } of inputs) {
    for (const cell of results.cells) {
      const other = origin.get(cell.id);
      if (other !== undefined) {
        throw new MergeError(
          `cell ${cell.id} is in both ${other} and ${dir}: the same scenario, probe, stack and engine (one column of the matrix) twice. Merge shards of one run (--shard i/n), or runs that ran other engines or stacks; to compare two machines' ${cell.engine}, merge each with its own shards instead`,
        );
      }
      origin.set(cell.id, dir);
    }
  }

  const first = inputs[0]!.results;
  const scenarios = mergedScenarios(inputs.map((i) => i.results.scenarios));
  const engineOrder = unique(inputs.flatMap((i) => i.results.filters.engines));
  const cells = orderCells(
    inputs.flatMap(({ results }, source) => results.cells.map((cell): CellResult => ({ ...cell, source }))),
    scenarios,
    engineOrder,
  );
  const sources = inputs.map(({ dir, results }): RunSource => ({
    dir,
    ...(results.shard ? { shard: results.shard } : {}),
    machine: results.environment.machine,
    startedAt: results.startedAt,
    durationMs: results.durationMs,
    ...(results.environment.runtime ? { runtime: results.environment.runtime } : {}),
    engines: results.environment.engines,
    stacks: results.environment.stacks,
  }));
  const starts = inputs.map((i) => Date.parse(i.results.startedAt));
  const ends = inputs.map((i, n) => starts[n]! + i.results.durationMs);
  const engines = uniqueBy(inputs.flatMap((i) => i.results.environment.engines), (e: EngineInfo) => e.name);
  const notRunCells = inputs.flatMap((i) => i.results.notRun?.cells ?? []);
  const notRun: NotRun | undefined = notRunCells.length > 0 ? { reason: inputs.flatMap((i) => (i.results.notRun ? [`${i.dir}: ${i.results.notRun.reason}`] : [])).join('; '), maxFailures: Math.min(...inputs.flatMap((i) => (i.results.notRun ? [i.results.notRun.maxFailures] : []))), cells: notRunCells } : undefined;
  const everyFilter = <T>(pick: (r: RunResults) => T[] | undefined): T[] | undefined => (inputs.every((i) => pick(i.results)) ? unique(inputs.flatMap((i) => pick(i.results)!)) : undefined);
  const stacksFilter = everyFilter((r) => r.filters.stacks);
  const greps = unique(inputs.map((i) => i.results.filters.grep ?? ''));
  const network = inputs.flatMap((i) => (i.results.environment.network ? [i.results.environment.network] : []));
  const results: RunResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: first.tool,
    scenarioSetHash: first.scenarioSetHash,
    merged: { sources },
    startedAt: new Date(Math.min(...starts)).toISOString(),
    durationMs: Math.max(...ends) - Math.min(...starts),
    environment: {
      ...first.environment,
      engines,
      missingEngines: uniqueBy(inputs.flatMap((i) => i.results.environment.missingEngines), (m) => m.name).filter((m) => !engines.some((e) => e.name === m.name)),
      stacks: uniqueBy(inputs.flatMap((i) => i.results.environment.stacks), (s: StackInfo) => s.name),
      ...(network.length > 0 ? { network: { proxy: network[0]!.proxy, declared: unique(network.flatMap((n) => n.declared)), refused: network.flatMap((n) => n.refused) } } : {}),
    },
    filters: { engines: engineOrder, ...(stacksFilter ? { stacks: stacksFilter } : {}), ...(greps.length === 1 && greps[0] ? { grep: greps[0] } : {}) },
    scenarios,
    cells,
    ...(notRun ? { notRun } : {}),
    engineDisagreements: engineDisagreements(cells),
    securityFindings: mergedFindings(inputs.flatMap((i) => i.results.securityFindings)),
    ...(first.curriculum ? { curriculum: mergedCurriculum(first.curriculum, cells) } : {}),
    timings: {
      serversMs: Math.max(...inputs.map((i) => i.results.timings.serversMs)),
      engineLaunchMs: maxOf(inputs.map((i) => i.results.timings.engineLaunchMs)),
      cellsMs: maxOf(inputs.map((i) => i.results.timings.cellsMs)),
    },
    summary: runSummary(cells, notRun ? notRun.cells.length : 0),
  };
  return { results, notes };
}

/** Every input has the same value, or the error names which folders have which. */
function sameEverywhere(inputs: readonly MergeInput[], pick: (r: RunResults) => string, what: string, one: string): void {
  const byValue = new Map<string, string[]>();
  for (const { dir, results } of inputs) byValue.set(pick(results), [...(byValue.get(pick(results)) ?? []), dir]);
  if (byValue.size <= 1) return;
  const groups = [...byValue].map(([value, dirs]) => `${one} ${value.length > 16 ? value.slice(0, 12) : value}: ${dirs.join(', ')}`);
  throw new MergeError(`the inputs come from different ${what}, so their cells are not one run's: ${groups.join('; ')}`);
}

/**
 * The scenarios of every input, each once, in the order a run lists them
 * (scenario files sorted by path, harness/scenarios/load.ts). A scenario's
 * server code is kept per stack from the input that ran that stack (its
 * origins carry that run's ports).
 */
function mergedScenarios(lists: readonly ScenarioInfo[][]): ScenarioInfo[] {
  const byId = new Map<string, ScenarioInfo>();
  for (const list of lists) {
    for (const scenario of list) {
      const seen = byId.get(scenario.id);
      byId.set(scenario.id, seen ? { ...seen, serverCode: { ...scenario.serverCode, ...seen.serverCode } } : scenario);
    }
  }
  return [...byId.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** Cells in a run's plan order: scenario, probe, stack (the scenario's column order), engine. */
function orderCells(cells: CellResult[], scenarios: readonly ScenarioInfo[], engines: readonly string[]): CellResult[] {
  const scenarioRank = new Map(scenarios.map((s, i) => [s.id, i]));
  const stackRank = new Map(scenarios.map((s) => [s.id, new Map(s.stacks.map((stack, i) => [stack, i]))]));
  const rank = (c: CellResult) => [scenarioRank.get(c.scenario) ?? 0, c.probe, stackRank.get(c.scenario)?.get(c.stack) ?? 0, engines.indexOf(c.engine)];
  return cells.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  });
}

/**
 * The inputs' security findings, each once. A finding is per scenario and
 * stack, whose cells a shard never splits; runs of other engines on another
 * machine find the same one with other cells, which are joined.
 */
function mergedFindings(findings: readonly SecurityFinding[]): SecurityFinding[] {
  const byKey = new Map<string, SecurityFinding>();
  for (const finding of findings) {
    const { cells, exploitedIn, readWithoutCookieIn, ...rest } = finding;
    const key = JSON.stringify(rest);
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, cells: unique([...seen.cells, ...cells]), exploitedIn: unique([...seen.exploitedIn, ...exploitedIn]), readWithoutCookieIn: unique([...seen.readWithoutCookieIn, ...readWithoutCookieIn]) } : finding);
  }
  return [...byKey.values()];
}

/** The claims index decided again from every input's cells. */
function mergedCurriculum(curriculum: NonNullable<RunResults['curriculum']>, cells: readonly CellResult[]): NonNullable<RunResults['curriculum']> {
  const lines = new Map(curriculum.claims.map((c) => [c.id, c.line]));
  const claims = claimVerdicts(
    curriculum.claims.map(({ verdict: _verdict, engines: _engines, line: _line, ...claim }) => claim),
    cells,
  ).map((c) => ({ ...c, line: lines.get(c.id) ?? 1 }));
  return { ...curriculum, claims, counts: claimCounts(claims) };
}

function maxOf(records: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const record of records) for (const [key, ms] of Object.entries(record)) out[key] = Math.max(out[key] ?? 0, ms);
  return out;
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
