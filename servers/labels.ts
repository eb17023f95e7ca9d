import { splitStack, type StackName } from '../harness/core/names.ts';
import { proxies } from './proxies/catalog.ts';
import { stacks } from './apps/catalog.ts';

/** A matrix column's name: "Express + cors", or "nginx → Express + cors" for a proxy in front of one ("nginx 1.27 → Express + cors" for one of two nginx images). */
export function stackLabel(name: StackName): string {
  const { proxy, app, variant } = splitStack(name);
  return proxy ? `${proxies[proxy].label}${variant ? ` ${variant}` : ''} → ${stacks[app].label}` : stacks[app].label;
}
