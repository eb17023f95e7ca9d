import { describe, expect, it } from 'vitest';
import { InFlightShares } from './in-flight.ts';
import { inPool } from './schedule.ts';

describe('InFlightShares', () => {
  it('splits the budget between the engines still running, and grows the share of those left', async () => {
    const shares = new InFlightShares(undefined, 48);
    const chromium = shares.join('chromium');
    const firefox = shares.join('firefox');
    const webkit = shares.join('webkit');
    expect([chromium.limit(), firefox.limit(), webkit.limit()]).toEqual([16, 16, 16]);
    const grown = firefox.changed();
    chromium.leave();
    await grown;
    expect(firefox.limit()).toBe(24);
    webkit.leave();
    webkit.leave();
    expect(firefox.limit()).toBe(48);
    expect(firefox.most()).toBe(48);
  });

  it('gives every engine the number a run fixed (-c), whoever else runs', () => {
    const shares = new InFlightShares(3, 48);
    const one = shares.join('chromium');
    shares.join('firefox');
    expect(one.limit()).toBe(3);
    expect(one.most()).toBe(3);
  });
});

describe('inPool with a limit that grows', () => {
  it('keeps at most the current limit in flight, and more once it grows', async () => {
    const shares = new InFlightShares(undefined, 8);
    const mine = shares.join('firefox');
    const other = shares.join('webkit');
    let inFlight = 0;
    const seen: number[] = [];
    let release: () => void = () => {};
    let gate = new Promise<void>((resolve) => (release = resolve));
    const items = Array.from({ length: 40 }, (_, i) => i);
    const done = inPool(items, mine, () => false, async (item) => {
      inFlight++;
      seen.push(inFlight);
      // The first 20 items wait for the other engine to finish; the rest run at the grown share.
      if (item < 20) await gate;
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Math.max(...seen)).toBe(4);
    other.leave();
    release();
    await done;
    expect(Math.max(...seen)).toBe(8);
    expect(seen).toHaveLength(40);
    // Before the gate opened, never more than the half share.
    expect(seen.slice(0, 4).every((n) => n <= 4)).toBe(true);
  });

  it('ends when nothing is left, with workers still waiting for a larger share', async () => {
    const shares = new InFlightShares(undefined, 6);
    const mine = shares.join('chromium');
    shares.join('firefox');
    const ran: number[] = [];
    await inPool([1, 2, 3, 4, 5], mine, () => false, async (item) => {
      ran.push(item);
      await new Promise((resolve) => setTimeout(resolve, 1));
    });
    expect(ran.sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
