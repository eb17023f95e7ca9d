import type { PlannedCell } from '../plan/plan.ts';

/**
 * Room in one engine's CORS-preflight cache for the cells that rely on it.
 * A cell that asks again later (`again`) expects the preflight answer of its
 * first request to be in the cache when it asks, but an engine keeps only so
 * many entries (Firefox 100 for the whole browser, Chromium 1024) and evicts
 * the oldest. Every other cell may add an entry (each requests its own URLs),
 * so while such a cell waits, at most `share` of the cache's size in other
 * cells may start after it; the next one waits until the oldest waiting cell
 * is done. Without a known size (WebKit) nothing waits. This is what lets a
 * fast run keep every cached answer a slow run would have kept: a result
 * never depends on how many other cells ran meanwhile.
 */
export class PreflightCacheRoom {
  /** Cells started so far (each may add an entry). */
  private started = 0;
  /** The cells that wait on a cached entry, by when they started (the count of cells started up to and with them). */
  private readonly waiting = new Map<PlannedCell, { at: number; done: Promise<void>; end: () => void }>();
  private readonly limit: number | undefined;

  constructor(entries: number | undefined, share = 0.6) {
    this.limit = entries === undefined ? undefined : Math.max(1, Math.floor(entries * share));
  }

  /** Waits until the cell may start without pushing a waiting cell's entry out, then counts it. */
  async enter(cell: PlannedCell): Promise<void> {
    if (this.limit !== undefined) {
      for (let oldest = this.oldest(); oldest && this.started - oldest.at >= this.limit; oldest = this.oldest()) await oldest.done;
    }
    if (cell.probe.again) {
      let end = () => {};
      const done = new Promise<void>((resolve) => (end = resolve));
      this.waiting.set(cell, { at: this.started + 1, done, end });
    }
    this.started++;
  }

  /** The cell is done: it waits on the cache no longer. */
  leave(cell: PlannedCell): void {
    const entry = this.waiting.get(cell);
    if (!entry) return;
    this.waiting.delete(cell);
    entry.end();
  }

  private oldest(): { at: number; done: Promise<void> } | undefined {
    let oldest: { at: number; done: Promise<void> } | undefined;
    for (const entry of this.waiting.values()) if (!oldest || entry.at < oldest.at) oldest = entry;
    return oldest;
  }
}
