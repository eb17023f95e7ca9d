import { STACK_CODE_SCHEMA, checkStackCode, withRoutes, type StackCode } from '../code.ts';
import { jsLiteral } from '../../../harness/core/js-literal.ts';
import { EXPRESS_ROUTES } from '../express-routes.ts';
import type { Policy } from '../../../harness/core/format.ts';
import type { StackDefinition, StackSetup } from '../app-stack.ts';

/** What the `cors` package answers when a policy leaves methods out; hand-written code mirrors it so both mean the same. */
const CORS_PACKAGE_DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * A policy as the middleware people write by hand: set the headers, answer
 * OPTIONS with 204, call next() for everything else.
 */
export function handWrittenMiddleware(policy: Policy): string {
  const body: string[] = [];
  const set = (name: string, value: string) => body.push(`  res.setHeader(${jsLiteral(name)}, ${value})`);
  const { origin } = policy;
  if (origin === '*') {
    set('Access-Control-Allow-Origin', jsLiteral('*'));
  } else if (origin === 'reflect') {
    body.push('  const origin = req.headers.origin', '  if (origin) {');
    body.push("    res.setHeader('Access-Control-Allow-Origin', origin)", "    res.append('Vary', 'Origin')", '  }');
  } else if (typeof origin === 'string') {
    set('Access-Control-Allow-Origin', jsLiteral(origin));
  } else {
    body.push(`  const allowed = ${jsLiteral(origin)}`, '  const origin = req.headers.origin');
    body.push("  res.append('Vary', 'Origin')", '  if (origin && allowed.includes(origin)) {');
    body.push("    res.setHeader('Access-Control-Allow-Origin', origin)", '  }');
  }
  if (policy.credentials) set('Access-Control-Allow-Credentials', jsLiteral('true'));
  if (policy.exposedHeaders?.length) set('Access-Control-Expose-Headers', jsLiteral(policy.exposedHeaders.join(', ')));
  body.push("  if (req.method === 'OPTIONS') {");
  const methods = policy.methods ? policy.methods.join(', ') : CORS_PACKAGE_DEFAULT_METHODS;
  body.push(`    res.setHeader('Access-Control-Allow-Methods', ${jsLiteral(methods)})`);
  if (policy.allowedHeaders) {
    body.push(`    res.setHeader('Access-Control-Allow-Headers', ${jsLiteral(policy.allowedHeaders.join(', '))})`);
  } else {
    // Like the cors package: echo what the preflight asked for.
    body.push("    const requested = req.headers['access-control-request-headers']");
    body.push("    if (requested) res.setHeader('Access-Control-Allow-Headers', requested)");
  }
  if (policy.maxAge !== undefined) body.push(`    res.setHeader('Access-Control-Max-Age', ${jsLiteral(String(policy.maxAge))})`);
  body.push('    res.sendStatus(204)', '    return', '  }', '  next()');
  return ['app.use((req, res, next) => {', ...body, '})'].join('\n');
}

export const expressManual: StackDefinition<StackCode> = {
  name: 'express-manual',
  label: 'Express (hand-written)',
  packages: ['express'],
  setupSchema: {
    // A snippet only: hand-written middleware has no library to give options to.
    property: {
      allOf: [{ $ref: '#/definitions/stackCode' }, { not: { required: ['options'] } }],
      description: 'Express with hand-written middleware: a `code` snippet.',
    },
    definitions: { stackCode: STACK_CODE_SCHEMA },
  },
  checkSetup: checkStackCode,
  render({ policy, raw }: StackSetup<StackCode>): string {
    if (raw?.code) return withRoutes(raw.code, EXPRESS_ROUTES);
    return policy ? `${handWrittenMiddleware(policy)}\n${EXPRESS_ROUTES}` : EXPRESS_ROUTES;
  },
  renderPolicy: handWrittenMiddleware,
  preflightFirst: "app.use((req, res, next) => {\n  // set the Access-Control-* headers here, then:\n  if (req.method === 'OPTIONS') return res.sendStatus(204)\n  next()\n})\napp.use(requireAuth)",
  // Express loads only when the server starts, so the definition stays pure.
  start: async (options) => (await import('./server.ts')).start(options),
};
