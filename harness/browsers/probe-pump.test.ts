import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProbePump, type ExecuteAsync } from './probe-pump.ts';

/**
 * The pump script runs here as WebDriver would run it in the page: as a
 * function body whose last argument is the callback. Node has fetch's
 * Response, so probes can be real Promises of Responses without a browser.
 */
const page = globalThis as { window?: unknown };
beforeEach(() => {
  page.window = {};
});
afterEach(() => {
  delete page.window;
});

const inNode: ExecuteAsync = (script, args) =>
  new Promise((resolve) => {
    // A WebDriver round trip is never free; a few ms lets probes pile up as they do for real.
    setTimeout(() => (new Function(script) as (...a: unknown[]) => void)(...args, resolve), 2);
  });

const respondAfter = (ms: number, body: string) => `new Promise((r) => setTimeout(() => r(new Response(${JSON.stringify(body)})), ${ms}))`;

describe('ProbePump', () => {
  it('carries probes that arrive together in few commands, each answered with its own outcome', async () => {
    const pump = new ProbePump(inNode);
    const outcomes = await Promise.all(Array.from({ length: 16 }, (_, i) => pump.run(respondAfter(5, `body ${i}`), 5_000)));
    expect(outcomes.map((o) => (o.kind === 'response' ? o.body : o.kind))).toEqual(Array.from({ length: 16 }, (_, i) => `body ${i}`));
    expect(pump.stats.probes).toBe(16);
    expect(pump.stats.commands).toBeLessThanOrEqual(2);
  });

  it('does not hold a fast probe back behind a slow one', async () => {
    const pump = new ProbePump(inNode, 50);
    const started = Date.now();
    const slow = pump.run(respondAfter(600, 'slow'), 5_000);
    await new Promise((r) => setTimeout(r, 20));
    const fast = await pump.run(respondAfter(1, 'fast'), 5_000);
    expect(fast).toMatchObject({ kind: 'response', body: 'fast' });
    expect(Date.now() - started).toBeLessThan(400);
    expect(await slow).toMatchObject({ kind: 'response', body: 'slow' });
  });

  it('keeps a rejection as the page saw it', async () => {
    const pump = new ProbePump(inNode);
    expect(await pump.run(`Promise.reject(new TypeError('Load failed'))`, 5_000)).toEqual({ kind: 'error', name: 'TypeError', message: 'Load failed', atOnce: true });
  });

  it('fails a probe the page lost (the page reloaded) instead of waiting for it forever', async () => {
    let calls = 0;
    const reloadingPage: ExecuteAsync = (script, args) => {
      if (calls++ > 0) page.window = {};
      return inNode(script, args);
    };
    const pump = new ProbePump(reloadingPage, 20);
    await expect(pump.run(respondAfter(500, 'never seen'), 5_000)).rejects.toThrow(/lost the probe/);
  });

  it('fails the probes of a command that failed, and every probe after close()', async () => {
    const pump = new ProbePump(() => Promise.reject(new Error('session deleted')));
    await expect(pump.run(respondAfter(1, 'x'), 5_000)).rejects.toThrow('session deleted');
    pump.close('the page is closed');
    await expect(pump.run(respondAfter(1, 'x'), 5_000)).rejects.toThrow('the page is closed');
  });
});
