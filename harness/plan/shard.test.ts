import { beforeAll, describe, expect, it } from 'vitest';
import { defaults } from '../config/defaults.ts';
import { splitStack } from '../core/names.ts';
import type { Scenario } from '../core/format.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { planCells, type PlannedCell } from './plan.ts';
import { cellsOfShard, parseShard, shardUnits, splitIntoShards } from './shard.ts';

const ENGINES = ['chromium', 'firefox', 'webkit'];
let scenarios: Scenario[];
let whole: PlannedCell[];

beforeAll(async () => {
  scenarios = await loadScenarios([defaults.scenarioDir], defaults.scenarioDir);
  whole = planCells(scenarios, { engines: ENGINES });
});

const ids = (cells: readonly PlannedCell[]) => cells.map((c) => c.id);

describe('--shard on the default suite (planned, no browser)', () => {
  it('splits into two disjoint shards whose union is the whole run, in plan order', () => {
    const [first, second] = [cellsOfShard(whole, { index: 1, total: 2 }), cellsOfShard(whole, { index: 2, total: 2 })];
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    const inFirst = new Set(ids(first));
    expect(ids(second).filter((id) => inFirst.has(id))).toEqual([]);
    expect(new Set([...ids(first), ...ids(second)])).toEqual(new Set(ids(whole)));
    expect(first.length + second.length).toBe(whole.length);
    const order = new Map(ids(whole).map((id, i) => [id, i]));
    for (const shard of [first, second]) expect(shard.map((c) => order.get(c.id)!)).toEqual([...shard.map((c) => order.get(c.id)!)].sort((a, b) => a - b));
  });

  it('is the same split for another plan of the same scenarios (tokens differ, ids do not)', () => {
    const again = planCells(scenarios, { engines: ENGINES });
    expect(again[0]!.token).not.toBe(whole[0]!.token);
    for (const total of [2, 3, 4]) expect(splitIntoShards(again, total).map(ids)).toEqual(splitIntoShards(whole, total).map(ids));
  });

  it("keeps a cookie-isolated scenario's cells in one shard, and a scenario's cells on one stack together", () => {
    const shards = splitIntoShards(whole, 4);
    const shardOf = new Map(shards.flatMap((cells, i) => cells.map((c) => [c.id, i] as const)));
    const isolated = new Set(whole.filter((c) => c.freshContext).map((c) => c.scenario.id));
    expect(isolated.size).toBeGreaterThan(0);
    for (const id of isolated) expect(new Set(whole.filter((c) => c.scenario.id === id).map((c) => shardOf.get(c.id))).size).toBe(1);
    const byScenarioStack = new Map<string, Set<number>>();
    for (const c of whole) byScenarioStack.set(`${c.scenario.id}@${c.stack}`, (byScenarioStack.get(`${c.scenario.id}@${c.stack}`) ?? new Set()).add(shardOf.get(c.id)!));
    for (const [key, set] of byScenarioStack) expect(set.size, key).toBe(1);
  });

  it('balances by expected cost, not by count, and starts Next.js in fewer shards than all when balance allows', () => {
    const units = shardUnits(whole);
    const total = units.reduce((ms, u) => ms + u.costMs, 0);
    const costOf = new Map(units.flatMap((u) => u.cells.map((c) => [c.id, u.costMs / u.cells.length] as const)));
    const shards = splitIntoShards(whole, 4);
    const loads = shards.map((cells) => cells.reduce((ms, c) => ms + costOf.get(c.id)!, 0));
    // Each shard within the largest unit (plus a Next.js start) of a quarter of the whole.
    const largest = Math.max(...units.map((u) => u.costMs)) + defaults.shardCost.stackStartMs.next!;
    for (const load of loads) expect(Math.abs(load - total / 4)).toBeLessThanOrEqual(largest);
    // Isolated cells cost more, so the shards holding them hold fewer cells.
    expect(new Set(shards.map((s) => s.length)).size).toBeGreaterThan(1);
  });

  it('starts Next.js only in the shards that need it: a few Next cells gather in one shard', () => {
    const isNext = (c: PlannedCell) => splitStack(c.stack).app === 'next';
    const nextScenarios = [...new Set(whole.filter(isNext).map((c) => c.scenario.id))].slice(0, 3);
    const cells = whole.filter((c) => !isNext(c) || nextScenarios.includes(c.scenario.id));
    const shards = splitIntoShards(cells, 4);
    expect(shards.filter((s) => s.some(isNext))).toHaveLength(1);
    expect(shards.every((s) => s.length > 0)).toBe(true);
  });

  it('gives a shard with nothing to do when there are more shards than units', () => {
    const one = whole.filter((c) => c.scenario.id === whole[0]!.scenario.id && c.stack === whole[0]!.stack && !c.freshContext);
    const shards = splitIntoShards(one, 3);
    expect(shards.filter((s) => s.length > 0)).toHaveLength(1);
  });
});

describe('parsing --shard', () => {
  it('reads INDEX/TOTAL and refuses the rest with a hint', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, total: 4 });
    expect(parseShard('0/2')).toEqual({ problem: expect.stringContaining('did you mean 1/2?') });
    expect(parseShard('3/2')).toEqual({ problem: expect.stringContaining('did you mean 2/2?') });
    expect(parseShard('a/b')).toEqual({ problem: expect.stringContaining('such as 1/4, got "a/b"') });
    expect(parseShard('1 of 4')).toEqual({ problem: expect.stringContaining('did you mean 1/4?') });
    expect(parseShard('1/0')).toEqual({ problem: expect.stringContaining('at least 1') });
  });
});
