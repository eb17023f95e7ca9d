import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { packageVersion, toolVersion } from '../system/project.ts';
import { probeName, stacksFor } from '../plan/plan.ts';
import { engineDisagreements } from '../observations/engine-differences.ts';
import { securityFindings, trustedOrigins } from '../explanations/security.ts';
import { preflightFindings } from '../explanations/preflight-hygiene.ts';
import { isTargetStack } from '../core/target.ts';
import { claimCounts, claimVerdicts } from '../curriculum/verdicts.ts';
import { ARTICLE_TOPICS, CLAIMS_FILE } from '../curriculum/load.ts';
import type { Curriculum } from '../curriculum/types.ts';
import type { Scenario } from '../core/format.ts';
import type { RunStartInfo } from '../reporters/reporter.ts';
import { RESULTS_SCHEMA_VERSION, type CellResult, type MachineInfo, type NetworkInfo, type NotRun, type RunResults, type ScenarioInfo, type StackInfo } from '../results/types.ts';
import type { GatewayRefusal } from '../../servers/gateway/gateway.ts';
import { resolveAnswers } from '../../servers/apps/app-stack.ts';
import type { StackRuntime } from '../../servers/runtimes/runtime.ts';
import { stackInfo, type Lab } from './start-servers.ts';
import type { ExecutedCells } from './execute.ts';
import type { PreparedRun } from './prepare.ts';
import type { StartedRun } from './start.ts';

/** What the reporters hear when the servers and engines are up. */
export function runStartInfo(run: PreparedRun, started: StartedRun): RunStartInfo {
  return { total: run.cells.length, scenarios: new Set(run.cells.map((c) => c.scenario.id)).size, engines: [...started.engineInfos], stacks: stackInfos(run) };
}

/** The results contract (harness/results/types.ts) for a set of executed cells: what every report reads. */
export function runResults(run: PreparedRun, started: StartedRun, executed: ExecutedCells): RunResults {
  const { options } = run;
  const { lab } = started;
  const cells = executed.cells;
  const scenarioInfos = options.scenarios.filter((s) => run.cells.some((c) => c.scenario === s)).map((s) => scenarioInfo(s, lab, run.runtime));
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'corslab', version: toolVersion() },
    scenarioSetHash: scenarioSetHash(options.scenarios),
    ...(options.shard ? { shard: { index: options.shard.index, total: options.shard.total } } : {}),
    startedAt: new Date(run.startedAt).toISOString(),
    durationMs: Date.now() - run.startedAt,
    environment: environment(run, started),
    filters: {
      engines: [...options.engines],
      ...(options.stacks ? { stacks: [...options.stacks] } : {}),
      ...(options.grep ? { grep: options.grep.source } : {}),
    },
    scenarios: scenarioInfos,
    cells,
    ...(executed.notRun.length > 0 ? { notRun: notRun(executed, options.maxFailures!) } : {}),
    engineDisagreements: engineDisagreements(cells),
    securityFindings: [
      ...securityFindings(cells, (id) => trustedOrigins(options.scenarios.find((s) => s.id === id)?.origins, lab.pageOrigins.app), new Map(scenarioInfos.map((s) => [s.id, s.serverCode]))),
      // A server the user runs: what its preflights show (the lab's own stacks answer preflights as scenarios make them on purpose).
      ...preflightFindings(cells, isTargetStack),
    ],
    ...(options.curriculum ? { curriculum: curriculumResults(options.curriculum, cells) } : {}),
    summary: runSummary(cells, executed.notRun.length),
    // Copies: nothing these results say changes when the same run executes cells again.
    timings: {
      serversMs: started.timings.serversMs,
      engineLaunchMs: { ...started.timings.engineLaunchMs },
      cellsMs: { ...executed.cellsMs },
      profile: { stacks: Object.fromEntries([...started.lab.stacks].flatMap(([name, stack]) => (stack.started ? [[name, stack.started]] : []))), engines: executed.profiles },
    },
  };
}

/** This machine, for the results (a shard's results say where they ran). */
export function machineInfo(): MachineInfo {
  return { hostname: os.hostname(), os: `${os.type()} ${os.release()} ${os.arch()}`, cpus: os.availableParallelism?.() ?? os.cpus().length };
}

/**
 * A fingerprint of the scenarios a run loaded, as validated, in id order:
 * two runs (shards, other machines) planned from the same scenario set have
 * the same one, whatever they ran of it.
 */
export function scenarioSetHash(scenarios: readonly Scenario[]): string {
  const hash = createHash('sha256');
  for (const scenario of [...scenarios].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) hash.update(JSON.stringify(scenario)).update('\n');
  return hash.digest('hex');
}

/** The cells the run stopped before: only maxFailures stops a run early. */
function notRun(executed: ExecutedCells, maxFailures: number): NotRun {
  const stoppedBy = executed.cells.filter((c) => c.verdict !== 'pass').length;
  return {
    reason: `--max-failures ${maxFailures}: ${stoppedBy} cell${stoppedBy === 1 ? '' : 's'} failed or errored, so no new cell started`,
    maxFailures,
    cells: executed.notRun.map((c) => ({ id: c.id, scenario: c.scenario.id, probe: c.probeIndex, probeName: c.probeName, stack: c.stack, engine: c.engine })),
  };
}

function environment(run: PreparedRun, started: StartedRun): RunResults['environment'] {
  const { pageOrigins, stacks } = started.lab;
  return {
    machine: machineInfo(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    playwright: packageVersion('playwright-core'),
    engines: [...started.engineInfos],
    missingEngines: run.missingEngines,
    stacks: stackInfos(run),
    runtime: run.runtime.name,
    origins: {
      app: pageOrigins.app,
      evil: pageOrigins.evil,
      lookalikeSuffix: pageOrigins['lookalike-suffix'],
      lookalikePrefix: pageOrigins['lookalike-prefix'],
      api: Object.fromEntries([...stacks.values()].map((s) => [s.name, s.origins.apiOrigin])),
    },
    network: {
      proxy: started.network.engines.proxy,
      declared: [...started.network.declared],
      refused: refusedRequests(started.network.refusals()),
    },
    ...confinementOf(run),
  };
}

function confinementOf(run: PreparedRun): Pick<RunResults['environment'], 'confinement'> {
  const confinement = run.runtime.confinement?.();
  return confinement && Object.keys(confinement).length > 0 ? { confinement } : {};
}

/** The proxy's refusals, each kind once with how often (a browser that retries says the same thing many times). */
function refusedRequests(refusals: readonly GatewayRefusal[]): NetworkInfo['refused'] {
  const byKey = new Map<string, NetworkInfo['refused'][number]>();
  for (const { origin, target, method, reason } of refusals) {
    const key = JSON.stringify([origin, target?.split('?')[0], method, reason]);
    const seen = byKey.get(key);
    if (seen) seen.count += 1;
    else byKey.set(key, { origin, ...(target !== undefined ? { target } : {}), ...(method !== undefined ? { method } : {}), reason, count: 1 });
  }
  return [...byKey.values()];
}

function stackInfos(run: PreparedRun): StackInfo[] {
  return [...run.scenariosByStack.keys()].map((name) => stackInfo(name, run.proxyLocations, run.runtime));
}

function curriculumResults(curriculum: Curriculum & { dir: string }, cells: CellResult[]): NonNullable<RunResults['curriculum']> {
  const claims = claimVerdicts(curriculum.claims, cells).map((c) => ({ ...c, line: curriculum.claimLines[c.id] ?? 1 }));
  return { file: path.join(curriculum.dir, CLAIMS_FILE), articles: ARTICLE_TOPICS, chapters: curriculum.chapters, claims, counts: claimCounts(claims) };
}

function scenarioInfo(scenario: Scenario, lab: Lab, runtime: StackRuntime): ScenarioInfo {
  const serverCode: ScenarioInfo['serverCode'] = {};
  for (const name of stacksFor(scenario, runtime.variants)) {
    const code = lab.stacks.get(name)?.code.get(scenario.id);
    if (code !== undefined) serverCode[name] = code;
  }
  return {
    id: scenario.id,
    file: scenario.file,
    chapter: scenario.chapter,
    title: scenario.title,
    lesson: scenario.lesson,
    sources: scenario.sources ?? [],
    tags: scenario.tags ?? [],
    stacks: stacksFor(scenario, runtime.variants),
    serverCode,
    ...resolveAnswers(scenario.server.response, scenario.server.responses),
    probes: scenario.probes.map((p, i) => ({
      name: probeName(p),
      line: scenario.probeLines[i] ?? 1,
      from: p.from ?? 'app',
      request: p.fetch,
      expect: p.expect,
      expectFor: p.expectFor ?? [],
      deviations: p.deviations ?? [],
    })),
  };
}

/** The counts of a run's results (a merged run's too): verdicts, disagreements with the model, and cells not run. */
export function runSummary(cells: readonly CellResult[], notRun: number): RunResults['summary'] {
  return {
    total: cells.length,
    pass: cells.filter((c) => c.verdict === 'pass').length,
    fail: cells.filter((c) => c.verdict === 'fail').length,
    error: cells.filter((c) => c.verdict === 'error').length,
    modelDisagreements: cells.filter((c) => c.explanation?.agreesWithModel === false).length,
    ...(notRun > 0 ? { notRun } : {}),
  };
}
