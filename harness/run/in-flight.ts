import type { ChangingLimit } from './schedule.ts';

/**
 * How many probes each engine may have in flight on its shared pages. A cell
 * is mostly waiting (for the wire, for the engine's console line after a
 * block), so an engine with few cells in flight leaves the cores idle; but
 * the cores are the run's, not an engine's: three engines side by side with
 * many in flight each only queue behind each other and stretch every cell
 * towards its timeout (measured in the default suite: 32 in flight per
 * engine made it slower, with cells timing out). So, unless the run fixes a
 * number per engine (`-c`), the engines that still have cells to run split
 * one budget (defaults.concurrencyPerRun): 16 each when three run side by
 * side, all of it for an engine alone or the last one still going.
 */
export class InFlightShares {
  private readonly running = new Set<string>();
  private wake: (() => void)[] = [];

  constructor(
    /** A number per engine the run fixed: then there is nothing to share. */
    private readonly fixed: number | undefined,
    private readonly budget: number,
  ) {}

  /** An engine that will run cells (every one joins before any cell starts, so that the first split is already fair), and its handle for its shared pool. */
  join(engine: string): ChangingLimit & { leave(): void } {
    this.running.add(engine);
    return { limit: () => this.limit(), most: () => this.most(), changed: () => this.changed(), leave: () => this.leave(engine) };
  }

  /** An engine done with its cells: the others' share grows. */
  leave(engine: string): void {
    if (!this.running.delete(engine)) return;
    for (const wake of this.wake.splice(0)) wake();
  }

  /** An engine's share now. */
  limit(): number {
    return this.fixed ?? Math.max(1, Math.floor(this.budget / Math.max(1, this.running.size)));
  }

  /** The most any engine can ever get. */
  most(): number {
    return this.fixed ?? this.budget;
  }

  /** Resolves when a share may have grown. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.wake.push(resolve));
  }
}
