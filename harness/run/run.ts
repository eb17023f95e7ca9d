import { Cleanup } from '../core/cleanup.ts';
import { holdLifeline } from '../system/lifeline.ts';
import type { PlannedCell } from '../plan/plan.ts';
import { ReporterMultiplexer, type RunStartInfo } from '../reporters/reporter.ts';
import type { RunResults } from '../results/types.ts';
import type { RunOptions } from './config.ts';
import { executeCells, type CellListener, type ExecutedCells } from './execute.ts';
import { prepareRun, replanCells, type PreparedRun } from './prepare.ts';
import { runResults, runStartInfo } from './results.ts';
import { batched, type Schedule } from './schedule.ts';
import { startRun, type StartedRun } from './start.ts';

export type { RunOptions } from './config.ts';
export { RunSetupError } from './prepare.ts';

/**
 * The one entry point of a run:
 *   prepare (engines, runtime, cells, proxy config tests) -> start servers and
 *   engines (in parallel) -> run each engine's cells (schedule.ts, cell.ts)
 *   -> stop everything -> results -> reports.
 */
export async function runLab(options: RunOptions): Promise<RunResults> {
  const reporter = new ReporterMultiplexer(options.reporters);
  const run = await startLabRun(options, reporter);
  let executed: ExecutedCells;
  try {
    await reporter.onRunStart(run.startInfo());
    executed = await run.execute(run.cells, batched, (cell, progress) => reporter.onCellEnd(cell, progress));
  } finally {
    await run.stop();
  }
  const results = run.results(executed);
  await reporter.onRunEnd(results);
  if (reporter.failures.length > 0) throw new ReportsNotWrittenError(results, reporter.failures);
  return results;
}

/** The run ended but a report it was asked for was not written (an unwritable folder, a full disk): the results are here, the files are not. */
export class ReportsNotWrittenError extends Error {
  override name = 'ReportsNotWrittenError';
  constructor(
    readonly results: RunResults,
    readonly failures: readonly string[],
  ) {
    super(`${failures.length} report(s) were not written: ${failures.join('; ')}`);
  }
}

/**
 * A run's servers and engines, started once. Cells can be executed on them
 * more than once (the benchmark runs the same matrix two ways, with its own
 * schedule for the second), then everything is stopped.
 */
export interface LabRun {
  /** The planned cells, in plan order. */
  readonly cells: readonly PlannedCell[];
  /** What starting took: the servers, and each engine's launch. */
  readonly timings: StartedRun['timings'];
  /** What the reporters hear before the cells run. */
  startInfo(): RunStartInfo;
  /** Runs cells, the engines side by side, each engine's as the schedule says (default: batched). */
  execute(cells: readonly PlannedCell[], schedule?: Schedule, onCell?: CellListener): Promise<ExecutedCells>;
  /** The same cells with new tokens, so a second execution shares no URL (hence no cache) with the first. */
  replan(): PlannedCell[];
  /** The results contract for executed cells. */
  results(executed: ExecutedCells): RunResults;
  /** Stops everything the run started. */
  stop(): Promise<void>;
}

/** Prepares and starts a run. Throws RunSetupError on bad options, and then nothing is left running. */
export async function startLabRun(options: RunOptions, reporter = new ReporterMultiplexer(options.reporters)): Promise<LabRun> {
  const cleanup = options.cleanup ?? new Cleanup();
  const notice = (text: string) => reporter.onNotice(text);
  // First, so that it is released last: after every other step, told whether they all succeeded.
  const lifeline = holdLifeline();
  cleanup.add("the run's lifeline and temporary folder", async () => {
    // Stopped by a signal, the process exits next: its exit hook ends and removes what was still starting (harness/system/lifeline.ts).
    if (!cleanup.exiting) await lifeline.release({ clean: cleanup.failures === 0 });
  });
  try {
    const prepared = await prepareRun(options, { startedAt: Date.now(), cleanup, notice });
    return labRun(prepared, await startRun(prepared, notice));
  } catch (error) {
    // What was started before the problem (the Docker runtime's containers that looked into its images, servers, browsers) stops.
    await cleanup.stopAll();
    throw error;
  }
}

function labRun(prepared: PreparedRun, started: StartedRun): LabRun {
  return {
    cells: prepared.cells,
    timings: started.timings,
    startInfo: () => runStartInfo(prepared, started),
    execute: (cells, schedule = batched, onCell) => executeCells(prepared, started, cells, schedule, onCell),
    replan: () => replanCells(prepared),
    results: (executed) => runResults(prepared, started, executed),
    stop: () => prepared.cleanup.stopAll(),
  };
}
