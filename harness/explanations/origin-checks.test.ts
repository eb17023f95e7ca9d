import { describe, expect, it } from 'vitest';
import { originPatterns, readsRequestOrigin } from './origin-checks.ts';

const sources = (code: string) => originPatterns(code).map((p) => p.source);

describe('a regular expression is an origin check only where it is applied to the request\'s Origin (https://fetch.spec.whatwg.org/#http-access-control-allow-origin)', () => {
  it('given as the `origin` option of cors or @fastify/cors, alone or in a list', () => {
    expect(originPatterns("app.use(cors({ origin: /app\\.example\\.com$/, credentials: true }))")).toEqual([{ source: 'app\\.example\\.com$', flags: '', how: 'given as the `origin` option' }]);
    expect(sources("await app.register(cors, { origin: [/^https:\\/\\/a\\.example\\.com$/, 'https://b.example.com'] })")).toEqual(['^https:\\/\\/a\\.example\\.com$']);
  });

  it('tested against the Origin with .test() or .exec(), in a hand-written check or an origin callback', () => {
    expect(sources('const isAllowed = (origin) => /app\\.example\\.localhost/.test(origin)')).toEqual(['app\\.example\\.localhost']);
    expect(sources('if (/example\\.com$/i.exec(req.headers.origin)) next()')).toEqual(['example\\.com$']);
    expect(originPatterns("app.use(cors({ origin: (o, cb) => cb(null, /example\\.com$/.test(o)) }))")[0]?.how).toBe("tested against the request's Origin with `.test()`");
  });

  it('matched with origin.match(...), on the header or on a name that holds it', () => {
    expect(sources('if (req.headers.origin.match(/^https:\\/\\/app/)) next()')).toEqual(['^https:\\/\\/app']);
    expect(sources("const o = request.headers.get('origin')\nif (o && o.match(/example\\.com/)) allow()")).toEqual(['example\\.com']);
    expect(sources("if ((origin || '').search(/example/) >= 0) allow()")).toEqual(['example']);
  });

  it('bound to a name first, or built with new RegExp from a constant', () => {
    expect(sources('const allowed = /example\\.com$/\napp.use(cors({ origin: allowed }))')).toEqual(['example\\.com$']);
    expect(originPatterns("const allowed = new RegExp('^https://app\\\\.example\\\\.com', 'i')\nfunction ok(origin) { return allowed.test(origin) }")).toEqual([
      { source: '^https://app\\.example\\.com', flags: 'i', how: "tested against the request's Origin with `.test()`" },
    ]);
    expect(sources('const allowed = [/a\\.example\\.com$/, /b\\.example\\.com$/]\nconst ok = (origin) => allowed.some((re) => re.test(origin))')).toEqual(['a\\.example\\.com$', 'b\\.example\\.com$']);
  });

  it('is not a regular expression that rewrites a string, even the page\'s own origin or the Origin header', () => {
    expect(originPatterns("const host = origins.app.replace(/^http:\\/\\//, '')")).toEqual([]);
    expect(originPatterns("const bare = req.headers.origin.replace(/^https?:\\/\\//, '')")).toEqual([]);
  });

  it('is not one tested against something else, or never used', () => {
    expect(originPatterns('if (/^\\/api\\//.test(req.path)) next()')).toEqual([]);
    expect(originPatterns("const re = /example\\.com/\napp.use(cors({ origin: 'http://x' }))")).toEqual([]);
  });

  it('is not one in a comment or a string', () => {
    expect(originPatterns("// origin: /example\\.com/\napp.use(cors({ origin: 'http://x' }))")).toEqual([]);
    expect(originPatterns("const doc = 'origin: /example\\\\.com/.test(origin)'")).toEqual([]);
    expect(originPatterns('const doc = `origin: /example\\.com/`')).toEqual([]);
  });
});

describe('whether the answer can depend on the request\'s Origin (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches)', () => {
  it('does when the code reads the header, in Node, Next.js, nginx or Apache', () => {
    expect(readsRequestOrigin("res.setHeader('Access-Control-Allow-Origin', req.headers.origin)")).toBe(true);
    expect(readsRequestOrigin("const origin = request.headers.get('origin') ?? ''")).toBe(true);
    expect(readsRequestOrigin('add_header Access-Control-Allow-Origin $http_origin always;')).toBe(true);
    expect(readsRequestOrigin('SetEnvIf Origin "^http://app\\.example\\.localhost:[0-9]+$" CORS_ORIGIN=$0')).toBe(true);
    expect(readsRequestOrigin('Header set Access-Control-Allow-Origin "expr=%{req:Origin}"')).toBe(true);
  });

  it('does when the CORS library checks an origin option per request: a list, a pattern, true or a function', () => {
    expect(readsRequestOrigin("app.use(cors({ origin: ['http://a', 'http://b'] }))")).toBe(true);
    expect(readsRequestOrigin('app.use(cors({ origin: true, credentials: true }))')).toBe(true);
    expect(readsRequestOrigin('app.use(cors({ origin: (origin, cb) => cb(null, true) }))')).toBe(true);
    expect(readsRequestOrigin("const allowed = ['http://a']\napp.use(cors({ origin: allowed }))")).toBe(true);
  });

  it('does not for a fixed origin, one chosen by path, or a mention in a comment', () => {
    expect(readsRequestOrigin("app.use(cors({ origin: 'http://app.example.localhost:1' }))")).toBe(false);
    expect(readsRequestOrigin('app.use(cors({ origin: origins.app }))')).toBe(false);
    expect(readsRequestOrigin('app.use(cors((req, cb) => cb(null, { origin: valueFor(req.path) })))')).toBe(false);
    expect(readsRequestOrigin("// echoes req.headers.origin\napp.use(cors({ origin: 'http://x' }))")).toBe(false);
  });
});
