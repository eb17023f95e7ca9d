import { codeTokens } from '../../../harness/core/js-tokens.ts';
import { jsLiteral } from '../../../harness/core/js-literal.ts';
import { ROUTE_METHODS, type StackSetup } from '../app-stack.ts';
import type { Policy } from '../../../harness/core/format.ts';
import type { NextSetup } from './setup.ts';

/**
 * A scenario's Next.js setup is a few of Next's own files, not one snippet.
 * Rendered, it is those files one after the other, each under a marker line
 * that names it: this text is what the report shows, and the stack splits it
 * back into the files it writes, so what the report shows is what runs.
 */
export const NEXT_PARTS = ['route', 'headers', 'middleware', 'pagesApi'] as const;
export type NextPart = (typeof NEXT_PARTS)[number];

export const PART_MARKERS: Record<NextPart, string> = {
  route: '// ── app/s/<scenario>/[[...path]]/route.js: the route handler, for every path of the scenario',
  headers: "// ── next.config.mjs headers(), sources relative to the scenario's path",
  middleware: "// ── proxy.js (Next 16's name for middleware), run for every path of the scenario",
  pagesApi: "// ── pages/api/s/<scenario>/[[...path]].js: the pages API route, for the scenario's /api/* paths",
};

/** Where scenario code finds the lab's helpers (jsconfig maps `@/` to the app's folder, as create-next-app does). */
export const HELPER_MODULE = '@/corslab/lab.js';
const HELPERS = ['handler', 'markHandled', 'origins'] as const;

/** The route when a scenario gives neither a route nor a policy: every method but OPTIONS answers with server.responses or server.response. */
export const DEFAULT_ROUTE = `import { handler } from '${HELPER_MODULE}'\n\nexport { ${ROUTE_METHODS.map((m) => `handler as ${m}`).join(', ')} }`;

/** What the `cors` package answers when a policy leaves methods out; the other stacks mean the same. */
const DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * Imports the helpers a part uses and does not declare itself, so scenario
 * code reads like the snippet it reproduces: `handler`, `markHandled` and
 * `origins` are simply in scope, as in the other Node stacks.
 */
export function withHelpers(code: string): string {
  // Read as tokens (harness/core/js-tokens.ts): a helper named in a comment or a string is neither used nor declared.
  const tokens = codeTokens(code);
  const used = new Set(tokens.filter((t, i) => t.kind === 'identifier' && !(tokens[i - 1]?.kind === 'punct' && ['.', '?.'].includes(tokens[i - 1]!.text))).map((t) => t.text));
  const codeOnly = tokens.map((t) => (t.kind === 'string' || t.kind === 'template' ? "''" : t.text)).join(' ');
  const names = HELPERS.filter((name) => used.has(name) && !declares(codeOnly, name));
  const body = code.trimEnd();
  return names.length > 0 ? `import { ${names.join(', ')} } from '${HELPER_MODULE}'\n${body}` : body;
}

/** Declared or imported under that name (`function handler`, `const origins`, `import { markHandled } from ...`), in the code's tokens joined by spaces. */
function declares(code: string, name: string): boolean {
  const declared = new RegExp(`\\b(?:function\\s*\\*?|class|const|let|var)\\s+${name}\\b`);
  const imported = new RegExp(`\\bimport\\s+(?:${name}\\b|\\*\\s*as\\s+${name}\\b|[^'"]*\\{[^}]*\\b${name}\\b[^}]*\\})`);
  return declared.test(code) || imported.test(code);
}

/**
 * A policy in Next's idiom: CORS in the route handler, with OPTIONS exported.
 * Next's docs show CORS for one route this way (route.md, "CORS"); a proxy or
 * next.config headers() are what they suggest for many routes at once, and
 * each scenario here is one route. It is also the only idiom that expresses
 * every policy field: next.config headers are fixed strings (no reflecting,
 * no choosing from a list, and they leave the preflight to Next's automatic
 * OPTIONS answer). OPTIONS must be exported: without it Next answers a
 * preflight itself, 204 with `Allow` and no CORS headers.
 */
export function policyRoute(policy: Policy): string {
  const lines = [`import { handler } from '${HELPER_MODULE}'`, ''];
  const { origin } = policy;
  if (Array.isArray(origin)) lines.push(`const allowedOrigins = ${jsLiteral(origin)}`, '');
  lines.push('function withCors(request, headers) {');
  if (origin === '*' || (typeof origin === 'string' && origin !== 'reflect')) {
    lines.push(`  headers.set('Access-Control-Allow-Origin', ${jsLiteral(origin)})`);
  } else {
    lines.push("  const origin = request.headers.get('origin')");
    if (origin === 'reflect') {
      lines.push('  if (origin) {', "    headers.set('Access-Control-Allow-Origin', origin)", "    headers.append('Vary', 'Origin')", '  }');
    } else {
      lines.push("  headers.append('Vary', 'Origin')", "  if (origin && allowedOrigins.includes(origin)) headers.set('Access-Control-Allow-Origin', origin)");
    }
  }
  if (policy.credentials) lines.push("  headers.set('Access-Control-Allow-Credentials', 'true')");
  if (policy.exposedHeaders?.length) lines.push(`  headers.set('Access-Control-Expose-Headers', ${jsLiteral(policy.exposedHeaders.join(', '))})`);
  lines.push('  return headers', '}', '');
  lines.push('// Exported, so Next does not answer preflights itself (204 with Allow and no CORS headers).');
  lines.push('export async function OPTIONS(request) {', '  const headers = withCors(request, new Headers())');
  lines.push(`  headers.set('Access-Control-Allow-Methods', ${jsLiteral(policy.methods ? policy.methods.join(', ') : DEFAULT_METHODS)})`);
  if (policy.allowedHeaders) {
    lines.push(`  headers.set('Access-Control-Allow-Headers', ${jsLiteral(policy.allowedHeaders.join(', '))})`);
  } else {
    // Like the cors package: echo what the preflight asked for.
    lines.push("  const requested = request.headers.get('access-control-request-headers')", "  if (requested) headers.set('Access-Control-Allow-Headers', requested)");
  }
  if (policy.maxAge !== undefined) lines.push(`  headers.set('Access-Control-Max-Age', ${jsLiteral(String(policy.maxAge))})`);
  lines.push('  return new Response(null, { status: 204, headers })', '}', '');
  lines.push('async function withCorsHandler(request) {', '  const response = await handler(request)', '  withCors(request, response.headers)', '  return response', '}', '');
  lines.push(`export { ${ROUTE_METHODS.map((m) => `withCorsHandler as ${m}`).join(', ')} }`);
  return lines.join('\n');
}

/** The route part: the scenario's own, or the policy in Next's idiom, or the default. */
function routePart(policy: Policy | undefined, next: NextSetup | undefined): string {
  if (next?.route) return withHelpers(next.route);
  return policy ? policyRoute(policy) : DEFAULT_ROUTE;
}

export function renderNext({ policy, raw: next }: StackSetup<NextSetup>): string {
  const parts: [NextPart, string][] = [['route', routePart(policy, next)]];
  if (next?.headers) parts.push(['headers', JSON.stringify(next.headers, null, 2)]);
  if (next?.middleware) parts.push(['middleware', withHelpers(next.middleware)]);
  if (next?.pagesApi) parts.push(['pagesApi', withHelpers(next.pagesApi)]);
  return parts.map(([part, text]) => `${PART_MARKERS[part]}\n${text}`).join('\n\n');
}

/**
 * The rendered text back into its parts. Text before the first marker is
 * the route module (code handed to the stack without markers is one route).
 */
export function splitParts(rendered: string): Partial<Record<NextPart, string>> {
  const parts: Partial<Record<NextPart, string>> = {};
  const markers = new Map(NEXT_PARTS.map((part) => [PART_MARKERS[part], part] as const));
  let current: NextPart = 'route';
  let lines: string[] = [];
  const flush = () => {
    const text = lines.join('\n').trimEnd();
    if (text.trim()) parts[current] = `${text}\n`;
    lines = [];
  };
  for (const line of rendered.split('\n')) {
    const part = markers.get(line.trimEnd());
    if (part) {
      flush();
      current = part;
    } else {
      lines.push(line);
    }
  }
  flush();
  return parts;
}
