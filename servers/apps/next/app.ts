import { readFileSync } from 'node:fs';
import { defaults } from '../../../harness/config/defaults.ts';
import { splitParts, type NextPart } from './render.ts';
import type { LabOrigins } from '../../../harness/core/origins.ts';
import type { NextHeaderRule } from './setup.ts';
import type { HandlerAnswers, ScenarioMount } from '../app-stack.ts';
import { turbopackRoot } from './cache-dir.ts';

/**
 * The one Next.js app that serves all of a run's Next scenarios, as files
 * (path inside the app -> content). Everything here is pure: the same
 * scenarios give the same files, byte for byte, which is what makes the
 * build cacheable.
 *
 *   next.config.mjs                          every scenario's headers(), prefixed by its path; rewrites for pages API routes
 *   jsconfig.json                            `@/` -> the app's folder
 *   corslab/lab.js                           the helpers (template/corslab/lab.js)
 *   corslab/answer.js                        what the handler answers (template/corslab/answer.js, app-stack.ts's answerFor in JS)
 *   corslab/responses.js                     each scenario's server.response and server.responses, by path; the cell parameter
 *   app/s/<scenario>/[[...path]]/route.js    each scenario's route handler
 *   pages/api/s/<scenario>/[[...path]].js    a scenario's pages API route, for its /api/* paths
 *   corslab/s/<scenario>/proxy.js            a scenario's proxy (middleware) function
 *   proxy.js                                 the app's one proxy: calls the scenario's function by path prefix
 */
export interface GeneratedApp {
  files: Map<string, string>;
  /** The scenarios in the app, by path prefix (`/s/<scenario>`). */
  scenarios: Map<string, string>;
}

/** Scenarios whose setup cannot become part of the app (a folder name Next would not route, headers that are not valid JSON): scenario id -> why. */
export type GenerationErrors = Map<string, string>;

/**
 * Stand-ins for this run's origins. Ports are chosen at run time, so origins
 * written into the sources would make every run's sources differ and the build
 * cache useless. The sources carry these instead; each started copy of the
 * build gets the real origins written in (next.config headers, for one, are
 * compiled into the build's routes manifest, so this cannot wait for run time).
 * `.invalid` is reserved (RFC 2606): these names can never be real.
 */
export const ORIGIN_TOKENS: Record<keyof LabOrigins, string> = {
  app: 'http://app.corslab-origin.invalid',
  evil: 'http://evil.corslab-origin.invalid',
  apiOrigin: 'http://api.corslab-origin.invalid',
};

const KEYS = Object.keys(ORIGIN_TOKENS) as (keyof LabOrigins)[];
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** This run's origins -> the tokens (an origin followed by another digit is a different port, so it stays). */
export function tokenizeOrigins(text: string, origins: LabOrigins): string {
  let out = text;
  for (const key of KEYS) out = out.replace(new RegExp(`${escapeRegExp(origins[key])}(?!\\d)`, 'g'), ORIGIN_TOKENS[key]);
  return out;
}

/** The tokens -> this run's origins. */
export function detokenizeOrigins(text: string, origins: LabOrigins): string {
  let out = text;
  for (const key of KEYS) out = out.replaceAll(ORIGIN_TOKENS[key], origins[key]);
  return out;
}

const LAB_HELPER = readFileSync(new URL('./template/corslab/lab.js', import.meta.url), 'utf8');
const ANSWER_HELPER = readFileSync(new URL('./template/corslab/answer.js', import.meta.url), 'utf8');

/** A mount's answers with this run's origins as tokens (see ORIGIN_TOKENS), as the generated app carries them. */
export function tokenizeAnswers(mount: HandlerAnswers, origins: LabOrigins): HandlerAnswers {
  const answers: HandlerAnswers = { response: mount.response, ...(mount.responses ? { responses: mount.responses } : {}) };
  return JSON.parse(tokenizeOrigins(JSON.stringify(answers), origins)) as HandlerAnswers;
}

/** A scenario's folder name (`/s/<this>`): Next would not route a folder starting with `_`, `(`, `[` or `@`, so only plain names pass. */
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `source` from a scenario's headers entry, under the scenario's path (`/` is the path itself). */
export function prefixedSource(prefix: string, source: string): string {
  return source === '/' ? prefix : `${prefix}${source}`;
}

/** Every scenario's headers() entries in one list, each source under its scenario's path. */
export function mergeHeaders(entries: readonly { prefix: string; rules: readonly NextHeaderRule[] }[]): NextHeaderRule[] {
  return entries.flatMap(({ prefix, rules }) => rules.map((rule) => ({ source: prefixedSource(prefix, rule.source), headers: rule.headers.map(({ key, value }) => ({ key, value })) })));
}

function parseHeaders(text: string): NextHeaderRule[] {
  const value: unknown = JSON.parse(text);
  const valid =
    Array.isArray(value) &&
    value.every(
      (r: { source?: unknown; headers?: unknown }) =>
        typeof r?.source === 'string' &&
        r.source.startsWith('/') &&
        Array.isArray(r.headers) &&
        r.headers.every((h: { key?: unknown; value?: unknown }) => typeof h?.key === 'string' && typeof h?.value === 'string'),
    );
  if (!valid) throw new Error('must be a list of { source: "/...", headers: [{ key, value }] }');
  return value as NextHeaderRule[];
}

/** Where each part of a scenario goes in the app. */
export function partFile(part: Exclude<NextPart, 'headers'>, folder: string): string {
  if (part === 'route') return `app/s/${folder}/[[...path]]/route.js`;
  if (part === 'pagesApi') return `pages/api/s/${folder}/[[...path]].js`;
  return `corslab/s/${folder}/proxy.js`;
}

/**
 * The app for these mounts. Mounts are taken in path order, so the same set
 * in another order is the same app (and the same cached build).
 */
export function generateApp(mounts: readonly ScenarioMount[], origins: LabOrigins): { app: GeneratedApp; errors: GenerationErrors } {
  const files = new Map<string, string>();
  const errors: GenerationErrors = new Map();
  const scenarios = new Map<string, string>();
  const headerEntries: { prefix: string; rules: NextHeaderRule[] }[] = [];
  const rewrites: { source: string; destination: string }[] = [];
  const proxies: { prefix: string; file: string }[] = [];
  const answers: Record<string, HandlerAnswers> = {};

  for (const mount of [...mounts].sort((a, b) => a.prefix.localeCompare(b.prefix))) {
    const folder = mount.prefix.replace(/^\/s\//, '');
    if (!mount.prefix.startsWith('/s/') || !FOLDER.test(folder)) {
      errors.set(mount.scenarioId, `Next.js cannot serve it at ${mount.prefix}: a route folder name must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (rename the scenario file)`);
      continue;
    }
    const parts = splitParts(tokenizeOrigins(mount.code, origins));
    let rules: NextHeaderRule[] = [];
    try {
      if (parts.headers) rules = parseHeaders(parts.headers);
    } catch (error) {
      errors.set(mount.scenarioId, `its next.config headers() entries are not valid: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    scenarios.set(mount.prefix, mount.scenarioId);
    if (rules.length > 0) headerEntries.push({ prefix: mount.prefix, rules });
    if (parts.route) files.set(partFile('route', folder), parts.route);
    if (parts.pagesApi) {
      files.set(partFile('pagesApi', folder), parts.pagesApi);
      // Before the file system, so the route handler's catch-all does not take these paths first.
      rewrites.push({ source: `${mount.prefix}/api/:path*`, destination: `/api/s/${folder}/:path*` });
    }
    if (parts.middleware) {
      const file = partFile('middleware', folder);
      files.set(file, parts.middleware);
      proxies.push({ prefix: mount.prefix, file });
    }
    answers[mount.prefix] = tokenizeAnswers(mount, origins);
  }

  files.set('next.config.mjs', nextConfig(mergeHeaders(headerEntries), rewrites, turbopackRoot()));
  files.set('jsconfig.json', `${JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': ['./*'] } } }, null, 2)}\n`);
  files.set('corslab/lab.js', LAB_HELPER);
  files.set('corslab/answer.js', ANSWER_HELPER);
  files.set(
    'corslab/responses.js',
    `// Each scenario's server.response and server.responses, by the path it is mounted at.\nexport default ${JSON.stringify(answers, null, 2)}\n\n// The query parameter that attributes a request to its cell (defaults.cellParam).\nexport const cellParam = ${JSON.stringify(defaults.cellParam)}\n`,
  );
  if (proxies.length > 0) files.set('proxy.js', proxyDispatcher(proxies));
  return { app: { files, scenarios }, errors };
}

function nextConfig(headers: NextHeaderRule[], rewrites: { source: string; destination: string }[], root: string): string {
  return `// Generated by CORS Lab: one Next.js app for all of a run's Next.js scenarios.

// The folder that holds this app and the real folders of next, react and
// react-dom (linked in ./node_modules): Turbopack reads nothing outside its root.
const root = ${JSON.stringify(root)}

export default {
  turbopack: { root },
  outputFileTracingRoot: root,
  // The recorder keeps bodies as they crossed the wire; gzip would make them unreadable in the report (and has nothing to do with CORS).
  compress: false,
  async headers() {
    return ${indent(JSON.stringify(headers, null, 2), 4)}
  },
  async rewrites() {
    return { beforeFiles: ${indent(JSON.stringify(rewrites, null, 2), 4)}, afterFiles: [], fallback: [] }
  },
}
`;
}

function proxyDispatcher(proxies: { prefix: string; file: string }[]): string {
  const imports = proxies.map((p, i) => `import * as scenario${i} from './${p.file}'`);
  const table = proxies.map((p, i) => `  [${JSON.stringify(p.prefix)}, scenario${i}],`);
  return `// Generated by CORS Lab: Next.js runs one proxy (formerly middleware) per app,
// so this one hands each request to its scenario's function by path prefix.
import { NextResponse } from 'next/server'
${imports.join('\n')}

const scenarios = [
${table.join('\n')}
]

export function proxy(request, event) {
  const path = request.nextUrl.pathname
  for (const [prefix, module] of scenarios) {
    if (path !== prefix && !path.startsWith(prefix + '/')) continue
    const run = module.proxy ?? module.middleware ?? module.default
    return run(request, event)
  }
  return NextResponse.next()
}

export const config = {
  matcher: ${JSON.stringify(proxies.map((p) => `${p.prefix}/:path*`))},
}
`;
}

function indent(text: string, spaces: number): string {
  return text.replaceAll('\n', `\n${' '.repeat(spaces)}`);
}
