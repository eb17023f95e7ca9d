import { STACK_CODE_SCHEMA, checkStackCode, withRoutes, type StackCode } from '../code.ts';
import { jsLiteral } from '../../../harness/core/js-literal.ts';
import { ROUTE_METHODS, corsLibraryOptions, type StackDefinition, type StackSetup } from '../app-stack.ts';

const FASTIFY_ROUTES = `app.route({ method: ${jsLiteral([...ROUTE_METHODS])}, url: '/*', handler })`;

/** `await app.register(cors, ...)`: @fastify/cors as a plugin of the scenario's encapsulated instance. */
const corsPlugin = (options: Record<string, unknown>) => `await app.register(cors, ${jsLiteral(options)})`;

export const fastifyCorsStack: StackDefinition<StackCode> = {
  name: 'fastify-cors',
  label: 'Fastify + @fastify/cors',
  packages: ['fastify', '@fastify/cors'],
  setupSchema: {
    property: {
      $ref: '#/definitions/stackCode',
      description: "Fastify with @fastify/cors: a `code` snippet or the plugin's `options`.",
    },
    definitions: { stackCode: STACK_CODE_SCHEMA },
  },
  checkSetup: checkStackCode,
  render({ policy, raw }: StackSetup<StackCode>): string {
    if (raw?.code) return withRoutes(raw.code, FASTIFY_ROUTES);
    const lines: string[] = [];
    if (raw?.options) lines.push(corsPlugin(raw.options));
    else if (policy) lines.push(corsPlugin(corsLibraryOptions(policy)));
    lines.push(FASTIFY_ROUTES);
    return lines.join('\n');
  },
  renderPolicy: (policy) => corsPlugin(corsLibraryOptions(policy)),
  preflightFirst: "await app.register(cors, { /* ... */ })   // answers preflights in onRequest\napp.addHook('preHandler', requireAuth)    // a later hook: preflights never reach it",
  // Fastify and @fastify/cors load only when the server starts, so the definition stays pure.
  start: async (options) => (await import('./server.ts')).start(options),
};
