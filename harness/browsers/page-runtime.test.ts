import { describe, expect, it } from 'vitest';
import { PROBE_RUNNER_SOURCE } from './page-runtime.ts';
import type { JsOutcome } from '../results/types.ts';

/** The runner as the page runs it; Node has Promise, Response and setTimeout, which is all it needs. */
const runner = (0, eval)(PROBE_RUNNER_SOURCE) as (code: string, timeoutMs: number, maxBodyChars: number) => Promise<JsOutcome>;
const run = (code: string) => runner(code, 2_000, 4096);

describe('the probe runner', () => {
  it('says a rejection was there at once when the promise the code returned was already rejected', async () => {
    expect(await run(`Promise.reject(new TypeError('refused'))`)).toEqual({ kind: 'error', name: 'TypeError', message: 'refused', atOnce: true });
  });

  it('says the same of code that throws before returning a promise', async () => {
    expect(await run(`(() => { throw new TypeError('bad header'); })()`)).toMatchObject({ kind: 'error', atOnce: true });
  });

  it('does not call a rejection that comes a task later "at once", as a network error would', async () => {
    expect(await run(`new Promise((_, reject) => setTimeout(() => reject(new TypeError('Failed to fetch')), 5))`)).toMatchObject({ kind: 'error', atOnce: false });
  });

  it('does not call a rejection one microtask later "at once" either', async () => {
    expect(await run(`Promise.resolve().then(() => { throw new TypeError('later'); })`)).toMatchObject({ kind: 'error', atOnce: false });
  });

  it('reads a response that was already there, and one that came later, alike', async () => {
    expect(await run(`Promise.resolve(new Response('now'))`)).toMatchObject({ kind: 'response', body: 'now' });
    expect(await run(`new Promise((r) => setTimeout(() => r(new Response('later')), 5))`)).toMatchObject({ kind: 'response', body: 'later' });
  });
});
