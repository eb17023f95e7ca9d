import type { JsonSchema, SetupProblem } from '../../harness/core/format.ts';
import { codeTokens } from '../../harness/core/js-tokens.ts';

/**
 * Stack code: the snippet a scenario gives (or a stack renders from a policy)
 * runs with the same four names in scope in every Node stack:
 *   app      the framework instance mounted at the scenario's path
 *   cors     the stack's CORS library (`cors` or `@fastify/cors`)
 *   handler  the app's route handler, which records that it ran
 *   origins  { app, evil, apiOrigin } for this run, and every origin the scenario declares
 */
export const STACK_CODE_PARAMS = ['app', 'cors', 'handler', 'origins'] as const;

/** A Node stack's raw setup (`server.express-cors` and the like): a code snippet, or the CORS library's options as data. */
export interface StackCode {
  code?: string;
  options?: Record<string, unknown>;
}

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

/** The scenario schema's `stackCode`, which the Node stacks' setup schemas refer to. */
export const STACK_CODE_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  description: "Raw setup for one stack: `code` (a snippet run with app, cors, handler and origins in scope) or `options` (the CORS library's options as data).",
  properties: {
    code: {
      type: 'string',
      minLength: 1,
      description: "A JavaScript snippet run as the body of an async function with app, cors, handler and origins in scope. If its code never uses handler (the word in a comment or a string does not count), the stack's catch-all routes are added after it.",
    },
    options: {
      type: 'object',
      description: "The CORS library's options as data, e.g. { origin: '{app}', credentials: true } (not for express-manual).",
    },
  },
};

/** The problem with a raw setup whose code does not compile, for scenario validation. */
export function checkStackCode(raw: StackCode): SetupProblem[] {
  const error = raw.code === undefined ? undefined : compileStackCode(raw.code);
  return error ? [{ segments: ['code'], message: `does not compile: ${error}` }] : [];
}

export function stackCodeFunction(code: string): StackCodeFunction {
  return new AsyncFunction(...STACK_CODE_PARAMS, code);
}

/**
 * A snippet that never uses `handler` declares no routes of its own: the stack
 * adds its catch-all routes after it. What counts is the code, read as tokens
 * (harness/core/js-tokens.ts): the name `handler` as a value (`app.get('/x',
 * handler)`, `{ handler }`, `${handler}`). The word in a comment or a string, a
 * property called handler (`route.handler`) or an object key (`{ handler: fn }`)
 * is not a use of the lab's handler, so it does not remove the catch-all routes.
 */
export function declaresRoutes(code: string): boolean {
  const tokens = codeTokens(code);
  return tokens.some((t, i) => {
    if (t.kind !== 'identifier' || t.text !== 'handler') return false;
    const before = tokens[i - 1];
    const after = tokens[i + 1];
    const member = before?.kind === 'punct' && (before.text === '.' || before.text === '?.');
    const key = before?.kind === 'punct' && (before.text === '{' || before.text === ',') && after?.kind === 'punct' && after.text === ':';
    return !member && !key;
  });
}

/** A scenario's snippet, followed by the stack's catch-all routes unless it declares its own. */
export function withRoutes(code: string, routes: string): string {
  return declaresRoutes(code) ? code.trimEnd() : `${code.trimEnd()}\n${routes}`;
}
