import { apacheProxy } from './apache/index.ts';
import { nginxProxy } from './nginx/index.ts';
import { extensionNameProblem } from '../../harness/core/format.ts';
import type { ProxyName } from '../../harness/core/names.ts';
import type { ProxyDefinition } from './proxy.ts';

/**
 * The one place that knows every proxy, in the matrix's order. A proxy is
 * its folder and its entry here: the scenario schema, the CLI's lists,
 * planning, the runtimes and the fixes all ask this catalog. Importing it
 * starts nothing: each proxy's processes load when one is looked up, tested
 * or started.
 */
const proxies = new Map<ProxyName, ProxyDefinition>([nginxProxy, apacheProxy].map((proxy) => [proxy.name, proxy]));

/** Every proxy's name, in the matrix's order. */
export function proxyNames(): ProxyName[] {
  return [...proxies.keys()];
}

/** The proxy of that name. Names come from scenarios and `--stack`, which are checked against the catalog first, so an unknown one is the harness's mistake. */
export function proxyDefinition(name: ProxyName): ProxyDefinition {
  const proxy = proxies.get(name);
  if (!proxy) throw new Error(`no proxy is called \`${name}\` (known: ${proxyNames().join(', ')})`);
  return proxy;
}

/** Adds a proxy after the others, for one that lives outside this project (a test's, a plugin's); returns what removes it again. */
export function registerProxy(proxy: ProxyDefinition): () => void {
  const problem = extensionNameProblem(proxy.name);
  if (problem) throw new Error(`cannot register the proxy: ${problem}`);
  if (proxies.has(proxy.name)) throw new Error(`cannot register the proxy \`${proxy.name}\`: there is one by that name`);
  proxies.set(proxy.name, proxy);
  return () => {
    if (proxies.get(proxy.name) === proxy) proxies.delete(proxy.name);
  };
}
