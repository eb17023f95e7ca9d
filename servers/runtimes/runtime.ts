import type { AppStackName, ProxyName, StackName, ProxyVariants } from '../../harness/core/names.ts';
import type { Scenario } from '../../harness/core/format.ts';
import type { ConfinementInfo, ImageInfo } from '../../harness/results/types.ts';
import type { RuntimeName, RuntimeSettings } from '../../harness/config/settings.ts';
import type { CommandRunner, ProxyLocation, ProxyLocations, ProxyScenarioInput, StartedProxy } from '../proxies/proxy.ts';
import type { StackStartOptions, StartedStack } from '../apps/app-stack.ts';

/**
 * Where the stacks run. Stacks and proxies keep their own shape (render,
 * config, lint); a runtime only decides how their servers are started: here,
 * as this machine's processes (local), or in containers (servers/runtimes/docker/).
 * The run's server start-up (harness/run/start-servers.ts) is the one place
 * that calls it; catalog.ts makes one.
 */
export interface StackRuntime {
  name: RuntimeName;
  /** Docker: the proxies with several images, one column per image. */
  variants: ProxyVariants;
  /** Looks up the proxies the scenarios use: this machine's binaries, or the images'. */
  locateProxies(scenarios: readonly Scenario[]): Promise<ProxyLocations>;
  /**
   * Runs a proxy's config test once per place the proxy will run from (one
   * image or several): each with the config generated for it, and a folder
   * that place can read.
   */
  configTests(proxy: ProxyName): ConfigTestTarget[];
  startApp(stack: StackName, app: AppStackName, options: StackStartOptions): Promise<StartedStack>;
  startProxy(stack: StackName, input: ProxyScenarioInput, location: ProxyLocation & { available: true }): Promise<StartedProxy>;
  /**
   * For the results' environment, and a notice when something runs unconfined:
   * how the proxies (once looked up) and the app stacks' code are confined,
   * or "not confined: <why>".
   */
  confinement?(): ConfinementInfo;
  /** For the results: the proxy's version on this stack and, in containers, the images. */
  describe(stack: StackName, locations: ProxyLocations): { proxyVersion?: string; images?: ImageInfo[] };
}

/**
 * The columns a proxy gets beyond one, from the settings alone (nothing is
 * started): in the Docker runtime, a proxy with several images has one
 * column per image; the local runtime has one binary per proxy.
 */
export function proxyVariants(settings: RuntimeSettings): ProxyVariants {
  if (settings.runtime !== 'docker') return {};
  const variants: ProxyVariants = {};
  for (const [key, list] of Object.entries(settings.images)) {
    // Only a proxy's key may be given more than once (harness/config/settings.ts).
    if (list.length > 1) variants[key as ProxyName] = list.map((i) => i.variant!);
  }
  return variants;
}

/** One place a proxy's config test runs. */
export interface ConfigTestTarget {
  /** Named in problems when there are several: the image. */
  where: string;
  executable: string;
  /** The config's input for this place (a container image's layout). */
  input(base: ProxyScenarioInput): ProxyScenarioInput;
  /** Runs the test there (default: on this machine). */
  run?: CommandRunner;
  /** A folder that place can read, for the config (default: the system's temporary folder). */
  tmpRoot?: string;
}

/** A runtime that cannot work here (no Docker engine, an image it cannot use): said before anything starts. */
export class RuntimeSetupError extends Error {
  override name = 'RuntimeSetupError';
}
