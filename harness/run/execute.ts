import { defaults } from '../config/defaults.ts';
import { withDeadline } from '../core/deadline.ts';
import type { EngineName } from '../core/names.ts';
import type { EngineSession } from '../browsers/driver.ts';
import type { PlannedCell } from '../plan/plan.ts';
import type { Progress } from '../reporters/reporter.ts';
import type { CellResult, EngineProfile, Timings } from '../results/types.ts';
import { errorCell, runCell } from './cell.ts';
import type { PreparedRun } from './prepare.ts';
import type { EngineWork, Schedule } from './schedule.ts';
import { EngineProfiler } from './profile.ts';
import { PreflightCacheRoom } from './cache-room.ts';
import { InFlightShares } from './in-flight.ts';
import type { StartedRun } from './start.ts';

/** What running a set of cells gave: their results in plan order, and each engine's time from its first cell to its last. */
export interface ExecutedCells {
  cells: CellResult[];
  cellsMs: Timings['cellsMs'];
  /** The cells that were never started because the run stopped early (maxFailures), in plan order. */
  notRun: PlannedCell[];
  /** Where each engine's cell time went (harness/run/profile.ts). */
  profiles: Record<EngineName, EngineProfile>;
}

/** Hears of every cell as soon as it has its verdict, with the progress so far. */
export type CellListener = (cell: CellResult, progress: Progress) => void;

/**
 * Runs cells on a started run, the engines side by side, each engine's cells
 * as the schedule says. The cells of an engine that did not launch are errors.
 * Once maxFailures cells failed or errored, no new cell starts (those in
 * flight finish) and the rest are returned as not run.
 */
export async function executeCells(run: PreparedRun, started: StartedRun, cells: readonly PlannedCell[], schedule: Schedule, onCell?: CellListener): Promise<ExecutedCells> {
  const { results, record, stopping } = tally(cells.length, run.startedAt, run.options.maxFailures, onCell);
  const cellsMs: Timings['cellsMs'] = {};
  const profiles: Record<EngineName, EngineProfile> = {};
  const shares = new InFlightShares(run.limits.concurrencyPerPage, defaults.concurrencyPerRun);
  const inFlight = new Map(started.engines.filter((e) => 'session' in e).map((e) => [e.name, shares.join(e.name)]));
  await Promise.all(
    started.engines.map(async (engine) => {
      const engineCells = cells.filter((c) => c.engine === engine.name);
      if (!('session' in engine)) {
        for (const cell of engineCells) record(errorCell(cell, started.lab, engine.launchError));
        return;
      }
      const begun = Date.now();
      const profile = new EngineProfiler();
      const room = new PreflightCacheRoom(run.engines.find((e) => e.name === engine.name)?.driver.preflightCacheEntries);
      const share = inFlight.get(engine.name)!;
      try {
        await schedule(engineWork(engine.session, engineCells, run, started, record, stopping, profile, room, share));
      } finally {
        // Only an engine done with every lane gives its share back: while its isolated and proxied
        // lanes run (the suite's longest), more shared cells of the others would only compete with them.
        share.leave();
      }
      cellsMs[engine.name] = Date.now() - begun;
      profiles[engine.name] = profile.figures;
    }),
  );
  // Every stack is up by now where it has cells; one without any (an engine that did not launch) is waited for, so that the results are whole.
  await started.serversStarted;
  // In the engines' order, whichever finished first.
  const inEngineOrder = <T>(byEngine: Record<string, T>): Record<string, T> => Object.fromEntries(started.engines.flatMap((e) => (e.name in byEngine ? [[e.name, byEngine[e.name]!]] : [])));
  const order = new Map(cells.map((c, i) => [c.id, i]));
  const ran = new Set(results.map((r) => r.id));
  return { cells: results.sort((a, b) => order.get(a.id)! - order.get(b.id)!), cellsMs: inEngineOrder(cellsMs), notRun: cells.filter((c) => !ran.has(c.id)), profiles: inEngineOrder(profiles) };
}

function engineWork(
  session: EngineSession,
  cells: PlannedCell[],
  run: PreparedRun,
  started: StartedRun,
  record: (cell: CellResult) => void,
  stopping: () => boolean,
  profile: EngineProfiler,
  room: PreflightCacheRoom,
  inFlight: EngineWork['inFlight'],
): EngineWork {
  const context = { lab: started.lab, probeTimeoutMs: run.limits.probeTimeoutMs };
  return {
    session: profile.session(session),
    profile,
    cells,
    lab: started.lab,
    limits: run.limits,
    inFlight,
    record,
    stopping,
    async runCell(cell, page) {
      await room.enter(cell);
      const begun = Date.now();
      try {
        // The engines bound their own steps; this bounds whatever they did not foresee.
        const opened = await withDeadline(page(), defaults.pageOpenMs, `${session.name} did not open the page within ${defaults.pageOpenMs} ms`);
        return await runCell(cell, opened, context);
      } catch (error) {
        return errorCell(cell, started.lab, `${session.name} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      } finally {
        room.leave(cell);
        profile.cell(cell.id, Date.now() - begun, cell.probe.again?.afterMs ?? 0);
      }
    },
  };
}

/** Collects results as they come and tells the listener the progress: counts so far, and the time left at the pace so far; `stopping` once maxFailures cells failed or errored. */
function tally(total: number, runStartedAt: number, maxFailures: number | undefined, onCell?: CellListener): { results: CellResult[]; record(cell: CellResult): void; stopping(): boolean } {
  const results: CellResult[] = [];
  const counts = { pass: 0, fail: 0, error: 0 };
  const cellsStarted = Date.now();
  const record = (cell: CellResult) => {
    results.push(cell);
    counts[cell.verdict]++;
    const done = results.length;
    const progress: Progress = { done, total, ...counts, elapsedMs: Date.now() - runStartedAt };
    // The pace of the cells so far, not of the start-up, predicts the rest.
    if (done >= 3) progress.etaMs = Math.round(((Date.now() - cellsStarted) / done) * (total - done));
    onCell?.(cell, progress);
  };
  const stopping = () => maxFailures !== undefined && counts.fail + counts.error >= maxFailures;
  return { results, record, stopping };
}
