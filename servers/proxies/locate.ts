import { PROXY_NAMES, type ProxyName } from '../../harness/core/names.ts';
import type { Scenario } from '../../harness/core/format.ts';
import { proxies } from './catalog.ts';
import type { ProxyLocation, ProxyLocations } from './proxy.ts';

/** Looks up the proxies the scenarios use (nginx, Apache), once. */
export async function locateProxies(scenarios: readonly Scenario[]): Promise<ProxyLocations> {
  const needed = PROXY_NAMES.filter((p) => scenarios.some((s) => s.server[p] !== undefined));
  const entries = await Promise.all(needed.map(async (p): Promise<[ProxyName, ProxyLocation]> => [p, await proxies[p].locate()]));
  return Object.fromEntries(entries);
}
