import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cleanup } from './cleanup.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Cleanup', () => {
  it('stops in reverse order, once, and a step that never ends is given up on after its time limit (issue 17: a close that never resolved)', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const cleanup = new Cleanup();
    const order: string[] = [];
    cleanup.add('first', async () => void order.push('first'));
    cleanup.add('a browser that hangs', () => new Promise(() => {}), { timeoutMs: 50 });
    cleanup.add('last', async () => void order.push('last'));
    const started = Date.now();
    await Promise.all([cleanup.stopAll(), cleanup.stopAll()]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(order).toEqual(['last', 'first']);
    expect(cleanup.failures).toBe(1);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('could not stop a browser that hangs: it did not stop within 50 ms');
  });

  it('says when the process exits right after the stop (a signal)', async () => {
    const cleanup = new Cleanup();
    let seen: boolean | undefined;
    cleanup.add('the lifeline', async () => void (seen = cleanup.exiting));
    await cleanup.stopAll({ exiting: true });
    expect(seen).toBe(true);
  });

  it('waits for what is still starting, so that what it registers meanwhile is stopped too', async () => {
    const cleanup = new Cleanup();
    const order: string[] = [];
    cleanup.add('a server that was up', async () => void order.push('up'));
    // A container that comes up 50 ms after the stop began (Ctrl-C during the start).
    const starting = new Promise<void>((resolve) => setTimeout(() => {
      cleanup.add('a container still starting', async () => void order.push('late'));
      resolve();
    }, 50));
    cleanup.starting(starting);
    await cleanup.stopAll({ exiting: true });
    expect(order).toEqual(['late', 'up']);
  });
});
