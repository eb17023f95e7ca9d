/**
 * Stack code: the snippet a scenario gives (or a stack renders from a policy)
 * runs with the same four names in scope in every Node stack:
 *   app      the framework instance mounted at the scenario's path
 *   cors     the stack's CORS library (`cors` or `@fastify/cors`)
 *   handler  the app's route handler, which records that it ran
 *   origins  { app, evil, apiOrigin } for this run
 */
export const STACK_CODE_PARAMS = ['app', 'cors', 'handler', 'origins'] as const;

type StackCodeFunction = (app: unknown, cors: unknown, handler: unknown, origins: unknown) => Promise<void>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => StackCodeFunction;

/** Compiles without running; returns the syntax error's message, or undefined when the code compiles. */
export function compileStackCode(code: string): string | undefined {
  try {
    new AsyncFunction(...STACK_CODE_PARAMS, code);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function stackCodeFunction(code: string): StackCodeFunction {
  return new AsyncFunction(...STACK_CODE_PARAMS, code);
}

/** A snippet that never mentions `handler` declares no routes of its own: the stack adds its catch-all routes after it. */
export function declaresRoutes(code: string): boolean {
  return /\bhandler\b/.test(code);
}

/** A scenario's snippet, followed by the stack's catch-all routes unless it declares its own. */
export function withRoutes(code: string, routes: string): string {
  return declaresRoutes(code) ? code.trimEnd() : `${code.trimEnd()}\n${routes}`;
}
