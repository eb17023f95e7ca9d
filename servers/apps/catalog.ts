import { expressCors } from './express-cors/index.ts';
import { expressManual } from './express-manual/index.ts';
import { fastifyCorsStack } from './fastify-cors/index.ts';
import { nextStack } from './next/index.ts';
import type { AppStackName } from '../../harness/core/names.ts';
import type { StackDefinition } from './app-stack.ts';

/** The one place that knows every app stack (proxies in front of them are in proxies.ts). */
export const stacks: Record<AppStackName, StackDefinition> = {
  'express-cors': expressCors,
  'express-manual': expressManual,
  'fastify-cors': fastifyCorsStack,
  next: nextStack,
};
