import { expressCors } from './express-cors/index.ts';
import { expressManual } from './express-manual/index.ts';
import { fastifyCorsStack } from './fastify-cors/index.ts';
import type { StackName } from '../harness/scenarios/types.ts';
import type { StackDefinition } from './stack.ts';

/** The one place that knows every stack. */
export const stacks: Record<StackName, StackDefinition> = {
  'express-cors': expressCors,
  'express-manual': expressManual,
  'fastify-cors': fastifyCorsStack,
};
