import { expressCors } from './express-cors/index.ts';
import { expressManual } from './express-manual/index.ts';
import { fastifyCorsStack } from './fastify-cors/index.ts';
import { nextStack } from './next/index.ts';
import { extensionNameProblem } from '../../harness/core/format.ts';
import type { AppStackName } from '../../harness/core/names.ts';
import type { StackDefinition } from './app-stack.ts';

/**
 * The one place that knows every app stack (proxies in front of them are in
 * servers/proxies/catalog.ts), in the matrix's order. A stack is its folder
 * and its entry here: the scenario schema, the CLI's lists, planning and the
 * fixes all ask this catalog. Importing it loads no server framework: each
 * stack's server loads when it starts.
 */
const stacks = new Map<AppStackName, StackDefinition>([expressCors, expressManual, fastifyCorsStack, nextStack].map((stack) => [stack.name, stack]));

/** Every app stack's name, in the matrix's order. */
export function appStackNames(): AppStackName[] {
  return [...stacks.keys()];
}

/** The stack of that name. Names come from scenarios and `--stack`, which are checked against the catalog first, so an unknown one is the harness's mistake. */
export function stackDefinition(name: AppStackName): StackDefinition {
  const stack = stacks.get(name);
  if (!stack) throw new Error(`no app stack is called \`${name}\` (known: ${appStackNames().join(', ')})`);
  return stack;
}

/**
 * Adds an app stack after the others, for one that lives outside this
 * project (a test's, a plugin's); returns what removes it again. Scenarios
 * loaded afterwards may configure it, and planning puts it in the matrix.
 */
export function registerAppStack<Raw>(stack: StackDefinition<Raw>): () => void {
  const problem = extensionNameProblem(stack.name);
  if (problem) throw new Error(`cannot register the app stack: ${problem}`);
  if (stacks.has(stack.name)) throw new Error(`cannot register the app stack \`${stack.name}\`: there is one by that name`);
  stacks.set(stack.name, stack);
  return () => {
    if (stacks.get(stack.name) === stack) stacks.delete(stack.name);
  };
}
