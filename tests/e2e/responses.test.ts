import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { runLab } from '../../harness/run/run.ts';
import { defaults } from '../../harness/config/defaults.ts';
import { cell, headerValues } from './helpers.ts';
import type { RunResults } from '../../harness/results/types.ts';

const REDIRECTS = `title: A redirect the lab's handler sends is followed, and both hops belong to the cell
lesson: >
  A 302 with Access-Control-Allow-Origin passes the CORS check, so the browser
  follows its Location and JavaScript reads the second answer. The handler
  appends the request's query to the Location, so the second hop carries the
  cell's token too.
sources:
  - https://fetch.spec.whatwg.org/#http-redirect-fetch
server:
  policy: { origin: "*" }
  responses:
    /old: { status: 302, headers: { Location: "{api}/new" } }
    /rel: { status: 302, headers: { Location: "new" } }
    /new: { body: "moved" }
probes:
  - fetch: { url: "{api}/old" }
    expect: { result: allowed, bodyContains: moved }
  - fetch: { url: "{api}/rel" }
    expect: { result: allowed, bodyContains: moved }
  - fetch: { url: "{api}/other" }
    expect: { result: allowed, bodyContains: '"ok":true' }
`;

// Next's pages router serves /s/<id>/api/* through a rewrite to /api/s/<id>/*: the handler must still see the path the browser asked for.
const PAGES = `title: A pages API route's redirect is followed, and both hops belong to the cell
lesson: The lab's handler answers by path in the pages router too, and carries the cell's token on to the next hop.
server:
  next:
    pagesApi: export default handler
  responses:
    /api/old: { status: 302, headers: { Location: "{api}/api/new", Access-Control-Allow-Origin: "*" } }
    /api/new: { body: moved, headers: { Access-Control-Allow-Origin: "*" } }
probes:
  - fetch: { url: "{api}/api/old" }
    expect: { result: allowed, bodyContains: moved }
`;

const STACKS = ['express-cors', 'express-manual', 'fastify-cors', 'next'] as const;

/** The cell's token, from the query of its first request. */
function tokenOf(target: string): string {
  return new URLSearchParams(target.split('?')[1] ?? '').get(defaults.cellParam) ?? '';
}

describe('server.responses: a redirect by path, end to end in Chromium', () => {
  let dir: string;
  let results: RunResults;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-responses-'));
    await mkdir(path.join(dir, 'redirects'));
    await writeFile(path.join(dir, 'redirects', 'follow.yaml'), REDIRECTS);
    await writeFile(path.join(dir, 'redirects', 'pages.yaml'), PAGES);
    const scenarios = await loadScenarios([dir], dir);
    results = await runLab({ scenarios, engines: ['chromium'], stacks: [...STACKS], reporters: [], requireEngines: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes every cell, on every Node stack and Next.js', () => {
    expect(results.cells.map((c) => `${c.id}: ${c.verdict}${c.error ? ` ${c.error}` : ''}`)).toEqual(results.cells.map((c) => `${c.id}: pass`));
    expect(results.cells).toHaveLength(STACKS.length * 3 + 1);
  });

  it.each(STACKS)('on %s, records both hops of an absolute redirect under the cell, the Location as the handler sent it', (stack) => {
    const { exchanges } = cell(results, 'redirects/follow', 0, stack).observed!;
    expect(exchanges).toHaveLength(2);
    const [first, second] = exchanges as [(typeof exchanges)[0], (typeof exchanges)[0]];
    const token = tokenOf(first.request.target);
    expect(token).not.toBe('');
    expect(first.response!.status).toBe(302);
    const { apiOrigin } = apiOriginOf(first);
    expect(headerValues(first.response!.headers, 'Location')).toEqual([`${apiOrigin}/s/redirects.follow/new?${defaults.cellParam}=${token}`]);
    expect(second.request.target).toBe(`/s/redirects.follow/new?${defaults.cellParam}=${token}`);
    expect(second.request.target.split('?')[0]).toMatch(/\/new$/);
    expect(second.response!.body).toBe('moved');
    expect(exchanges.every((e) => e.reachedHandler)).toBe(true);
  });

  it.each(STACKS)('on %s, gives a relative Location the query too', (stack) => {
    const { exchanges } = cell(results, 'redirects/follow', 1, stack).observed!;
    expect(exchanges.map((e) => e.request.target.split('?')[0])).toEqual(['/s/redirects.follow/rel', '/s/redirects.follow/new']);
    const token = tokenOf(exchanges[0]!.request.target);
    expect(headerValues(exchanges[0]!.response!.headers, 'Location')).toEqual([`new?${defaults.cellParam}=${token}`]);
  });

  it.each(STACKS)('on %s, answers any other path with server.response', (stack) => {
    const { exchanges } = cell(results, 'redirects/follow', 2, stack).observed!;
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.response!.body).toBe('{"ok":true}');
  });

  it("answers by path in Next's pages router, whose route Next reaches through a rewrite", () => {
    const { exchanges } = cell(results, 'redirects/pages', 0, 'next').observed!;
    const token = tokenOf(exchanges[0]!.request.target);
    expect(exchanges.map((e) => e.request.target)).toEqual([`/s/redirects.pages/api/old?${defaults.cellParam}=${token}`, `/s/redirects.pages/api/new?${defaults.cellParam}=${token}`]);
    expect(headerValues(exchanges[0]!.response!.headers, 'Location')).toEqual([`${apiOriginOf(exchanges[0]!).apiOrigin}/s/redirects.pages/api/new?${defaults.cellParam}=${token}`]);
  });
});

/** The API origin a request was sent to, from its Host header. */
function apiOriginOf(exchange: { request: { headers: [string, string][] } }): { apiOrigin: string } {
  return { apiOrigin: `http://${headerValues(exchange.request.headers, 'Host')[0]}` };
}
