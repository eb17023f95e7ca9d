import { withRoutes } from '../code.ts';
import { jsLiteral } from '../../../harness/core/js-literal.ts';
import { EXPRESS_ROUTES } from '../express-routes.ts';
import { corsLibraryOptions, type StackDefinition, type StackSetup } from '../app-stack.ts';

export const expressCors: StackDefinition = {
  name: 'express-cors',
  label: 'Express + cors',
  packages: ['express', 'cors'],
  render({ policy, raw }: StackSetup): string {
    if (raw?.code) return withRoutes(raw.code, EXPRESS_ROUTES);
    const lines: string[] = [];
    if (raw?.options) lines.push(`app.use(cors(${jsLiteral(raw.options)}))`);
    else if (policy) lines.push(`app.use(cors(${jsLiteral(corsLibraryOptions(policy))}))`);
    lines.push(EXPRESS_ROUTES);
    return lines.join('\n');
  },
  // Express and cors load only when the server starts, so the definition stays pure (`corslab explain` loads neither).
  start: async (options) => (await import('./server.ts')).start(options),
};
