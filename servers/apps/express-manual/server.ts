import { startExpress } from '../express-server.ts';
import type { StackStartOptions, StartedStack } from '../app-stack.ts';

/** Express with no CORS library (`cors` is undefined in the scenario's code): loaded only when the stack starts. */
export function start(options: StackStartOptions): Promise<StartedStack> {
  return startExpress(options, undefined);
}
