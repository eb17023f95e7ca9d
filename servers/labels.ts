import { splitStack, type StackName } from '../harness/core/names.ts';
import { isTargetStack, targetStackOrigin } from '../harness/core/target.ts';
import { proxyDefinition, proxyNames } from './proxies/catalog.ts';
import { appStackNames, stackDefinition } from './apps/catalog.ts';

/** The matrix's columns, as the catalogs have them: every app stack, then each proxy in front of each app stack (`nginx>express-cors`). */
export function stackNames(): StackName[] {
  const apps = appStackNames();
  return [...apps, ...proxyNames().flatMap((proxy) => apps.map((app): StackName => `${proxy}>${app}`))];
}

/** A matrix column's name: "Express + cors", or "nginx → Express + cors" for a proxy in front of one ("nginx 1.27 → Express + cors" for one of two nginx images). */
export function stackLabel(name: StackName): string {
  if (isTargetStack(name)) return `your server at ${targetStackOrigin(name)}`;
  const { proxy, app, variant, module } = splitStack(name);
  const appLabel = module ? `${module} (${stackDefinition(app).label.toLowerCase()})` : stackDefinition(app).label;
  return proxy ? `${proxyDefinition(proxy).label}${variant ? ` ${variant}` : ''} → ${appLabel}` : appLabel;
}
