import { splitStack } from '../../../harness/core/names.ts';
import { stackDefinition } from '../../apps/catalog.ts';
import { proxyDefinition } from '../../proxies/catalog.ts';
import { locateProxies } from '../../proxies/locate.ts';
import type { ProxyLocations } from '../../proxies/proxy.ts';
import type { StackRuntime } from '../runtime.ts';

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
    startApp: (_stack, app, options) => stackDefinition(app).start(options),
    startProxy(stack, input, location) {
      const proxy = proxyDefinition(splitStack(stack).proxy!);
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
