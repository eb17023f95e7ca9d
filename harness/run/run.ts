import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { defaults } from '../config/defaults.ts';
import { Cleanup } from '../core/cleanup.ts';
import { cellExchanges, stackInfo, startLab, type Lab } from './start-servers.ts';
import { packageVersion, toolVersion } from '../system/project.ts';
import { expandDeep, hostPageOf, placeholderValues } from '../core/origins.ts';
import { planCells, probeName, stacksFor, type PlannedCell } from '../plan/plan.ts';
import { fetchCode, withCellToken } from '../probes/fetch-probe.ts';
import { observe } from '../observations/observe.ts';
import { engineDisagreements } from '../observations/engine-differences.ts';
import { explainCell } from '../explanations/explain-cell.ts';
import { securityFindings } from '../explanations/security.ts';
import { judge } from '../verdicts/judge.ts';
import { claimCounts, claimVerdicts } from '../curriculum/verdicts.ts';
import { ARTICLE_TOPICS, CLAIMS_FILE } from '../curriculum/load.ts';
import type { Curriculum } from '../curriculum/types.ts';
import { engines as engineRegistry } from '../browsers/catalog.ts';
import { ReporterMultiplexer, type Progress, type Reporter, type RunStartInfo } from '../reporters/reporter.ts';
import { RESULTS_SCHEMA_VERSION, type CellResult, type EngineInfo, type RunResults, type ScenarioInfo, type Timings } from '../results/types.ts';
import { resolveResponse } from '../../servers/apps/app-stack.ts';
import { cookieSetupUrl } from '../../servers/page/cookies.ts';
import { type EngineName, splitStack, type StackName } from '../core/names.ts';
import type { EngineSession, ProbeContext, ProbePage } from '../browsers/driver.ts';
import type { Scenario } from '../core/format.ts';
import { checkProxyConfigs } from './proxy-check.ts';
import type { ProxyLocations } from '../../servers/proxies/proxy.ts';
import { RuntimeSetupError, type StackRuntime } from '../../servers/runtimes/runtime.ts';
import { runtimes } from '../../servers/runtimes/catalog.ts';
import { resolveSettings, type RuntimeSettings } from '../config/settings.ts';

export interface RunOptions {
  scenarios: Scenario[];
  engines: readonly EngineName[];
  stacks?: readonly StackName[];
  grep?: RegExp;
  reporters: Reporter[];
  /** A missing engine is an error instead of a notice (for CI). */
  requireEngines?: boolean;
  /** A missing proxy (nginx, Apache) is an error instead of a notice (for CI). */
  requireStacks?: boolean;
  concurrencyPerPage?: number;
  isolatedContexts?: number;
  probeTimeoutMs?: number;
  /** Stops everything the run started; the CLI calls its `stopAll` on Ctrl-C. */
  cleanup?: Cleanup;
  /** The chapters and claims index: each claim is decided from this run's cells. */
  curriculum?: Curriculum & { dir: string };
  /** Where the stacks run (harness/config/settings.ts). Default: local. */
  runtime?: RuntimeSettings;
}

/** Bad options found before anything starts (exit code 2 in the CLI). */
export class RunSetupError extends Error {
  override name = 'RunSetupError';
}

/** How cells run: the harness's way, or the way a hand-written suite does it (for the benchmark). */
export type Strategy = 'batched' | 'naive';

/**
 * The one place that wires scenarios, servers, browsers, observations,
 * verdicts and reports together:
 *   plan cells -> start servers and engines (in parallel) -> run cells in
 *   batches -> observe -> judge -> report.
 */
export async function runLab(options: RunOptions): Promise<RunResults> {
  const reporter = new ReporterMultiplexer(options.reporters);
  const run = await LabRun.start(options, reporter);
  let cellResults: CellResult[] = [];
  try {
    await reporter.onRunStart(run.startInfo());
    cellResults = await run.execute(run.cells, 'batched', (cell, progress) => reporter.onCellEnd(cell, progress));
  } finally {
    await run.stop();
  }
  const results = run.results(cellResults);
  await reporter.onRunEnd(results);
  return results;
}

/**
 * A run's servers and engines, started once: cells can be executed on them
 * more than once (the benchmark runs the same matrix two ways on the same
 * servers and browsers), then everything is stopped.
 */
export class LabRun {
  readonly timings: Timings = { serversMs: 0, engineLaunchMs: {}, cellsMs: {} };
  private readonly engineInfos: EngineInfo[] = [];

  private constructor(
    private readonly options: RunOptions,
    private readonly reporter: ReporterMultiplexer,
    private readonly cleanup: Cleanup,
    readonly startedAt: number,
    readonly cells: PlannedCell[],
    private readonly usableEngines: EngineName[],
    private readonly missingEngines: { name: EngineName; reason: string }[],
    private readonly scenariosByStack: Map<StackName, Scenario[]>,
    private readonly proxyLocations: ProxyLocations,
    private readonly runtime: StackRuntime,
    private lab: Lab | undefined = undefined,
    private sessions: { name: EngineName; session?: EngineSession; launchError?: string }[] = [],
  ) {}

  /** Plans the cells, then starts the servers and launches the engines in parallel. Throws RunSetupError before starting anything on bad options. */
  static async start(options: RunOptions, reporter = new ReporterMultiplexer(options.reporters)): Promise<LabRun> {
    const startedAt = Date.now();
    const cleanup = options.cleanup ?? new Cleanup();
    try {
      return await LabRun.prepare(options, reporter, cleanup, startedAt);
    } catch (error) {
      // The Docker runtime may have started containers to look into its images before a problem was found.
      await cleanup.stopAll();
      throw error;
    }
  }

  private static async prepare(options: RunOptions, reporter: ReporterMultiplexer, cleanup: Cleanup, startedAt: number): Promise<LabRun> {
    const located = await Promise.all(
      options.engines.map(async (name) => {
        const driver = engineRegistry[name];
        const location = driver ? await driver.locate() : { available: false as const, reason: `${name} is not supported yet` };
        return { name, driver, location };
      }),
    );
    const missingEngines = located.flatMap((l) => (l.location.available ? [] : [{ name: l.name, reason: l.location.reason }]));
    if (missingEngines.length > 0 && options.requireEngines) {
      throw new RunSetupError(missingEngines.map((m) => `${m.name}: ${m.reason}`).join('\n'));
    }
    for (const m of missingEngines) reporter.onNotice(`${m.name} is not available and is skipped: ${m.reason}`);
    const usable = located.filter((l) => l.location.available);
    if (usable.length === 0) throw new RunSetupError('no engine is available to run the cells');

    const settings = options.runtime ?? resolveSettings(undefined, {});
    const runtime: StackRuntime = await runtimes[settings.runtime](settings, cleanup).catch((error: unknown) => {
      throw error instanceof RuntimeSetupError ? new RunSetupError(error.message) : error;
    });
    const planned = planCells(options.scenarios, { engines: usable.map((l) => l.name), stacks: options.stacks, grep: options.grep, variants: runtime.variants });
    if (planned.length === 0) throw new RunSetupError('no cell matches the given scenarios and filters');

    // Proxies: a missing one is said once and its stacks are skipped; a config it refuses stops the run before anything starts.
    const inPlay = options.scenarios.filter((s) => planned.some((c) => c.scenario === s));
    const proxyLocations = await runtime.locateProxies(inPlay);
    const missingProxies = Object.entries(proxyLocations).flatMap(([name, l]) => (l.available ? [] : [{ name, reason: l.reason }]));
    if (missingProxies.length > 0 && options.requireStacks) throw new RunSetupError(missingProxies.map((m) => `${m.name}: ${m.reason}`).join('\n'));
    const cells = planned.filter((c) => {
      const { proxy } = splitStack(c.stack);
      return !proxy || proxyLocations[proxy]?.available;
    });
    for (const m of missingProxies) {
      reporter.onNotice(`${m.name} is not available, so the ${planned.length - cells.length} cells behind it are skipped: ${m.reason}`);
    }
    await checkProxyConfigs(inPlay, proxyLocations, (proxy) => runtime.configTests(proxy));
    if (cells.length === 0) throw new RunSetupError('no cell is left to run once the missing proxies are skipped');
    const scenariosByStack = new Map<StackName, Scenario[]>();
    for (const cell of cells) {
      const list = scenariosByStack.get(cell.stack) ?? [];
      if (!list.includes(cell.scenario)) list.push(cell.scenario);
      scenariosByStack.set(cell.stack, list);
    }

    const run = new LabRun(options, reporter, cleanup, startedAt, cells, usable.map((l) => l.name), missingEngines, scenariosByStack, proxyLocations, runtime);
    try {
      const [lab, sessions] = await Promise.all([
        (async () => {
          const lab = await startLab(scenariosByStack, cleanup, startedAt, proxyLocations, runtime);
          run.timings.serversMs = Date.now() - startedAt;
          return lab;
        })(),
        Promise.all(
          usable.map(async ({ name, driver, location }) => {
            if (!location.available || !driver) throw new Error('unreachable');
            const launchStarted = Date.now();
            try {
              const session = await driver.launch(location.executable, location.source);
              cleanup.add(`the ${name} browser`, () => session.close());
              run.timings.engineLaunchMs[name] = Date.now() - launchStarted;
              run.engineInfos.push({ name, version: session.version, executable: session.executable, source: session.source });
              return { name, session };
            } catch (error) {
              const reason = `${name} did not launch: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
              reporter.onNotice(reason);
              return { name, launchError: reason };
            }
          }),
        ),
      ]);
      run.lab = lab;
      run.sessions = sessions;
      for (const stack of lab.stacks.values()) if (stack.startError) reporter.onNotice(stack.startError);
    } catch (error) {
      await cleanup.stopAll();
      throw error;
    }
    return run;
  }

  startInfo(): RunStartInfo {
    return {
      total: this.cells.length,
      scenarios: this.options.scenarios.length,
      engines: this.sortedEngineInfos(),
      stacks: [...this.scenariosByStack.keys()].map((name) => stackInfo(name, this.proxyLocations, this.runtime)),
    };
  }

  /** The same cells with new tokens, so a second execution shares no URL (hence no cache) with the first. */
  replan(): PlannedCell[] {
    const ids = new Set(this.cells.map((c) => c.id));
    return planCells(this.options.scenarios, { engines: this.usableEngines, stacks: this.options.stacks, grep: this.options.grep, variants: this.runtime.variants }).filter((c) => ids.has(c.id));
  }

  /** Runs cells on the started servers and engines; engines side by side. Results come back in plan order. */
  async execute(cells: readonly PlannedCell[], strategy: Strategy, onCell?: (cell: CellResult, progress: Progress) => void): Promise<CellResult[]> {
    const lab = this.lab!;
    const results: CellResult[] = [];
    const tally = { pass: 0, fail: 0, error: 0 };
    const cellsStarted = Date.now();
    const record = (cell: CellResult) => {
      results.push(cell);
      tally[cell.verdict]++;
      const done = results.length;
      const progress: Progress = { done, total: cells.length, ...tally, elapsedMs: Date.now() - this.startedAt };
      // The pace of the cells so far, not of the start-up, predicts the rest.
      if (done >= 3) progress.etaMs = Math.round(((Date.now() - cellsStarted) / done) * (cells.length - done));
      onCell?.(cell, progress);
    };
    await Promise.all(
      this.sessions.map(async ({ name, session, launchError }) => {
        const engineCells = cells.filter((c) => c.engine === name);
        if (!session) {
          for (const cell of engineCells) record(errorCell(cell, lab, launchError ?? 'the engine did not launch'));
          return;
        }
        const started = Date.now();
        await runEngineCells(session, engineCells, lab, this.options, strategy, record);
        this.timings.cellsMs[name] = Date.now() - started;
      }),
    );
    const order = new Map(cells.map((c, i) => [c.id, i]));
    return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  async stop(): Promise<void> {
    await this.cleanup.stopAll();
  }

  private sortedEngineInfos(): EngineInfo[] {
    return [...this.engineInfos].sort((a, b) => this.options.engines.indexOf(a.name) - this.options.engines.indexOf(b.name));
  }

  /** The results contract for a set of executed cells. */
  results(cellResults: CellResult[]): RunResults {
    const { options, lab } = this;
    const scenarioInfos = options.scenarios.filter((s) => this.cells.some((c) => c.scenario === s)).map((s) => scenarioInfo(s, lab, this.runtime));
    return {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: 'corslab', version: toolVersion() },
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs: Date.now() - this.startedAt,
      environment: {
        node: process.version,
        platform: `${os.type()} ${os.release()} ${os.arch()}`,
        playwright: packageVersion('playwright-core'),
        engines: this.sortedEngineInfos(),
        missingEngines: this.missingEngines,
        stacks: [...this.scenariosByStack.keys()].map((name) => stackInfo(name, this.proxyLocations, this.runtime)),
        runtime: this.runtime.name,
        origins: {
          app: lab?.pageOrigins.app ?? '',
          evil: lab?.pageOrigins.evil ?? '',
          lookalikeSuffix: lab?.pageOrigins['lookalike-suffix'] ?? '',
          lookalikePrefix: lab?.pageOrigins['lookalike-prefix'] ?? '',
          api: Object.fromEntries([...(lab?.stacks ?? new Map()).values()].map((s) => [s.name, s.origins.apiOrigin])),
        },
      },
      filters: {
        engines: [...options.engines],
        ...(options.stacks ? { stacks: [...options.stacks] } : {}),
        ...(options.grep ? { grep: options.grep.source } : {}),
      },
      scenarios: scenarioInfos,
      cells: cellResults,
      engineDisagreements: engineDisagreements(cellResults),
      securityFindings: securityFindings(cellResults, lab?.pageOrigins.app ?? '', new Map(scenarioInfos.map((s) => [s.id, s.serverCode]))),
      ...(options.curriculum ? { curriculum: curriculumResults(options.curriculum, cellResults) } : {}),
      summary: {
        total: cellResults.length,
        pass: cellResults.filter((c) => c.verdict === 'pass').length,
        fail: cellResults.filter((c) => c.verdict === 'fail').length,
        error: cellResults.filter((c) => c.verdict === 'error').length,
        modelDisagreements: cellResults.filter((c) => c.explanation?.agreesWithModel === false).length,
      },
      // A copy: a later execution on the same servers must not change what these results say.
      timings: structuredClone(this.timings),
    };
  }
}

/**
 * Runs one engine's cells. Cells that share cookie state go through one page
 * per origin, many in flight at once. Cells whose cookies matter run, one
 * scenario at a time, in a context of their own whose jar holds exactly the
 * scenario's cookies (see inOwnContext). Every cell has its own URLs, so
 * sharing a page or a context shares no cached preflight or response. The
 * naive strategy is what a hand-written suite does: a fresh context and page
 * per cell, one cell at a time.
 */
async function runEngineCells(
  session: EngineSession,
  cells: PlannedCell[],
  lab: Lab,
  options: RunOptions,
  strategy: Strategy,
  record: (cell: CellResult) => void,
): Promise<void> {
  const sharedPages = new Map<string, Promise<ProbePage>>();
  const sharedPage = (origin: string) => {
    let page = sharedPages.get(origin);
    if (!page) {
      page = session.openPage(origin, { freshContext: false });
      sharedPages.set(origin, page);
    }
    return page;
  };
  const runOn = async (cell: PlannedCell, getPage: () => Promise<ProbePage>, closeAfter: boolean) => {
    let page: ProbePage | undefined;
    try {
      page = await getPage();
      record(await runCell(cell, page, lab, options));
    } catch (error) {
      record(errorCell(cell, lab, `${session.name} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`));
    } finally {
      if (closeAfter) await page?.close().catch(() => {});
    }
  };
  const inFreshContext = (cell: PlannedCell) => {
    const cookies = cell.scenario.cookies;
    const visitFirst = cookies ? cookieSetupUrl(lab.cookieOrigin, cookies) : undefined;
    return runOn(cell, () => session.openPage(lab.pageOrigins[hostPageOf(cell.from)], { freshContext: true, ...(visitFirst ? { visitFirst } : {}) }), true);
  };
  if (strategy === 'naive') {
    await inPool(cells, 1, inFreshContext);
    return;
  }
  // Cells that wait on purpose (a probe asking again seconds later) start first, so their
  // waiting overlaps the quick cells instead of trailing after them. Results are put back in
  // plan order afterwards.
  const waitFirst = (a: PlannedCell, b: PlannedCell) => (b.probe.again?.afterMs ?? 0) - (a.probe.again?.afterMs ?? 0);
  const shared = cells.filter((c) => !c.freshContext).sort(waitFirst);
  const fresh = cells.filter((c) => c.freshContext).sort(waitFirst);
  const byScenario = new Map<string, PlannedCell[]>();
  for (const cell of fresh) byScenario.set(cell.scenario.id, [...(byScenario.get(cell.scenario.id) ?? []), cell]);
  await Promise.all([
    inPool(shared, options.concurrencyPerPage ?? defaults.concurrencyPerPage, (cell) =>
      runOn(cell, () => sharedPage(lab.pageOrigins[hostPageOf(cell.from)]), false),
    ),
    inPool([...byScenario.values()], options.isolatedContexts ?? defaults.isolatedContexts, (group) => inOwnContext(session, group, lab, options, record)),
  ]);
  await Promise.all([...sharedPages.values()].map(async (p) => (await p.catch(() => undefined))?.close().catch(() => {})));
}

/**
 * One scenario's cookie-sensitive cells, one after another, in a context of
 * their own. The context's jar starts with exactly the scenario's cookies
 * (set first-party, as a browser would store them) and only a response that
 * sets a cookie can change it: after any cell whose wire shows a Set-Cookie
 * (or that could not be observed, so nobody knows), the next cell gets a new
 * context. So each cell sends what a fresh context would have sent, without
 * paying for a new context (and a new browser, for WebKitGTK) every time.
 */
async function inOwnContext(session: EngineSession, cells: PlannedCell[], lab: Lab, options: RunOptions, record: (cell: CellResult) => void): Promise<void> {
  const cookies = cells[0]!.scenario.cookies;
  const visitFirst = cookies ? cookieSetupUrl(lab.cookieOrigin, cookies) : undefined;
  let context: ProbeContext | undefined;
  const pages = new Map<string, ProbePage>();
  const drop = async () => {
    const closing = context;
    context = undefined;
    pages.clear();
    await closing?.close().catch(() => {});
  };
  try {
    for (const cell of cells) {
      let result: CellResult;
      try {
        context ??= await session.openContext(visitFirst ? { visitFirst } : {});
        const origin = lab.pageOrigins[hostPageOf(cell.from)];
        let page = pages.get(origin);
        if (!page) {
          page = await context.openPage(origin);
          pages.set(origin, page);
        }
        result = await runCell(cell, page, lab, options);
      } catch (error) {
        result = errorCell(cell, lab, `${session.name} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      record(result);
      const jarMayHaveChanged =
        result.verdict === 'error' || (result.observed?.exchanges ?? []).some((e) => e.response?.headers.some(([name]) => name.toLowerCase() === 'set-cookie'));
      if (jarMayHaveChanged) await drop();
    }
  } finally {
    await drop();
  }
}

async function runCell(cell: PlannedCell, page: ProbePage, lab: Lab, options: RunOptions): Promise<CellResult> {
  const stack = lab.stacks.get(cell.stack)!;
  const base = cellBase(cell, lab);
  if (stack.startError) return { ...base, verdict: 'error', differences: [], error: stack.startError };
  const setupError = stack.setupErrors.get(cell.scenario.id);
  if (setupError) return { ...base, verdict: 'error', differences: [], error: setupError };

  // A probe that waits before asking again gets its wait on top of the usual time.
  const timeoutMs = (options.probeTimeoutMs ?? defaults.probeTimeoutMs) + (cell.probe.again?.afterMs ?? 0);
  if (cell.probe.warmUp) {
    try {
      await warmUp(withCellToken(base.request.url, cell.token), lab.pageOrigins[cell.probe.warmUp.from], timeoutMs);
    } catch (error) {
      return { ...base, verdict: 'error', differences: [], error: `the warm-up request failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const started = Date.now();
  const outcome = await withDeadline(
    page.run({ token: cell.token, code: base.pageCode, timeoutMs }),
    timeoutMs + 5_000,
    `the engine did not return from the probe within ${timeoutMs + 5_000} ms`,
  );
  const exchanges = await cellExchanges(stack, cell.token);
  const observed = observe({
    js: outcome.js,
    messages: outcome.messages,
    messageSupport: page.messageSupport,
    exchanges,
    durationMs: Date.now() - started,
  });
  const { observation } = observed;
  let { error } = observed;
  // The page is shared only because no cookie can be in its jar (see needsOwnContext); the wire says if one was.
  if (!error && !cell.freshContext && observation.cookiesSent && observation.cookiesSent.length > 0) {
    error = `the request carried a cookie (${observation.cookiesSent.join(', ')}) on a page shared with other cells: another cell's cookie leaked in, so this observation cannot be trusted`;
  }
  const { verdict, differences } = judge(cell.expected, observation, error);
  const explanation = error
    ? undefined
    : explainCell({
        request: base.request,
        pageOrigin: base.pageOrigin,
        from: cell.from,
        engine: cell.engine,
        stack: cell.stack,
        observed: observation,
        expected: cell.expected,
        policy: cell.scenario.server.policy && expandDeep(cell.scenario.server.policy, placeholderValues(stack.origins, cell.scenario.id)),
        stacks: stacksFor(cell.scenario, lab.variants),
        deviations: cell.probe.deviations ?? [],
      });
  return { ...base, verdict, differences, observed: observation, ...(error ? { error } : {}), ...(explanation ? { explanation } : {}) };
}

function cellBase(cell: PlannedCell, lab: Lab): Omit<CellResult, 'verdict' | 'differences'> {
  const stack = lab.stacks.get(cell.stack)!;
  const values = placeholderValues(stack.origins, cell.scenario.id);
  const request = expandDeep(cell.probe.fetch, values);
  const againUrl = cell.probe.again?.url;
  const again = cell.probe.again && { afterMs: cell.probe.again.afterMs, ...(againUrl ? { url: withCellToken(expandDeep(againUrl, values), cell.token) } : {}) };
  return {
    id: cell.id,
    scenario: cell.scenario.id,
    probe: cell.probeIndex,
    probeName: cell.probeName,
    stack: cell.stack,
    engine: cell.engine,
    from: cell.from,
    pageOrigin: lab.pageOrigins[cell.from],
    expected: cell.expected,
    ...(cell.expectedBecause ? { expectedBecause: cell.expectedBecause } : {}),
    request,
    pageCode: fetchCode(request, withCellToken(request.url, cell.token), { from: cell.from, ...(again ? { again } : {}) }),
  };
}

function curriculumResults(curriculum: Curriculum & { dir: string }, cells: CellResult[]): NonNullable<RunResults['curriculum']> {
  const claims = claimVerdicts(curriculum.claims, cells).map((c) => ({ ...c, line: curriculum.claimLines[c.id] ?? 1 }));
  return { file: path.join(curriculum.dir, CLAIMS_FILE), articles: ARTICLE_TOPICS, chapters: curriculum.chapters, claims, counts: claimCounts(claims) };
}

function errorCell(cell: PlannedCell, lab: Lab, error: string): CellResult {
  return { ...cellBase(cell, lab), verdict: 'error', differences: [], error };
}

function scenarioInfo(scenario: Scenario, lab: Lab | undefined, runtime: StackRuntime): ScenarioInfo {
  const serverCode: ScenarioInfo['serverCode'] = {};
  for (const name of stacksFor(scenario, runtime.variants)) {
    const code = lab?.stacks.get(name)?.code.get(scenario.id);
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
    response: resolveResponse(scenario.server.response),
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

/**
 * A probe's warm-up: the same URL fetched once as a GET with another page's
 * Origin, the way that page's browser would have before (to fill a proxy's
 * cache). Made by the harness, marked with defaults.setupHeader so the
 * recorder files it as setup, never as the probe's own exchange.
 */
function warmUp(url: string, origin: string, timeoutMs: number): Promise<void> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: defaults.bindAddress,
        port: Number(target.port),
        path: `${target.pathname}${target.search}`,
        headers: { Host: target.host, Origin: origin, [defaults.setupHeader]: '1' },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
