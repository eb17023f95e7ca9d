import { beforeAll, describe, expect, it } from 'vitest';
const NODE_STACKS = ['express-cors', 'express-manual', 'fastify-cors'] as const;
import { cell, headerValues, runFixtures } from './helpers.ts';
import type { RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

// Real Chromium against real Express and Fastify servers, through the recorder.
describe('the spine, end to end in Chromium', () => {
  let results: RunResults;
  beforeAll(async () => {
    // The spine is the Node stacks; Next has its own end-to-end test.
    results = await runFixtures('spine', { probeTimeoutMs: 2_000, stacks: ['express-cors', 'express-manual', 'fastify-cors'] });
  });

  it('records the engine and the stacks with their versions', () => {
    expect(results.environment.engines).toEqual([expect.objectContaining({ name: 'chromium', version: expect.stringMatching(/^\d+\./) })]);
    expect(results.environment.stacks.map((s) => s.name).sort()).toEqual([...NODE_STACKS].sort());
    for (const stack of results.environment.stacks) {
      for (const version of Object.values(stack.packages)) expect(version).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  it.each(NODE_STACKS)('%s: a preflighted PUT shows the preflight and the actual request as they crossed the wire', (stack) => {
    const put = cell(results, 'evidence', 0, stack);
    expect(put.verdict).toBe('pass');
    const preflight = exchangeAt(put.observed, 'preflight')!;
    expect(preflight.request.method).toBe('OPTIONS');
    expect(headerValues(preflight.request.headers, 'Access-Control-Request-Method')).toEqual(['PUT']);
    expect(headerValues(preflight.request.headers, 'Access-Control-Request-Headers')).toEqual(['content-type']);
    expect(headerValues(preflight.request.headers, 'Origin')).toEqual([results.environment.origins.app]);
    expect(preflight.reachedHandler).toBe(false);
    expect(headerValues(preflight.response!.headers, 'Access-Control-Allow-Origin')).toEqual([results.environment.origins.app]);
    const actual = exchangeAt(put.observed, 'actual')!;
    expect(actual.request.method).toBe('PUT');
    expect(actual.request.body).toBe('{"a":1}');
    expect(actual.reachedHandler).toBe(true);
    expect(preflight.seq).toBeLessThan(actual.seq);
    // What JavaScript could read: the exposed header, not the other one.
    expect(put.observed!.js).toMatchObject({ kind: 'response', status: 200, body: '{"items":3}' });
    const readable = put.observed!.js.kind === 'response' ? put.observed!.js.headers.map(([n]) => n) : [];
    expect(readable).toContain('x-total-count');
    expect(readable).not.toContain('x-secret');
    expect(headerValues(actual.response!.headers, 'X-Secret')).toEqual(['hidden']);
  });

  it.each(NODE_STACKS)('%s: a blocked simple POST still ran its handler, and Chromium says why', (stack) => {
    const post = cell(results, 'evidence', 1, stack);
    expect(post.verdict).toBe('pass');
    expect(post.pageOrigin).toBe(results.environment.origins.evil);
    expect(post.observed).toMatchObject({ result: 'blocked', preflight: null, reachedHandler: true });
    expect(post.observed!.js).toMatchObject({ kind: 'error', name: 'TypeError' });
    expect(post.observed!.messages.some((m) => m.source === 'devtools' && m.corsError === 'AllowOriginMismatch')).toBe(true);
    expect(post.observed!.messages.some((m) => m.source === 'console' && m.text.includes('has been blocked by CORS policy'))).toBe(true);
  });

  it('keeps duplicated response headers as sent', () => {
    const duplicate = cell(results, 'duplicate-allow-origin', 0, 'express-manual');
    const { app } = results.environment.origins;
    expect(headerValues(exchangeAt(duplicate.observed, 'actual')!.response!.headers, 'Access-Control-Allow-Origin')).toEqual([app, app]);
    expect(duplicate.observed!.result).toBe('blocked');
    expect(duplicate.observed!.messages.map((m) => m.corsError)).toContain('MultipleAllowOriginValues');
  });

  it('calls setup code that throws an error, not blocked', () => {
    const broken = cell(results, 'harness-errors', 0, 'express-cors');
    expect(broken.verdict).toBe('error');
    expect(broken.error).toMatch(/setup threw: setup exploded/);
    expect(broken.observed?.result).toBeUndefined();
  });

  it('calls a request that never gets an answer an error, not blocked', () => {
    const slow = cell(results, 'harness-errors', 0, 'express-manual');
    expect(slow.verdict).toBe('error');
    expect(slow.error).toMatch(/no answer within 2000 ms/);
    expect(slow.observed!.result).toBeUndefined();
    // The request did reach the server: the wire shows it, without a response.
    expect(exchangeAt(slow.observed, 'actual')!.response).toBeUndefined();
  });

  it.each(NODE_STACKS)('%s: an expectation that does not hold fails with the difference', (stack) => {
    const wrong = cell(results, 'wrong-expectation', 0, stack);
    expect(wrong.verdict).toBe('fail');
    expect(wrong.differences).toEqual([{ field: 'result', expected: 'allowed', observed: 'blocked' }]);
  });

  it('explains every blocked or failing cell it could observe, from the wire exchange', () => {
    const observedNotAllowed = results.cells.filter((c) => c.verdict !== 'error' && (c.verdict === 'fail' || c.observed?.result === 'blocked'));
    expect(observedNotAllowed.length).toBeGreaterThan(5);
    // A request the browser refused is explained by the rule that refused it, before anything was sent.
    for (const c of observedNotAllowed) expect(c.explanation?.reason, c.id).toMatch(c.observed?.notSent ? /^(TypeError|blocked) before sending: / : /^blocked: /);
    const duplicate = cell(results, 'duplicate-allow-origin', 0, 'express-manual');
    expect(duplicate.explanation!.reason).toContain('Access-Control-Allow-Origin');
    expect(duplicate.explanation!.agreesWithModel).toBe(true);
  });

  it('gives the site\'s own blocked page a fix, and the attacker none', () => {
    const wrong = cell(results, 'wrong-expectation', 0, 'fastify-cors');
    expect(wrong.explanation!.fix!.perStack['fastify-cors']).toBe(`await app.register(cors, { origin: '${results.environment.origins.app}' })`);
    expect(cell(results, 'evidence', 1, 'express-cors').explanation!.fix).toBeUndefined();
  });

  it.each(NODE_STACKS)('%s: a no-cors PUT is blocked and not sent: fetch() was already rejected when it returned', (stack) => {
    const put = cell(results, 'not-sent', 0, stack);
    expect(put.verdict).toBe('pass');
    expect(put.observed).toMatchObject({ result: 'blocked', preflight: null, actual: null, exchanges: [], reachedHandler: false });
    expect(put.observed!.js).toMatchObject({ kind: 'error', name: 'TypeError', atOnce: true, message: expect.stringMatching(/'PUT' is unsupported in no-cors mode/) });
    expect(put.observed!.notSent).toMatchObject({ rejectedAtOnce: true, reason: expect.stringMatching(/^TypeError before sending: mode `no-cors`/) });
    expect(put.observed!.notSent!.control).toBeUndefined();
  });

  it('proves a refusal it cannot see at once with a control request that reached the API, kept apart from the cell', () => {
    const framed = cell(results, 'not-sent', 1, 'express-cors');
    expect(framed.verdict).toBe('pass');
    expect(framed.observed!.js).toMatchObject({ kind: 'error', atOnce: false });
    expect(framed.observed!.notSent).toMatchObject({ rejectedAtOnce: false, control: { reached: true, status: 200, url: expect.stringMatching(/corslab_cell=ctl/) } });
    expect(framed.observed!.exchanges).toEqual([]);
    expect(framed.observed!.reachedHandler).toBe(false);
  });

  it("keeps Chromium's own words for a same-origin-mode request with its evidence", () => {
    const sameOrigin = cell(results, 'not-sent', 2, 'express-cors');
    expect(sameOrigin.verdict).toBe('pass');
    expect(sameOrigin.observed!.messages.some((m) => m.text.includes('Request mode is "same-origin"'))).toBe(true);
    expect(sameOrigin.observed!.notSent!.evidence.some((line) => line.includes('Request mode is "same-origin"'))).toBe(true);
  });

  it.each(NODE_STACKS)('%s: judges what the preflight carried against the wire, Access-Control-Request-Headers as the browser wrote it', (stack) => {
    const put = cell(results, 'not-sent', 3, stack);
    expect(put.verdict).toBe('pass');
    expect(put.expected.sent).toMatchObject({ preflight: { origin: results.environment.origins.app } });
    expect(headerValues(exchangeAt(put.observed, 'preflight')!.request.headers, 'Access-Control-Request-Headers')).toEqual(['content-type,x-a,x-b']);
  });

  it('counts every verdict in the summary', () => {
    const count = (v: string) => results.cells.filter((c) => c.verdict === v).length;
    expect(results.summary).toEqual({ total: results.cells.length, pass: count('pass'), fail: count('fail'), error: count('error'), modelDisagreements: 0 });
    expect(results.summary.fail).toBe(NODE_STACKS.length);
    expect(results.summary.error).toBe(2);
  });
});
