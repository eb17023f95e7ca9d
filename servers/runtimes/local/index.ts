import { splitStack } from '../../../harness/core/names.ts';
import { isOwnAppStack, stackDefinition } from '../../apps/catalog.ts';
import { appConfinement, startAppChild } from './app-child.ts';
import { proxyDefinition } from '../../proxies/catalog.ts';
import { locateProxies } from '../../proxies/locate.ts';
import type { ProxyLocations } from '../../proxies/proxy.ts';
import type { StackRuntime } from '../runtime.ts';
import { confinedArgv, probeConfinement, type Confinement } from './confine.ts';

/** The default: the app stacks in child processes (Next.js's own `next start`), nginx and Apache from this machine's binaries, confined (confine.ts). */
export function localRuntime(): StackRuntime {
  let located: ProxyLocations = {};
  let proxyConfinement: Confinement | undefined;
  let appsInChildren = false;
  return {
    name: 'local',
    variants: {},
    async locateProxies(scenarios) {
      [located, proxyConfinement] = await Promise.all([locateProxies(scenarios), probeConfinement()]);
      return located;
    },
    confinement() {
      const proxies = Object.keys(located).length > 0 && proxyConfinement ? { proxies: proxyConfinement.describe } : {};
      return { ...proxies, ...(appsInChildren ? { apps: appConfinement() } : {}) };
    },
    configTests(proxy) {
      const location = located[proxy];
      return location?.available ? [{ where: location.executable, input: (base) => base, executable: location.executable }] : [];
    },
    startApp(_stack, app, options) {
      const stack = stackDefinition(app);
      if (stack.startsOwnProcess || !isOwnAppStack(app)) return stack.start(options);
      appsInChildren = true;
      return startAppChild(app, options);
    },
    async startProxy(stack, input, location) {
      const proxy = proxyDefinition(splitStack(stack).proxy!);
      const confinement = await probeConfinement();
      if (!confinement.confined) return proxy.start(location.executable, input.dir, proxy.config(input), input.servers.map((s) => s.listenPort));
      // Inside, it is not root (confine.ts): httpd gets no `User` to switch to.
      const lines = proxy.config({ ...input, layout: { ...input.layout, asRoot: false } });
      const confine = (argv: string[], readOnly: string[]) => confinedArgv(confinement.bwrap, argv, { writable: [input.dir], readOnly });
      return proxy.start(location.executable, input.dir, lines, input.servers.map((s) => s.listenPort), { confine });
    },
    describe(stack, locations) {
      const { proxy } = splitStack(stack);
      if (!proxy) return {};
      const location = locations[proxy];
      return { proxyVersion: location?.available ? location.version : 'not available' };
    },
  };
}
