/**
 * CORS Lab's programmatic API, `import { run, loadScenarios, defineConfig } from 'corslab'`:
 * the same run as `corslab run`, configured with the same keys as
 * corslab.config.ts, returning the results contract (harness/results/types.ts)
 * that every report reads.
 */
import type { Scenario } from '../core/format.ts';
import type { RunResults } from '../results/types.ts';
import { runLab } from '../run/run.ts';
import { runOptions } from '../run/config.ts';
import type { CorslabConfig } from '../cli/config-file.ts';
import { resolveConfig, scenariosOf } from './options.ts';

export type { CorslabConfig } from '../cli/config-file.ts';
export type { EngineName, StackName } from '../core/names.ts';
export type { Scenario, Probe, Expectation } from '../core/format.ts';
export type { CellResult, Difference, RunResults, Verdict } from '../results/types.ts';
export { RESULTS_SCHEMA_VERSION } from '../results/types.ts';
export { exchangeAt } from '../results/exchanges.ts';
export { ScenarioValidationError } from '../scenarios/errors.ts';
export { SettingsError } from '../config/settings.ts';
export { RunSetupError, ReportsNotWrittenError } from '../run/run.ts';
export { loadConfig } from './options.ts';

/** Types a config file's default export: `export default defineConfig({ engines: ['chromium'] })`. Returns it unchanged. */
export function defineConfig(config: CorslabConfig): CorslabConfig {
  return config;
}

/**
 * Loads and validates scenario files and folders (default: `scenarios`), as
 * `corslab validate` does. Throws ScenarioValidationError listing every
 * problem with file, line, column and field.
 */
export function loadScenarios(paths: string | readonly string[] = 'scenarios', options: Pick<CorslabConfig, 'origins'> = {}): Promise<Scenario[]> {
  return scenariosOf(resolveConfig({ ...options, scenarios: paths }, 'loadScenarios()'));
}

/**
 * Runs scenarios in real browsers against real servers and returns the
 * results; the reporters (default: all four, into `reports/latest`) write
 * their files as `corslab run` does. Bad options throw SettingsError,
 * ScenarioValidationError or RunSetupError before anything starts; every
 * server and browser started is stopped before it returns or throws. A
 * report that could not be written throws ReportsNotWrittenError, which
 * carries the results.
 */
export async function run(config: CorslabConfig = {}): Promise<RunResults> {
  const resolved = resolveConfig(config, 'run()');
  const scenarios = await scenariosOf(resolved);
  return runLab(runOptions(resolved.run, { scenarios, runtime: resolved.runtime }));
}
