import type { ProxyName } from '../../harness/core/names.ts';
import type { Scenario, ServerSetup } from '../../harness/core/format.ts';
import { proxyDefinition, proxyNames } from './catalog.ts';
import type { ProxyLocation, ProxyLocations } from './proxy.ts';

/** The proxies the scenarios configure, in the catalog's order. */
export function proxiesUsed(scenarios: readonly { server: ServerSetup }[]): ProxyName[] {
  return proxyNames().filter((p) => scenarios.some((s) => s.server[p] !== undefined));
}

/** Looks up the proxies the scenarios use (nginx, Apache), once. */
export async function locateProxies(scenarios: readonly Scenario[]): Promise<ProxyLocations> {
  const entries = await Promise.all(proxiesUsed(scenarios).map(async (p): Promise<[ProxyName, ProxyLocation]> => [p, await proxyDefinition(p).locate()]));
  return Object.fromEntries(entries);
}
