/**
 * `npm run bench`: how fast the harness runs cells, against the naive way.
 *
 * 1. One matrix of at least 300 cells per engine (preflighted and simple
 *    requests, allowed and blocked) runs two ways on the same servers and
 *    the same browsers, engine by engine so engines do not compete for the
 *    2 cores: the harness's way (one shared page, many probes in flight,
 *    fresh contexts only where cookies matter) and the naive way a
 *    hand-written Playwright suite uses (a fresh context and page per cell,
 *    one cell at a time).
 * 2. The whole default suite (every scenario, engine and stack) runs once, as
 *    `npm start` does, for its wall time and where that time went.
 * 3. That suite's HTML report is opened from file:// in headless Chromium,
 *    five times, for the time from navigation to a usable matrix (its first
 *    rows painted) and to the whole matrix in the document, with the sizes
 *    of index.html and results.json.
 *
 * Prints the figures and writes them to reports/bench/latest.json.
 * `--quick` runs the naive way on a sample of 40 cells per engine (its
 * per-cell cost is flat, so the sample gives the same ms per cell sooner).
 * `--report <folder>` only measures the report already in that folder
 * (index.html and results.json, as `corslab run -o <folder>` writes them).
 * `--engine <name>` benchmarks one engine's matrix; `--matrix-only` leaves
 * out the default suite and its report.
 * `--shards [path]` only runs the scenarios of path (default: the default
 * suite) as 1, then 2, then 4 shards (`--shard i/n`), one run after another,
 * and prints each run's wall time and each shard count's sum against the
 * single run: the sum less the single run is what the shards cost in
 * start-ups (servers, engines, Next.js), which a CI matrix pays once per
 * machine, in parallel. Written to reports/bench/shards.json.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { runLab, startLabRun } from '../harness/run/run.ts';
import { cookieVisit, pageOriginFor, type Schedule } from '../harness/run/schedule.ts';
import { cellPageCode } from '../harness/run/cell.ts';
import { loadScenarios } from '../harness/scenarios/load.ts';
import type { EngineName } from '../harness/core/names.ts';
import { engineDriver, engineNames } from '../harness/browsers/catalog.ts';
import { createReporters } from '../harness/reporters/catalog.ts';
import { defaults } from '../harness/config/defaults.ts';
import type { CellResult, RunProfile, RunResults } from '../harness/results/types.ts';
import type { ProbePage } from '../harness/browsers/driver.ts';
import type { Probe, Scenario } from '../harness/core/format.ts';
import { launchReportBrowser } from '../harness/reporters/html/report-browser.ts';

const PROBES_PER_SCENARIO = 80; // 4 scenarios x 80 = 320 cells per engine
const quick = process.argv.includes('--quick');
const reportOnly = process.argv.includes('--report') ? process.argv[process.argv.indexOf('--report') + 1] : undefined;
if (process.argv.includes('--report') && !reportOnly) {
  process.stderr.write('bench: --report needs the folder of a report (index.html and results.json)\n');
  process.exit(2);
}
const onlyEngine = process.argv.includes('--engine') ? process.argv[process.argv.indexOf('--engine') + 1] : undefined;
const matrixOnly = process.argv.includes('--matrix-only');
const shardsAt = process.argv.indexOf('--shards');
const shardsPath = shardsAt === -1 ? undefined : process.argv[shardsAt + 1] && !process.argv[shardsAt + 1]!.startsWith('-') ? process.argv[shardsAt + 1]! : defaults.scenarioDir;
const SHARD_COUNTS = [1, 2, 4];
const REPORT_OPENINGS = 5;
const NAIVE_SAMPLE = 40;

/** The benchmark's matrix: four kinds of cell, in equal numbers. */
function benchScenarios(): Scenario[] {
  const make = (id: string, title: string, probe: Omit<Probe, 'name'>): Scenario => ({
    id: `bench/${id}`,
    file: `scripts/bench.ts (${id})`,
    chapter: 'bench',
    title,
    lesson: 'Benchmark matrix.',
    server: { policy: { origin: '{app}', methods: ['PUT'] } },
    probes: Array.from({ length: PROBES_PER_SCENARIO }, (_, i) => ({ ...probe, name: `${id} ${i + 1}` })),
    probeLines: Array.from({ length: PROBES_PER_SCENARIO }, () => 1),
  });
  return [
    make('preflight-allowed', 'A preflighted PUT from the app is allowed', {
      fetch: { url: '{api}/items', method: 'PUT', body: '{}' },
      expect: { preflight: true, reachedHandler: true, result: 'allowed' },
    }),
    make('preflight-blocked', 'A preflighted PUT from another site is blocked', {
      from: 'evil',
      fetch: { url: '{api}/items', method: 'PUT', body: '{}' },
      expect: { preflight: true, reachedHandler: false, result: 'blocked' },
    }),
    make('simple-allowed', 'A simple GET from the app is allowed', {
      fetch: { url: '{api}/items' },
      expect: { preflight: false, reachedHandler: true, result: 'allowed' },
    }),
    make('simple-blocked', 'A simple GET from another site is blocked', {
      from: 'evil',
      fetch: { url: '{api}/items' },
      expect: { preflight: false, reachedHandler: true, result: 'blocked' },
    }),
  ];
}

/**
 * The naive way, as a hand-written Playwright suite runs cells: a fresh
 * context and page per cell (the scenario's cookies set first), one cell at a
 * time. The harness's own schedule is `batched` (harness/run/schedule.ts).
 */
const naive: Schedule = async (work) => {
  for (const cell of work.cells) {
    let page: Promise<ProbePage> | undefined;
    work.record(await work.runCell(cell, () => (page = work.session.openPage(pageOriginFor(work.lab, cell), { freshContext: true, ...cookieVisit(work.lab, cell.scenario) }))));
    await (await page?.catch(() => undefined))?.close().catch(() => {});
  }
};

/**
 * The floor: the matrix's allowed preflighted PUTs with nothing of the
 * harness around them, every one in the same page in one go (one
 * Promise.all in one evaluation), timed in the page's own clock from the
 * harness's side. Each fetch still has its own URL, so each needs its own
 * preflight. A cell cannot cost less than this; the harness's cost per cell
 * is compared with it.
 */
function floorSchedule(into: { ms: number; fetches: number }): Schedule {
  return async (work) => {
    const cells = work.cells.filter((c) => c.scenario.id === 'bench/preflight-allowed');
    const page = await work.session.openPage(pageOriginFor(work.lab, cells[0]!), { freshContext: false });
    try {
      const code = `Promise.all([${cells.map((c) => cellPageCode(c, work.lab)).join(',\n')}]).then((all) => all[0])`;
      const started = performance.now();
      const outcome = await page.run({ token: cells[0]!.token, code, timeoutMs: 60_000 });
      into.ms = performance.now() - started;
      into.fetches = cells.length;
      if (outcome.js.kind !== 'response' || outcome.js.status !== 200) throw new Error(`the floor's fetches did not all work: ${JSON.stringify(outcome.js).slice(0, 300)}`);
    } finally {
      await page.close();
    }
  };
}

const perSecond = (ms: number) => (ms > 0 ? 1000 / ms : 0);
const fmt = (n: number, digits = 1) => n.toFixed(digits);

function checkVerdicts(label: string, cells: CellResult[]): void {
  const bad = cells.filter((c) => c.verdict !== 'pass');
  if (bad.length > 0) {
    throw new Error(`${label}: ${bad.length} of ${cells.length} cells did not pass, so the timing would compare unlike work; first: ${bad[0]!.id}: ${bad[0]!.error ?? JSON.stringify(bad[0]!.differences)}`);
  }
}

interface EngineFigures {
  cells: number;
  harnessMsPerCell: number;
  naiveMsPerCell: number;
  ratio: number;
  naiveCellsMeasured: number;
  launchMs: number;
  /** One preflighted fetch among many batched in one page (floorSchedule), and the harness's ms per cell over it. */
  floorMsPerFetch: number;
  harnessOverFloor: number;
}

/** One engine's matrix, the harness's way and then the naive way, on the same servers and browser. */
async function benchEngine(engine: EngineName, scenarios: Scenario[]): Promise<EngineFigures> {
  const run = await startLabRun({ scenarios, engines: [engine], stacks: ['express-cors'], reporters: [], requireEngines: true });
  try {
    const harness = await run.execute(run.cells);
    checkVerdicts(`${engine}, the harness's way`, harness.cells);
    // New tokens: the naive pass must not find anything the first pass left in a cache.
    const replanned = run.replan();
    const naiveRun = await run.execute(quick ? sample(replanned, NAIVE_SAMPLE) : replanned, naive);
    checkVerdicts(`${engine}, the naive way`, naiveRun.cells);
    const harnessMsPerCell = harness.cellsMs[engine]! / harness.cells.length;
    const naiveMsPerCell = naiveRun.cellsMs[engine]! / naiveRun.cells.length;
    // The floor twice, each time on new URLs: the first warms the page's connections as the harness's pass had them warm.
    const floor = { ms: 0, fetches: 0 };
    await run.execute(run.replan(), floorSchedule(floor));
    await run.execute(run.replan(), floorSchedule(floor));
    const floorMsPerFetch = floor.ms / floor.fetches;
    process.stdout.write(
      `${engine.padEnd(9)} ${harness.cells.length} cells   harness ${fmt(harnessMsPerCell, 2)} ms/cell (${fmt(perSecond(harnessMsPerCell))} cells/s)   floor ${fmt(floorMsPerFetch, 2)} ms/fetch (${floor.fetches} batched in one page; harness ${fmt(harnessMsPerCell / floorMsPerFetch)}x the floor)   naive ${fmt(naiveMsPerCell)} ms/cell (${fmt(perSecond(naiveMsPerCell), 2)} cells/s, ${naiveRun.cells.length} cells)   ratio ${fmt(naiveMsPerCell / harnessMsPerCell)}x\n`,
    );
    return {
      cells: harness.cells.length,
      harnessMsPerCell: round(harnessMsPerCell),
      naiveMsPerCell: round(naiveMsPerCell),
      ratio: round(naiveMsPerCell / harnessMsPerCell),
      naiveCellsMeasured: naiveRun.cells.length,
      launchMs: run.timings.engineLaunchMs[engine] ?? 0,
      floorMsPerFetch: round(floorMsPerFetch),
      harnessOverFloor: round(harnessMsPerCell / floorMsPerFetch),
    };
  } finally {
    await run.stop();
  }
}

interface ReportFigures {
  indexHtmlBytes: number;
  resultsJsonBytes: number | null;
  cells: number;
  /** Median over the openings: navigation start to the first rows of the matrix painted (the viewer's corslab:matrix-usable mark). */
  usableMs: number;
  /** Median: navigation start to every row in the document (corslab:matrix-complete). */
  completeMs: number;
  openings: { usableMs: number; completeMs: number }[];
}

/**
 * The report as a reader opens it: from file://, in a new page of headless
 * Chromium each time (so nothing is cached but the browser itself), with the
 * window a laptop's. Times come from the viewer's own User Timing marks,
 * which count from the navigation's start.
 */
async function benchReport(dir: string): Promise<ReportFigures> {
  const index = path.join(dir, 'index.html');
  const size = async (file: string) => (await stat(file).catch(() => undefined))?.size ?? null;
  const browser = await launchReportBrowser();
  const openings: ReportFigures['openings'] = [];
  let cells = 0;
  try {
    for (let i = 0; i < REPORT_OPENINGS; i++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(pathToFileURL(index).href);
      await page.locator('html[data-ready="true"]').waitFor({ timeout: 60_000 });
      // (No named functions in the page's code: tsx names them with a helper the page does not have.)
      await page.waitForFunction(() => ['corslab:matrix-usable', 'corslab:matrix-complete'].every((name) => performance.getEntriesByName(name).length > 0), undefined, { timeout: 60_000 });
      const marks = await page.evaluate(() => ({
        usableMs: performance.getEntriesByName('corslab:matrix-usable')[0]!.startTime,
        completeMs: performance.getEntriesByName('corslab:matrix-complete')[0]!.startTime,
        cells: document.querySelectorAll('td[data-cell-id]').length,
      }));
      cells = marks.cells;
      openings.push({ usableMs: round(marks.usableMs), completeMs: round(marks.completeMs) });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const figures: ReportFigures = {
    indexHtmlBytes: (await size(index)) ?? 0,
    resultsJsonBytes: await size(path.join(dir, 'results.json')),
    cells,
    usableMs: median(openings.map((o) => o.usableMs)),
    completeMs: median(openings.map((o) => o.completeMs)),
    openings,
  };
  const mb = (bytes: number | null) => (bytes === null ? 'none' : `${fmt(bytes / 1e6, 2)} MB`);
  process.stdout.write(
    `  report: index.html ${mb(figures.indexHtmlBytes)}, results.json ${mb(figures.resultsJsonBytes)}; ${cells} cells; in headless Chromium a usable matrix ${fmt(figures.usableMs, 0)} ms after navigation, the whole matrix ${fmt(figures.completeMs, 0)} ms (medians of ${REPORT_OPENINGS})\n`,
  );
  return figures;
}

/** The default suite, as `npm start` runs it, with every report written: its wall time and where the time went, and its report opened. */
async function benchSuite(engines: EngineName[]): Promise<{ results: RunResults; wallSeconds: number; reportsMs: number; report: ReportFigures }> {
  process.stdout.write('\nThe default suite (every scenario, engine and stack, all reports):\n');
  const out = await mkdtemp(path.join(os.tmpdir(), 'corslab-bench-'));
  const suiteStarted = Date.now();
  // Reporters run in order: the first and the last of the list time the reports between them.
  let reportsStarted = 0;
  let reportsMs = 0;
  const results = await runLab({
    scenarios: await loadScenarios([defaults.scenarioDir], defaults.scenarioDir),
    engines,
    reporters: [{ onRunEnd: () => void (reportsStarted = Date.now()) }, ...createReporters(['json', 'html', 'junit'], out), { onRunEnd: () => void (reportsMs = Date.now() - reportsStarted) }],
  });
  const wallSeconds = (Date.now() - suiteStarted) / 1000;
  const t = results.timings;
  process.stdout.write(
    [
      `  ${results.summary.total} cells, ${results.summary.pass} pass, ${results.summary.fail} fail, ${results.summary.error} error in ${fmt(wallSeconds)} s wall`,
      `  servers starting ${t.serversMs} ms; engines launching ${Object.entries(t.engineLaunchMs).map(([e, ms]) => `${e} ${ms} ms`).join(', ')} (in parallel with the servers)`,
      `  cells ${Object.entries(t.cellsMs).map(([e, ms]) => `${e} ${fmt(ms / 1000)} s`).join(', ')} (engines side by side); reports ${reportsMs} ms`,
      ...(t.profile ? profileLines(t.profile, t.serversMs) : []),
      '',
    ].join('\n'),
  );
  const report = await benchReport(out);
  await rm(out, { recursive: true, force: true });
  return { results, wallSeconds, reportsMs, report };
}

/**
 * Where the suite's time went (the results' profile, harness/run/profile.ts):
 * the slowest stacks to start, and per engine its lanes (which run side by
 * side, so the longest is the engine's critical path), the contexts and
 * pages it opened, and its deliberate waits.
 */
function profileLines(profile: RunProfile, serversMs: number): string[] {
  const s = (ms: number) => `${fmt(ms / 1000)} s`;
  const stacks = Object.entries(profile.stacks).sort(([, a], [, b]) => b.ms - a.ms);
  const proxies = stacks.reduce((n, [, st]) => n + st.proxies, 0);
  const lines = [
    `  profile: servers ${s(serversMs)} in all, ${stacks.length} stacks in parallel with ${proxies} proxy processes (one per scenario and proxied stack); slowest: ${stacks.slice(0, 4).map(([name, st]) => `${name} ${s(st.ms)}${st.proxies ? ` (${st.proxies} proxies)` : ''}`).join(', ')}`,
  ];
  for (const [engine, e] of Object.entries(profile.engines)) {
    const lanes = Object.entries(e.lanes) as [string, { cells: number; ms: number }][];
    const critical = lanes.reduce((a, b) => (b[1].ms > a[1].ms ? b : a));
    lines.push(
      `  ${engine.padEnd(9)} lanes ${lanes.map(([name, l]) => `${name} ${l.cells} cells ${s(l.ms)}`).join(', ')} (critical: ${critical[0]}); ` +
        `${e.isolatedScenarios} cookie-isolated scenarios, ${e.contextsOpened} contexts opened (${s(e.contextOpenMs)} summed), ${e.pagesOpened} pages (${s(e.pageOpenMs)}); ` +
        `deliberate waits ${s(e.waitMs)} summed, longest ${s(e.longestWaitMs)}; cell time ${s(e.cellMs)} summed${e.slowestCell ? `, slowest ${e.slowestCell.id} ${s(e.slowestCell.ms)}` : ''}`,
    );
  }
  return lines;
}

/** The scenarios as 1, 2 and 4 shards, one run after another: each run's wall time, and each count's sum against one run. */
async function benchShards(scenarioPath: string, engines: EngineName[]): Promise<void> {
  const scenarios = await loadScenarios([scenarioPath], scenarioPath === defaults.scenarioDir ? defaults.scenarioDir : scenarioPath);
  process.stdout.write(`${scenarioPath} as ${SHARD_COUNTS.join(', ')} shards, one run after another (${engines.join(', ')}):\n`);
  const figures: { shards: number; runs: { shard: string; cells: number; wallSeconds: number }[]; sumSeconds: number; longestSeconds: number }[] = [];
  for (const total of SHARD_COUNTS) {
    const runs: { shard: string; cells: number; wallSeconds: number }[] = [];
    for (let index = 1; index <= total; index++) {
      const started = Date.now();
      const results = await runLab({ scenarios, engines, reporters: [], ...(total > 1 ? { shard: { index, total } } : {}) });
      runs.push({ shard: `${index}/${total}`, cells: results.summary.total, wallSeconds: round((Date.now() - started) / 1000) });
    }
    const sum = runs.reduce((s, r) => s + r.wallSeconds, 0);
    figures.push({ shards: total, runs, sumSeconds: round(sum), longestSeconds: Math.max(...runs.map((r) => r.wallSeconds)) });
  }
  const single = figures[0]!.sumSeconds;
  for (const f of figures) {
    const each = f.runs.map((r) => `${r.shard}: ${r.cells} cells ${fmt(r.wallSeconds)} s`).join(', ');
    const versus = f.shards === 1 ? '' : `; sum ${fmt(f.sumSeconds)} s = one run ${f.sumSeconds >= single ? '+' : '-'} ${fmt(Math.abs(f.sumSeconds - single))} s (${f.sumSeconds >= single ? '+' : '-'}${fmt((Math.abs(f.sumSeconds - single) / single) * 100, 0)} %), longest shard ${fmt(f.longestSeconds)} s`;
    process.stdout.write(`  ${f.shards === 1 ? 'one run' : `${f.shards} shards`}: ${each}${versus}\n`);
  }
  await mkdir('reports/bench', { recursive: true });
  await writeFile('reports/bench/shards.json', `${JSON.stringify({ path: scenarioPath, engines, cores: os.cpus().length, figures, measuredAt: new Date().toISOString() }, null, 2)}\n`);
  process.stdout.write('Wrote reports/bench/shards.json\n');
}

async function main(): Promise<void> {
  if (reportOnly !== undefined) {
    process.stdout.write(`The report in ${reportOnly}:\n`);
    await benchReport(reportOnly);
    return;
  }
  if (onlyEngine !== undefined && !engineNames().includes(onlyEngine)) {
    process.stderr.write(`bench: --engine ${onlyEngine}: not an engine (${engineNames().join(', ')})\n`);
    process.exit(2);
  }
  const available: EngineName[] = [];
  for (const name of engineNames()) {
    if (onlyEngine !== undefined && name !== onlyEngine) continue;
    const location = await engineDriver(name)?.locate();
    if (location?.available) available.push(name);
    else process.stdout.write(`note: ${name} is not available and is not benchmarked: ${location && !location.available ? location.reason : 'no driver'}\n`);
  }
  if (shardsPath !== undefined) {
    await benchShards(shardsPath, available);
    return;
  }
  const cores = os.cpus().length;
  process.stdout.write(`CORS Lab benchmark on ${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${quick ? 'quick: the naive way on a sample' : 'full'}\n\n`);

  const engineFigures: Record<string, EngineFigures> = {};
  const scenarios = benchScenarios();
  for (const engine of available) engineFigures[engine] = await benchEngine(engine, scenarios);
  const suite = matrixOnly ? undefined : await benchSuite(available);

  const figures = {
    engines: engineFigures,
    machine: { cores, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, quick },
    ...(suite
      ? {
          suiteWallSeconds: round(suite.wallSeconds),
          suite: { cells: suite.results.summary.total, pass: suite.results.summary.pass, fail: suite.results.summary.fail, error: suite.results.summary.error, timings: { ...suite.results.timings, reportsMs: suite.reportsMs } },
          report: suite.report,
        }
      : {}),
    measuredAt: new Date().toISOString(),
  };
  await mkdir('reports/bench', { recursive: true });
  await writeFile('reports/bench/latest.json', `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write('Wrote reports/bench/latest.json\n');
}

/** Every n-th cell, so the sample has all four kinds. */
function sample<T>(items: T[], count: number): T[] {
  const step = Math.max(1, Math.floor(items.length / count));
  return items.filter((_, i) => i % step === 0).slice(0, count);
}

const round = (n: number) => Math.round(n * 100) / 100;

await main();
