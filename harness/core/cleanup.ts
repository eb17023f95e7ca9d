/**
 * Everything a run starts registers how to stop it here. The run stops them
 * in reverse order when it ends, on success, on failure, and on Ctrl-C (the
 * CLI calls `stopAll` from its signal handler).
 */
export class Cleanup {
  private readonly steps: { name: string; stop: () => Promise<void> }[] = [];
  private stopping: Promise<void> | undefined;

  add(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  /** Stops everything once; later calls wait for the same stop. Failures are reported, not thrown. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.stop();
        } catch (error) {
          process.stderr.write(`corslab: could not stop ${step.name}: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
    })();
    return this.stopping;
  }
}
