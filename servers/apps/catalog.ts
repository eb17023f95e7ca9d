import { expressCors } from './express-cors/index.ts';
import { expressManual } from './express-manual/index.ts';
import { fastifyCorsStack } from './fastify-cors/index.ts';
import { nextStack } from './next/index.ts';
import { ownAppStack } from './own-app/index.ts';
import { Catalog } from '../../harness/core/catalog.ts';
import type { AppStackName } from '../../harness/core/names.ts';
import type { StackDefinition } from './app-stack.ts';

/**
 * The one place that knows every app stack (proxies in front of them are in
 * servers/proxies/catalog.ts), in the matrix's order. A stack is its folder
 * and its entry here: the scenario schema, the CLI's lists, planning and the
 * fixes all ask this catalog. Importing it loads no server framework: each
 * stack's server loads when it starts.
 */
const stacks = new Catalog<StackDefinition>('app stack', [expressCors, expressManual, fastifyCorsStack, nextStack, ownAppStack]);

/** Every app stack's name, in the matrix's order. */
export const appStackNames = (): AppStackName[] => stacks.names();

/** The stack of that name. */
export const stackDefinition = (name: AppStackName): StackDefinition => stacks.get(name);

/**
 * Adds an app stack after the others, for one that lives outside this
 * project (a test's, a plugin's); returns what removes it again. Scenarios
 * loaded afterwards may configure it, and planning puts it in the matrix.
 */
export const registerAppStack = <Raw,>(stack: StackDefinition<Raw>): (() => void) => {
  const unregister = stacks.register(stack);
  registered.add(stack);
  return () => {
    registered.delete(stack);
    unregister();
  };
};

const registered = new Set<StackDefinition<never>>();

/**
 * Whether the stack of that name is this project's own. A registered one
 * exists only in the process that registered it, so the local runtime
 * starts it there rather than in a child process (servers/runtimes/local/app-child.ts).
 */
export const isOwnAppStack = (name: AppStackName): boolean => ![...registered].some((s) => s.name === name);
