import { findConfigFile, readConfigFileFor, resolveSettingsFor, type ConfigFile, type ImageKeys, type RuntimeName, type RuntimeSettings } from '../../harness/config/settings.ts';
import { defaults } from '../../harness/config/defaults.ts';
import type { Cleanup } from '../../harness/core/cleanup.ts';
import { didYouMean } from '../../harness/core/text.ts';
import { proxyDefinition, proxyNames } from '../proxies/catalog.ts';
import { localRuntime } from './local/index.ts';
import type { StackRuntime } from './runtime.ts';

/** Makes a runtime for a run; throws RuntimeSetupError when it cannot work here. */
export type RuntimeFactory = (settings: RuntimeSettings, cleanup: Cleanup) => Promise<StackRuntime>;

/** The one place that knows every runtime. */
export const runtimes: Record<RuntimeName, RuntimeFactory> = {
  local: async () => localRuntime(),
  // Loaded only when asked for: the local runtime never imports testcontainers.
  docker: async (settings, cleanup) => (await import('./docker/runtime.ts')).dockerRuntime(settings, cleanup),
};

/** The runtime a run uses when it says nothing: this machine's processes. */
export const defaultRuntime = localRuntime;

/** The images a run can be given: each proxy's own, which can run side by side, then `node` for the app stacks. */
export function imageKeys(): ImageKeys {
  const proxies = proxyNames();
  return {
    defaults: { ...Object.fromEntries(proxies.map((name) => [name, proxyDefinition(name).image.defaultImage])), node: defaults.images.node },
    sideBySide: proxies,
  };
}

/** Reads and checks the working directory's corslab.config.(ts|js|mjs|json) (or `file`) against the catalogs' image keys; undefined when there is none. */
export function readConfigFile(file?: string): Promise<{ file: string; config: ConfigFile } | undefined> {
  return readConfigFileFor(imageKeys(), file ?? findConfigFile(), didYouMean);
}

/** Where the stacks run and from which images: the defaults, then the config file, then the command line (harness/config/settings.ts). */
export function resolveSettings(file: { file: string; config: ConfigFile } | undefined, cli: { runtime?: string; image?: string[] }): RuntimeSettings {
  return resolveSettingsFor(imageKeys(), file, cli);
}
