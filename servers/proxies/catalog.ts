import { apacheProxy } from './apache/index.ts';
import { nginxProxy } from './nginx/index.ts';
import { Catalog } from '../../harness/core/catalog.ts';
import type { ProxyName } from '../../harness/core/names.ts';
import type { ProxyDefinition } from './proxy.ts';

/**
 * The one place that knows every proxy, in the matrix's order. A proxy is
 * its folder and its entry here: the scenario schema, the CLI's lists,
 * planning, the runtimes and the fixes all ask this catalog. Importing it
 * starts nothing: each proxy's processes load when one is looked up, tested
 * or started.
 */
const proxies = new Catalog<ProxyDefinition>('proxy', [nginxProxy, apacheProxy]);

/** Every proxy's name, in the matrix's order. */
export const proxyNames = (): ProxyName[] => proxies.names();

/** The proxy of that name. */
export const proxyDefinition = (name: ProxyName): ProxyDefinition => proxies.get(name);

/** Adds a proxy after the others; returns what removes it again. */
export const registerProxy = (proxy: ProxyDefinition): (() => void) => proxies.register(proxy);
