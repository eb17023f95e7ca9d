import cors from 'cors';
import { startExpress } from '../express-server.ts';
import type { StackStartOptions, StartedStack } from '../app-stack.ts';

/** Express with the `cors` package in scope as `cors`: loaded only when the stack starts. */
export function start(options: StackStartOptions): Promise<StartedStack> {
  return startExpress(options, cors);
}
