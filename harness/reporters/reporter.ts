import { ReportWriteError } from './write-report.ts';
import type { CellResult, EngineInfo, RunResults, StackInfo } from '../results/types.ts';

export interface RunStartInfo {
  total: number;
  scenarios: number;
  engines: EngineInfo[];
  stacks: StackInfo[];
}

export interface Progress {
  done: number;
  total: number;
  pass: number;
  fail: number;
  error: number;
  elapsedMs: number;
  /** Estimated time left, from the pace so far; undefined until a few cells have run. */
  etaMs?: number;
}

/**
 * A reporter implements any of these hooks, named after the run's lifecycle.
 * The multiplexer calls every reporter, so a faulty one cannot stop the run.
 */
export interface Reporter {
  /** Something the user should know once (an engine that is missing, a stack that did not start). */
  onNotice?(text: string): void;
  /** Servers and engines are up; cells are about to run. */
  onRunStart?(info: RunStartInfo): void | Promise<void>;
  /** One cell has its verdict. */
  onCellEnd?(cell: CellResult, progress: Progress): void;
  /** Every cell has run and everything the run started is stopped. */
  onRunEnd?(results: RunResults): void | Promise<void>;
}

export class ReporterMultiplexer implements Required<Reporter> {
  private readonly failed = new Set<Reporter>();

  constructor(private readonly reporters: readonly Reporter[]) {}

  onNotice(text: string): void {
    this.each((r) => r.onNotice?.(text));
  }

  async onRunStart(info: RunStartInfo): Promise<void> {
    await this.eachAsync((r) => r.onRunStart?.(info));
  }

  onCellEnd(cell: CellResult, progress: Progress): void {
    this.each((r) => r.onCellEnd?.(cell, progress));
  }

  async onRunEnd(results: RunResults): Promise<void> {
    await this.eachAsync((r) => r.onRunEnd?.(results));
  }

  private each(call: (r: Reporter) => void): void {
    for (const r of this.reporters) {
      try {
        call(r);
      } catch (error) {
        this.report(r, error);
      }
    }
  }

  private async eachAsync(call: (r: Reporter) => void | Promise<void>): Promise<void> {
    for (const r of this.reporters) {
      try {
        await call(r);
      } catch (error) {
        this.report(r, error);
      }
    }
  }

  /** What went wrong in each reporter that failed, once per reporter. */
  readonly failures: string[] = [];

  private report(reporter: Reporter, error: unknown): void {
    if (this.failed.has(reporter)) return;
    this.failed.add(reporter);
    // A report that could not be written says which file and why; anything else is a bug worth its stack.
    const text = error instanceof ReportWriteError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.failures.push(`reporter ${reporter.constructor.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.stderr.write(`corslab: reporter ${reporter.constructor.name} failed: ${text}\n`);
  }
}
