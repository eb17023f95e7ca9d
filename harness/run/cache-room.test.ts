import { describe, expect, it } from 'vitest';
import { PreflightCacheRoom } from './cache-room.ts';
import type { PlannedCell } from '../plan/plan.ts';

const cell = (again: boolean) => ({ probe: again ? { again: { afterMs: 6000 } } : {} }) as unknown as PlannedCell;
const settledSoon = async (p: Promise<unknown>) => Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);

describe('PreflightCacheRoom', () => {
  it('lets no more cells start behind a waiting cell than its share of the cache, until that cell is done', async () => {
    const room = new PreflightCacheRoom(10, 0.5);
    const waiting = cell(true);
    await room.enter(waiting);
    for (let i = 0; i < 5; i++) expect(await settledSoon(room.enter(cell(false)))).toBe(true);
    const sixth = room.enter(cell(false));
    expect(await settledSoon(sixth)).toBe(false);
    room.leave(waiting);
    expect(await settledSoon(sixth)).toBe(true);
  });

  it('holds nothing back without a waiting cell, or for an engine whose cache size is not known', async () => {
    const room = new PreflightCacheRoom(10, 0.5);
    for (let i = 0; i < 50; i++) expect(await settledSoon(room.enter(cell(false)))).toBe(true);
    const unknown = new PreflightCacheRoom(undefined);
    await unknown.enter(cell(true));
    for (let i = 0; i < 50; i++) expect(await settledSoon(unknown.enter(cell(false)))).toBe(true);
  });
});
