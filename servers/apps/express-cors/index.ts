import { STACK_CODE_SCHEMA, checkStackCode, withRoutes, type StackCode } from '../code.ts';
import { jsLiteral } from '../../../harness/core/js-literal.ts';
import { EXPRESS_ROUTES } from '../express-routes.ts';
import { corsLibraryOptions, type StackDefinition, type StackSetup } from '../app-stack.ts';

/** `app.use(cors(...))`: the cors package as middleware, before the routes. */
const corsMiddleware = (options: Record<string, unknown>) => `app.use(cors(${jsLiteral(options)}))`;

export const expressCors: StackDefinition<StackCode> = {
  name: 'express-cors',
  label: 'Express + cors',
  packages: ['express', 'cors'],
  setupSchema: {
    property: {
      $ref: '#/definitions/stackCode',
      description: "Express with the cors package: a `code` snippet or the package's `options`.",
    },
    definitions: { stackCode: STACK_CODE_SCHEMA },
  },
  checkSetup: checkStackCode,
  render({ policy, raw }: StackSetup<StackCode>): string {
    if (raw?.code) return withRoutes(raw.code, EXPRESS_ROUTES);
    const lines: string[] = [];
    if (raw?.options) lines.push(corsMiddleware(raw.options));
    else if (policy) lines.push(corsMiddleware(corsLibraryOptions(policy)));
    lines.push(EXPRESS_ROUTES);
    return lines.join('\n');
  },
  renderPolicy: (policy) => corsMiddleware(corsLibraryOptions(policy)),
  preflightFirst: 'app.use(cors({ /* ... */ }))   // first: it answers OPTIONS with 204 itself\napp.use(requireAuth)             // after: never sees the preflight',
  // Express and cors load only when the server starts, so the definition stays pure (`corslab explain` loads neither).
  start: async (options) => (await import('./server.ts')).start(options),
};
