import { describe, expect, it } from 'vitest';
import { dependsOnOrigin, securityFindings } from './security.ts';
import type { CellResult, Exchange, RawHeader } from '../results/types.ts';
import type { FindingId } from '../model/index.ts';

const APP = 'http://app.example.localhost:1';
const EVIL = 'http://evil.localhost:1';

/** A cell whose one exchange carried `origin` to `path` and was answered with these headers. */
function cell(id: string, origin: string, headers: RawHeader[], path = '/x'): CellResult {
  const exchange: Exchange = {
    seq: 1,
    at: 0,
    kind: 'actual',
    request: { method: 'GET', target: `${path}?corslab_cell=${id}`, httpVersion: '1.1', headers: [['Origin', origin]] },
    response: { httpVersion: '1.1', status: 200, statusText: 'OK', headers, complete: true },
    reachedHandler: true,
  };
  return { id, scenario: 's', stack: 'express-cors', engine: 'chromium', from: 'app', request: { url: path }, observed: { exchanges: [exchange] } } as unknown as CellResult;
}
const acao = (value: string, ...more: RawHeader[]): RawHeader[] => [['Access-Control-Allow-Origin', value], ...more];
const ids = (cells: CellResult[], code?: string) => securityFindings(cells, APP, new Map(code === undefined ? [] : [['s', { 'express-cors': code }]])).map((f) => f.id);

/**
 * Every kind of finding, each with a case that is one and a near miss that must not be
 * flagged: from what a server answered (https://fetch.spec.whatwg.org/#cors-protocol-and-credentials)
 * or from the origin check in its code (https://fetch.spec.whatwg.org/#http-access-control-allow-origin).
 */
const KINDS: { id: FindingId; flagged: () => string[]; nearMiss: () => string[]; nearMissIs: string }[] = [
  {
    id: 'foreign-origin-reflected-with-credentials',
    flagged: () => ids([cell('a', EVIL, acao(EVIL, ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']))]),
    nearMiss: () => ids([cell('a', APP, acao(APP, ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']))]),
    nearMissIs: "the trusted page's own origin echoed with credentials",
  },
  {
    id: 'foreign-origin-reflected',
    flagged: () => ids([cell('a', EVIL, acao(EVIL, ['Vary', 'Origin']))]),
    nearMiss: () => ids([cell('a', EVIL, acao(APP, ['Vary', 'Origin']))]),
    nearMissIs: "a foreign origin answered with the trusted origin (it is refused)",
  },
  {
    id: 'null-origin-allowed-with-credentials',
    flagged: () => ids([cell('a', 'null', acao('null', ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']))]),
    nearMiss: () => ids([cell('a', 'null', acao(APP, ['Access-Control-Allow-Credentials', 'true'], ['Vary', 'Origin']))]),
    nearMissIs: 'a sandboxed request answered with the trusted origin',
  },
  {
    id: 'null-origin-allowed',
    flagged: () => ids([cell('a', 'null', acao('null', ['Vary', 'Origin']))]),
    nearMiss: () => ids([cell('a', 'null', acao('*'))]),
    nearMissIs: 'a sandboxed request answered with `*`, which shares public data and nothing more',
  },
  {
    id: 'wildcard-with-credentials',
    flagged: () => ids([cell('a', EVIL, acao('*', ['Access-Control-Allow-Credentials', 'true']))]),
    nearMiss: () => ids([cell('a', EVIL, acao('*', ['Access-Control-Allow-Credentials', 'True']))]),
    nearMissIs: '`*` with Access-Control-Allow-Credentials `True`, which is not `true`',
  },
  {
    id: 'reflected-origin-without-vary',
    flagged: () => ids([cell('a', APP, acao(APP)), cell('b', EVIL, acao(EVIL))]),
    nearMiss: () => ids([cell('a', APP, acao(APP), '/exact'), cell('b', APP, acao('https://app.example.localhost:1'), '/https')]),
    nearMissIs: 'an allowed origin that differs by path, for one and the same request origin',
  },
  {
    id: 'origin-regex-unanchored-end',
    flagged: () => ids([], "app.use(cors({ origin: /^http:\\/\\/app\\.example\\.localhost/ }))"),
    nearMiss: () => ids([], "const host = origins.app.replace(/^http:\\/\\//, '')\napp.use(cors({ origin: host }))"),
    nearMissIs: 'a regular expression that rewrites a string, applied to no Origin',
  },
  {
    id: 'origin-regex-unanchored-start',
    flagged: () => ids([], "app.use((req, res, next) => { if (/app\\.example\\.localhost:1$/.test(req.headers.origin)) res.setHeader('Access-Control-Allow-Origin', req.headers.origin); next() })"),
    nearMiss: () => ids([], "app.use((req, res, next) => { if (/app\\.example\\.localhost:1$/.test(req.hostname)) res.setHeader('X-Host', 'ok'); next() })"),
    nearMissIs: 'the same pattern tested against the Host, not the Origin',
  },
  {
    id: 'origin-regex-unescaped-dot',
    flagged: () => ids([], "app.use(cors({ origin: [/^http:\\/\\/app.example\\.localhost:1$/] }))"),
    nearMiss: () => ids([], "// origin: [/^http:\\/\\/app.example\\.localhost:1$/]\napp.use(cors({ origin: 'http://app.example.localhost:1' }))"),
    nearMissIs: 'the same pattern in a comment',
  },
  {
    id: 'origin-regex-invalid',
    flagged: () => ids([], "app.use(cors({ origin: new RegExp('^(http://app') }))"),
    nearMiss: () => ids([], "const message = \"origin: new RegExp('^(http://app')\"\napp.use(cors({ origin: 'http://app.example.localhost:1' }))"),
    nearMissIs: 'the same text in a string',
  },
];

describe('each kind of security finding, and a near miss that is not one', () => {
  for (const kind of KINDS) {
    it(`${kind.id} is found, and not for ${kind.nearMissIs}`, () => {
      expect(kind.flagged()).toContain(kind.id);
      expect(kind.nearMiss()).not.toContain(kind.id);
    });
  }
  it('covers every kind the model can report', () => {
    const all: FindingId[] = [
      'foreign-origin-reflected-with-credentials', 'foreign-origin-reflected', 'null-origin-allowed-with-credentials', 'null-origin-allowed', 'wildcard-with-credentials',
      'reflected-origin-without-vary', 'origin-regex-unanchored-end', 'origin-regex-unanchored-start', 'origin-regex-unescaped-dot', 'origin-regex-invalid',
    ];
    expect(KINDS.map((k) => k.id).sort()).toEqual([...all].sort());
  });
});

describe('a reflected origin without Vary (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches)', () => {
  it('is a finding only when the answers really carried more than one origin', () => {
    expect(ids([cell('a', APP, acao(APP)), cell('b', EVIL, acao(APP))])).toEqual([]);
    expect(ids([cell('a', APP, acao(APP)), cell('b', EVIL, acao(EVIL))])).toContain('reflected-origin-without-vary');
  });

  it('compares the values as the browser does, so padding on the wire is not a second value', () => {
    expect(ids([cell('a', APP, acao(APP)), cell('b', APP, acao(` ${APP}\t`))])).toEqual([]);
  });

  it('is a finding when an allow-list lets one origin in and not another: the answer depends on the Origin', () => {
    expect(ids([cell('a', APP, acao(APP)), cell('b', EVIL, [])])).toContain('reflected-origin-without-vary');
  });

  it('with only the trusted page on the wire, is a finding when the code chooses the value by the request\'s Origin', () => {
    const listed = "const allowed = ['http://app.example.localhost:1']\napp.use((req, res, next) => { const origin = req.headers.origin\n if (allowed.includes(origin)) res.setHeader('Access-Control-Allow-Origin', origin)\n next() })";
    expect(ids([cell('a', APP, acao(APP))], listed)).toContain('reflected-origin-without-vary');
  });

  it('is not a finding when the value is chosen by path, whatever the code calls its variables', () => {
    const byPath = "const valueFor = (path) => path.includes('/https/') ? origins.app.replace('http://', 'https://') : origins.app\napp.use((req, res, next) => { res.setHeader('Access-Control-Allow-Origin', valueFor(req.path)); next() })";
    expect(ids([cell('a', APP, acao(APP), '/exact'), cell('b', APP, acao('https://app.example.localhost:1'), '/https')], byPath)).toEqual([]);
  });

  it('is not a finding when two origins sent to one path got the same value, even if the code reads the Origin', () => {
    expect(dependsOnOrigin([cell('a', APP, acao(APP)), cell('b', EVIL, acao(APP))], 's', 'express-cors', 'log(req.headers.origin)')).toBe(false);
  });

  it('compares a request that came through the lab gateway in absolute form with one to the same path in origin form', () => {
    expect(dependsOnOrigin([cell('a', APP, acao(APP)), cell('b', EVIL, acao(EVIL), 'http://api.example.com/x')], 's', 'express-cors', undefined)).toBe(true);
  });
});
