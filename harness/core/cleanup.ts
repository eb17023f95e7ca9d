import { defaults } from '../config/defaults.ts';
import { withDeadline } from './deadline.ts';

/**
 * Everything a run starts registers how to stop it here. The run stops them
 * in reverse order when it ends, on success, on failure, and on Ctrl-C (the
 * CLI calls `stopAll` from its signal handler).
 *
 * Each step has a time limit (defaults.closeMs unless it says otherwise): a
 * browser that no longer answers must not keep the run from ending. A step
 * that fails or runs out of time is said, counted in `failures`, and the next
 * one runs; whatever it left is ended by the process's exit hook and the
 * lifeline (harness/system/lifeline.ts), which is told the stop was not clean.
 */
export class Cleanup {
  private readonly steps: { name: string; stop: () => Promise<void>; timeoutMs: number }[] = [];
  private stopping: Promise<void> | undefined;
  private failed = 0;
  private exitingAfter = false;

  add(name: string, stop: () => Promise<void>, options: { timeoutMs?: number } = {}): void {
    this.steps.push({ name, stop, timeoutMs: options.timeoutMs ?? defaults.closeMs });
  }

  private readonly pending = new Set<Promise<unknown>>();

  /**
   * Something still starting, whose parts register their stops as they come
   * up (a run's stacks start while its cells already run: openLab). A stop
   * first waits for it, at most defaults.startSettleMs, so that what was
   * half-started when Ctrl-C came is stopped with the rest instead of being
   * left to the lifeline after the exit.
   */
  starting(work: Promise<unknown>): void {
    const settled: Promise<unknown> = work.catch(() => undefined).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }

  /** Steps that failed or ran out of time so far. */
  get failures(): number {
    return this.failed;
  }

  /**
   * Whether the process exits as soon as the stop is done (a signal): what
   * was still starting when it came registers its stop too late, and is
   * ended by the exit itself (the lifeline's exit hook), so the lifeline is
   * kept until then.
   */
  get exiting(): boolean {
    return this.exitingAfter;
  }

  /** Stops everything once; later calls wait for the same stop. Failures are reported, not thrown. */
  stopAll(options: { exiting?: boolean } = {}): Promise<void> {
    if (options.exiting) this.exitingAfter = true;
    this.stopping ??= (async () => {
      if (this.pending.size > 0) await withDeadline(Promise.all([...this.pending]), defaults.startSettleMs, 'still starting').catch(() => {});
      for (const step of this.steps.reverse()) {
        try {
          await withDeadline(step.stop(), step.timeoutMs, `it did not stop within ${step.timeoutMs} ms`);
        } catch (error) {
          this.failed++;
          process.stderr.write(`corslab: could not stop ${step.name}: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
    })();
    return this.stopping;
  }
}
