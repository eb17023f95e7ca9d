import { apacheProxy } from './apache/index.ts';
import { nginxProxy } from './nginx/index.ts';
import type { ProxyName } from '../../harness/core/names.ts';
import type { ProxyDefinition } from './proxy.ts';

/** The one place that knows every proxy. */
export const proxies: Record<ProxyName, ProxyDefinition> = {
  nginx: nginxProxy,
  apache: apacheProxy,
};
