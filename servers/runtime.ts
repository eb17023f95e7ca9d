import { proxies } from './proxies.ts';
import { stacks } from './registry.ts';
import { locateProxies } from '../harness/scenarios/proxy-check.ts';
import { splitStack, type AppStackName, type ProxyName, type Scenario, type StackName } from '../harness/scenarios/types.ts';
import type { ProxyVariants } from '../harness/plan/plan.ts';
import type { ImageInfo } from '../harness/results/types.ts';
import type { RuntimeName } from '../harness/config/settings.ts';
import type { CommandRunner, ProxyLocation, ProxyLocations, ProxyScenarioInput, StartedProxy } from './proxy.ts';
import type { StackStartOptions, StartedStack } from './stack.ts';

/**
 * Where the stacks run. Stacks and proxies keep their own shape (render,
 * config, lint); a runtime only decides how their servers are started: here,
 * as this machine's processes (local), or in containers (servers/docker/).
 * lab.ts is the one place that calls it.
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
  /** For the results: the proxy's version on this stack and, in containers, the images. */
  describe(stack: StackName, locations: ProxyLocations): { proxyVersion?: string; images?: ImageInfo[] };
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

/** The default: the app stacks in this process (Next.js as a child), nginx and Apache from this machine's binaries. */
export function localRuntime(): StackRuntime {
  let located: ProxyLocations = {};
  return {
    name: 'local',
    variants: {},
    async locateProxies(scenarios) {
      located = await locateProxies(scenarios);
      return located;
    },
    configTests(proxy) {
      const location = located[proxy];
      return location?.available ? [{ where: location.executable, input: (base) => base, executable: location.executable }] : [];
    },
    startApp: (_stack, app, options) => stacks[app].start(options),
    startProxy(stack, input, location) {
      const proxy = proxies[splitStack(stack).proxy!];
      return proxy.start(location.executable, input.dir, proxy.config(input), input.servers.map((s) => s.listenPort));
    },
    describe(stack, locations) {
      const { proxy } = splitStack(stack);
      if (!proxy) return {};
      const location = locations[proxy];
      return { proxyVersion: location?.available ? location.version : 'not available' };
    },
  };
}
