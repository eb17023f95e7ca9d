import type { Cleanup } from '../core/cleanup.ts';
import type { Scenario } from '../core/format.ts';
import type { EngineName, StackName } from '../core/names.ts';
import type { Curriculum } from '../curriculum/types.ts';
import type { Reporter } from '../reporters/reporter.ts';
import type { RuntimeSettings } from '../config/settings.ts';

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
