import { describe, expect, it } from 'vitest';
import { ORIGIN_TOKENS, detokenizeOrigins, generateApp, mergeHeaders, tokenizeOrigins } from './app.ts';
import { blameScenarios, cacheKey } from './build.ts';
import { DEFAULT_ROUTE, PART_MARKERS, renderNext, splitParts, withHelpers } from './render.ts';
import { resolveResponse, type ScenarioMount } from '../app-stack.ts';
import type { NextSetup } from './setup.ts';

const origins = { app: 'http://app.example.localhost:4100', evil: 'http://evil.localhost:4100', apiOrigin: 'http://api.example.localhost:4200' };
const versions = { next: '16.4.6', react: '19.3.1' };

function mount(id: string, setup: { policy?: Parameters<typeof renderNext>[0]['policy']; next?: NextSetup }, o = origins): ScenarioMount {
  const code = renderNext({ ...(setup.policy ? { policy: setup.policy } : {}), ...(setup.next ? { raw: setup.next } : {}) });
  return { scenarioId: id, prefix: `/s/${id.replaceAll('/', '.')}`, code: code.replaceAll('{app}', o.app), response: resolveResponse(undefined) };
}

describe('rendering a setup in Next.js idiom', () => {
  it('renders a policy as a route handler that exports OPTIONS', () => {
    const code = renderNext({ policy: { origin: ['http://a.example', 'http://b.example'], methods: ['GET', 'PUT'], credentials: true, maxAge: 60 } });
    expect(code.startsWith(PART_MARKERS.route)).toBe(true);
    expect(code).toContain("const allowedOrigins = ['http://a.example', 'http://b.example']");
    expect(code).toContain("headers.append('Vary', 'Origin')");
    expect(code).toContain('export async function OPTIONS(request)');
    expect(code).toContain("headers.set('Access-Control-Allow-Methods', 'GET, PUT')");
    expect(code).toContain("headers.set('Access-Control-Allow-Credentials', 'true')");
    expect(code).toContain("headers.set('Access-Control-Max-Age', '60')");
    expect(code).toMatch(/export \{ withCorsHandler as GET, .*withCorsHandler as DELETE \}/);
    expect(code).not.toMatch(/OPTIONS \}/);
  });

  it('leaves out OPTIONS and CORS when there is no policy', () => {
    expect(renderNext({})).toBe(`${PART_MARKERS.route}\n${DEFAULT_ROUTE}`);
    expect(DEFAULT_ROUTE).not.toContain('OPTIONS');
  });

  it('imports only the helpers a snippet uses and does not declare itself', () => {
    // The article's pages API route declares its own `handler`.
    const pages = withHelpers("export default function handler(req, res) {\n  await markHandled(req)\n}");
    expect(pages.split('\n')[0]).toBe("import { markHandled } from '@/corslab/lab.js'");
    expect(withHelpers('export const GET = handler')).toBe("import { handler } from '@/corslab/lab.js'\nexport const GET = handler");
    expect(withHelpers("import { origins } from '@/corslab/lab.js'\nconst o = origins.app")).not.toMatch(/^import \{ origins \}.*\nimport/);
    expect(withHelpers('const allowedOrigins = []')).toBe('const allowedOrigins = []');
    // Another import, and the word "from" later on, do not count as importing a helper.
    const proxy = "import { NextResponse } from 'next/server'\n// the origin from the request\nexport async function proxy(request) { await markHandled(request) }";
    expect(withHelpers(proxy).split('\n')[0]).toBe("import { markHandled } from '@/corslab/lab.js'");
  });

  it('reads the code, not its comments and strings: a helper named only there is neither imported nor taken as declared', () => {
    expect(withHelpers("// the handler answers\nexport async function GET() { return new Response('origins') }")).toBe("// the handler answers\nexport async function GET() { return new Response('origins') }");
    expect(withHelpers('// const origins = {}\nexport const GET = () => Response.json(origins)').split('\n')[0]).toBe("import { origins } from '@/corslab/lab.js'");
  });

  it('splits the rendered text back into the files it shows', () => {
    const next: NextSetup = {
      route: 'export async function GET(request) {\n  return handler(request)\n}',
      headers: [{ source: '/api/:path*', headers: [{ key: 'Access-Control-Allow-Origin', value: '*' }] }],
      middleware: "export function proxy() {}",
      pagesApi: 'export default function api(req, res) { res.end() }',
    };
    const parts = splitParts(renderNext({ raw: next }));
    expect(parts.route).toBe("import { handler } from '@/corslab/lab.js'\nexport async function GET(request) {\n  return handler(request)\n}\n");
    expect(JSON.parse(parts.headers!)).toEqual(next.headers);
    expect(parts.middleware).toBe('export function proxy() {}\n');
    expect(parts.pagesApi).toBe('export default function api(req, res) { res.end() }\n');
  });

  it('takes code without markers as the route module', () => {
    expect(splitParts("throw new Error('boom')")).toEqual({ route: "throw new Error('boom')\n" });
  });
});

describe('the generated app', () => {
  const headersSetup: NextSetup = { headers: [{ source: '/api/:path*', headers: [{ key: 'Access-Control-Allow-Origin', value: '{app}' }] }, { source: '/', headers: [{ key: 'X-Root', value: '1' }] }] };

  it('merges every scenario\'s headers() into one next.config, each source under its scenario\'s path', () => {
    expect(mergeHeaders([{ prefix: '/s/a', rules: headersSetup.headers! }, { prefix: '/s/b', rules: [{ source: '/:path*', headers: [{ key: 'K', value: 'v' }] }] }])).toEqual([
      { source: '/s/a/api/:path*', headers: [{ key: 'Access-Control-Allow-Origin', value: '{app}' }] },
      { source: '/s/a', headers: [{ key: 'X-Root', value: '1' }] },
      { source: '/s/b/:path*', headers: [{ key: 'K', value: 'v' }] },
    ]);
    const { app, errors } = generateApp([mount('frameworks/h', { next: headersSetup }), mount('other', {})], origins);
    expect(errors.size).toBe(0);
    const config = app.files.get('next.config.mjs')!;
    expect(config).toContain('"source": "/s/frameworks.h/api/:path*"');
    expect(config).toContain(`"value": "${ORIGIN_TOKENS.app}"`);
    expect(app.files.get('app/s/frameworks.h/[[...path]]/route.js')).toContain('handler as GET');
    expect(app.files.get('app/s/other/[[...path]]/route.js')).toBeDefined();
  });

  it('routes a pages API route to the scenario\'s /api paths and dispatches the one proxy by path prefix', () => {
    const { app } = generateApp([mount('p', { next: { pagesApi: 'export default function h(req, res) { res.end() }', middleware: 'export function proxy() {}' } })], origins);
    expect(app.files.get('pages/api/s/p/[[...path]].js')).toContain('export default function h');
    expect(app.files.get('next.config.mjs')).toContain('"source": "/s/p/api/:path*",\n        "destination": "/api/s/p/:path*"');
    expect(app.files.get('corslab/s/p/proxy.js')).toBe('export function proxy() {}\n');
    const proxy = app.files.get('proxy.js')!;
    expect(proxy).toContain("import * as scenario0 from './corslab/s/p/proxy.js'");
    expect(proxy).toContain('matcher: ["/s/p/:path*"]');
  });

  it('writes no port into the sources, so runs on other ports build the same app', () => {
    const other = { app: 'http://app.example.localhost:5100', evil: 'http://evil.localhost:5100', apiOrigin: 'http://api.example.localhost:5200' };
    const policy = { origin: '{app}', exposedHeaders: ['X-Total-Count'] };
    const first = generateApp([mount('a', { policy: { ...policy, origin: origins.app }, next: headersSetup })], origins).app;
    const second = generateApp([mount('a', { policy: { ...policy, origin: other.app }, next: headersSetup }, other)], other).app;
    expect([...first.files]).toEqual([...second.files]);
    for (const content of first.files.values()) expect(content).not.toMatch(/localhost:\d/);
  });

  it('is the same app for the same scenarios in another order', () => {
    const a = mount('a', {});
    const b = mount('b', { next: headersSetup });
    expect([...generateApp([a, b], origins).app.files]).toEqual([...generateApp([b, a], origins).app.files]);
  });

  it('sets aside a scenario Next could not route or whose headers are not a list of entries', () => {
    const bad = { ...mount('x', {}), scenarioId: '_hidden', prefix: '/s/_hidden' };
    const broken = { ...mount('y', {}), code: `${PART_MARKERS.headers}\n{ "source": "/" }` };
    const { app, errors } = generateApp([bad, broken, mount('ok', {})], origins);
    expect(errors.get('_hidden')).toMatch(/cannot serve it at \/s\/_hidden/);
    expect(errors.get('y')).toMatch(/headers\(\) entries are not valid/);
    expect([...app.scenarios.values()]).toEqual(['ok']);
  });
});

describe('origins in the build', () => {
  it('become tokens in the sources and the run\'s origins again in a running copy', () => {
    const text = `'${origins.app}' "${origins.apiOrigin}/s/a" ${origins.evil}`;
    const tokens = tokenizeOrigins(text, origins);
    expect(tokens).toBe(`'${ORIGIN_TOKENS.app}' "${ORIGIN_TOKENS.apiOrigin}/s/a" ${ORIGIN_TOKENS.evil}`);
    expect(detokenizeOrigins(tokens, origins)).toBe(text);
  });

  it('leave an origin on another port alone', () => {
    expect(tokenizeOrigins(`${origins.app}1`, origins)).toBe(`${origins.app}1`);
  });
});

describe('the build cache key', () => {
  const files = new Map([
    ['a.js', 'one'],
    ['b.js', 'two'],
  ]);

  it('depends on every file and on the versions of Next and React, not on the order of the files', () => {
    const key = cacheKey(files, versions);
    expect(key).toMatch(/^[0-9a-f]{24}$/);
    expect(cacheKey(new Map([...files].reverse()), versions)).toBe(key);
    expect(cacheKey(new Map([...files, ['b.js', 'two ']]), versions)).not.toBe(key);
    expect(cacheKey(new Map([['a.js', 'one'], ['c.js', 'two']]), versions)).not.toBe(key);
    expect(cacheKey(files, { ...versions, next: '16.4.7' })).not.toBe(key);
    expect(cacheKey(files, { ...versions, react: '19.3.2' })).not.toBe(key);
  });

  it('does not confuse a file boundary with content', () => {
    expect(cacheKey(new Map([['a', 'bc']]), versions)).not.toBe(cacheKey(new Map([['ab', 'c']]), versions));
  });
});

describe('a failed build', () => {
  const { app } = generateApp([mount('frameworks/broken', {}), mount('frameworks/broken-too', {}), mount('frameworks/fine', {})], origins);

  it('is blamed on the scenario whose route does not parse, with what Next said', () => {
    const output = [
      '> Build error occurred',
      'Error: Turbopack build failed with 1 error:',
      './.cache/next/k.building-1-ab/app/s/frameworks.broken/[[...path]]/route.js:4:1',
      "Error: Expected ',', got '}'",
      '  3 |   return new Response("x"',
      '> 4 | }',
      '',
      'Parsing ecmascript source code failed',
    ].join('\n');
    const blamed = blameScenarios(output, app, '.cache/next/k.building-1-ab');
    expect([...blamed.keys()]).toEqual(['frameworks/broken']);
    expect(blamed.get('frameworks/broken')).toBe(
      "server.next.route did not build: app/s/frameworks.broken/[[...path]]/route.js:4:1\nError: Expected ',', got '}'\n  3 |   return new Response(\"x\"\n> 4 | }",
    );
  });

  it('is blamed on the scenario whose route throws when Next loads it', () => {
    const output = [
      'Error: Failed to collect configuration for /s/frameworks.broken-too/[[...path]]',
      '    at ignore-listed frames {',
      '  [cause]: Error: boom',
      '      at module evaluation (app/s/frameworks.broken-too/[[...path]]/route.js:1:7)',
      '}',
      '',
      '> Build error occurred',
    ].join('\n');
    const blamed = blameScenarios(output, app, '.cache/next/k.building-1-ab');
    expect([...blamed.keys()]).toEqual(['frameworks/broken-too']);
    expect(blamed.get('frameworks/broken-too')).toMatch(/^server\.next\.route did not build \(app\/s\/frameworks\.broken-too\/\[\[\.\.\.path\]\]\/route\.js\): Error: Failed to collect configuration for \/s\/frameworks\.broken-too\/\[\[\.\.\.path\]\]\n {2}\[cause\]: Error: boom\n/);
  });

  it('is blamed on no one when Next names no scenario', () => {
    expect(blameScenarios('Error: out of memory', app, '.cache/next/k').size).toBe(0);
  });
});
