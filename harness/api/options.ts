import { defaults } from '../config/defaults.ts';
import { checkConfig, type ConfigFile, type RuntimeSettings } from '../config/settings.ts';
import type { Scenario } from '../core/format.ts';
import { didYouMean } from '../core/text.ts';
import type { RunOrigins } from '../scenarios/load.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { runOrigins, runtimeSettings, type RunConfig } from '../run/config.ts';
import { imageKeys, readConfigFile } from '../../servers/runtimes/catalog.ts';
import { runConfigOf, type CorslabConfig } from '../cli/config-file.ts';

/** A program's configuration made into what a run uses, checked exactly as a config file is: a bad key or value names `where` and the key. */
export interface ResolvedConfig {
  paths: string[];
  run: RunConfig;
  runtime: RuntimeSettings;
  origins: RunOrigins;
}

export function resolveConfig(config: CorslabConfig, where: string): ResolvedConfig {
  const file: { file: string; config: ConfigFile } = { file: where, config: checkConfig(config, where, imageKeys(), didYouMean) };
  const run = runConfigOf(file);
  const paths = file.config.scenarios ?? [defaults.scenarioDir];
  return { paths, run, runtime: runtimeSettings(run, file), origins: runOrigins(run, file) };
}

/** The validated scenarios of a resolved configuration (ScenarioValidationError with file, line, column and field). */
export function scenariosOf(resolved: ResolvedConfig): Promise<Scenario[]> {
  return loadScenarios(resolved.paths, defaults.scenarioDir, resolved.origins);
}

/** The working directory's corslab.config.(ts|mts|js|mjs|json) as written, checked; undefined when there is none. */
export async function loadConfig(file?: string): Promise<CorslabConfig | undefined> {
  const found = await readConfigFile(file);
  if (!found) return undefined;
  const { run, images, ...rest } = found.config;
  return { ...rest, ...(images ? { images: images as CorslabConfig['images'] } : {}), ...runConfigOf(found) };
}
