import { splitStack, type StackName } from '../harness/scenarios/types.ts';
import { proxies } from './proxies.ts';
import { stacks } from './registry.ts';

/** A matrix column's name: "Express + cors", or "nginx → Express + cors" for a proxy in front of one. */
export function stackLabel(name: StackName): string {
  const { proxy, app } = splitStack(name);
  return proxy ? `${proxies[proxy].label} → ${stacks[app].label}` : stacks[app].label;
}
