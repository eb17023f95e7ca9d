import { defaults } from '../config/defaults.ts';
import { splitStack } from '../core/names.ts';
import type { PlannedCell } from './plan.ts';

/** `--shard 2/4`: the second of four parts of a run, counted from 1. */
export interface Shard {
  index: number;
  total: number;
}

/**
 * What is never split between shards: the cells a run schedules together
 * (harness/run/schedule.ts).
 *
 * - A scenario with cookie-isolated cells is one unit, all of its cells: its
 *   isolated cells run one after another in one browser context per engine
 *   (whose jar a cell may change for the next), and keeping its other cells
 *   with them keeps its proxy processes (one per scenario and proxy column)
 *   in one shard too.
 * - Any other scenario is one unit per stack: its cells on that stack share
 *   pages and the stack's server (a proxy's process is per scenario and
 *   column), in every engine.
 */
export interface ShardUnit {
  /** `scenario` or `scenario@stack`; unique, and the tie-breaker that makes the split deterministic. */
  id: string;
  cells: PlannedCell[];
  /** Expected wall time of the unit's own work, in ms (defaults.shardCost). */
  costMs: number;
  /** What the unit needs started once per shard, with its cost: an app stack that is a process of its own (Next.js). */
  starts: Map<string, number>;
}

/** The units of a plan, in plan order. */
export function shardUnits(cells: readonly PlannedCell[]): ShardUnit[] {
  const isolated = new Set(cells.filter((c) => c.freshContext).map((c) => c.scenario.id));
  const byUnit = new Map<string, PlannedCell[]>();
  for (const cell of cells) {
    const id = isolated.has(cell.scenario.id) ? cell.scenario.id : `${cell.scenario.id}@${cell.stack}`;
    byUnit.set(id, [...(byUnit.get(id) ?? []), cell]);
  }
  return [...byUnit].map(([id, unitCells]) => ({ id, cells: unitCells, costMs: unitCost(unitCells), starts: unitStarts(unitCells) }));
}

/**
 * What a unit is expected to cost: each cell (an isolated one runs alone; a
 * shared one is one of many in flight, and a wait of `again` overlaps the
 * others'), each isolated context per engine, each proxy process.
 */
function unitCost(cells: readonly PlannedCell[]): number {
  const cost = defaults.shardCost;
  let ms = 0;
  for (const cell of cells) {
    const wait = cell.probe.again?.afterMs ?? 0;
    ms += cell.freshContext ? cost.isolatedCellMs + wait : cost.sharedCellMs + wait / defaults.concurrencyPerPage;
  }
  for (const engine of new Set(cells.filter((c) => c.freshContext).map((c) => c.engine))) ms += cost.isolatedContextMs[engine] ?? cost.isolatedContextMs.default!;
  ms += new Set(cells.filter((c) => splitStack(c.stack).proxy).map((c) => c.stack)).size * cost.proxyProcessMs;
  return ms;
}

function unitStarts(cells: readonly PlannedCell[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const cell of cells) {
    const { app } = splitStack(cell.stack);
    const ms = defaults.shardCost.stackStartMs[app];
    if (ms !== undefined) starts.set(app, ms);
  }
  return starts;
}

/**
 * The plan split into `total` disjoint parts whose union is the plan, each
 * in plan order. Greedy, longest first (units by expected cost, then by id):
 * each unit goes to the shard that would finish earliest with it, counting
 * the start-ups it would add there (a shard without a Next.js cell does not
 * start Next.js, so Next's cells gather in as few shards as balance allows);
 * ties go to the lowest shard. It depends on the cells' ids and expectations
 * only, never on tokens, engines found or the clock, so every machine of a
 * CI matrix computes the same split from the same scenarios and flags.
 */
export function splitIntoShards(cells: readonly PlannedCell[], total: number): PlannedCell[][] {
  const units = shardUnits(cells).sort((a, b) => b.costMs - a.costMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const shards = Array.from({ length: total }, () => ({ loadMs: 0, started: new Set<string>(), ids: new Set<string>() }));
  for (const unit of units) {
    const added = (shard: (typeof shards)[number]) => unit.costMs + [...unit.starts].reduce((ms, [what, start]) => ms + (shard.started.has(what) ? 0 : start), 0);
    let best = 0;
    for (let i = 1; i < total; i++) if (shards[i]!.loadMs + added(shards[i]!) < shards[best]!.loadMs + added(shards[best]!)) best = i;
    const shard = shards[best]!;
    shard.loadMs += added(shard);
    for (const what of unit.starts.keys()) shard.started.add(what);
    for (const cell of unit.cells) shard.ids.add(cell.id);
  }
  return shards.map((shard) => cells.filter((c) => shard.ids.has(c.id)));
}

/** The cells of one shard (`--shard index/total`). */
export function cellsOfShard(cells: readonly PlannedCell[], shard: Shard): PlannedCell[] {
  return splitIntoShards(cells, shard.total)[shard.index - 1]!;
}

/** `2/4` as a Shard, or why it is not one (for the CLI's usage error). */
export function parseShard(text: string): Shard | { problem: string } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) {
    const hint = /^\s*\d+\s*[:\-of ]+\s*\d+\s*$/i.test(text) ? ` (did you mean ${text.replace(/^\s*(\d+)\D+(\d+)\s*$/, '$1/$2')}?)` : '';
    return { problem: `must be INDEX/TOTAL with whole numbers, such as 1/4, got "${text}"${hint}` };
  }
  const [index, total] = [Number(match[1]), Number(match[2])];
  if (total < 1) return { problem: `must have a TOTAL of at least 1, got "${text}"` };
  if (index < 1 || index > total) return { problem: `must have an INDEX from 1 to ${total} (shards are counted from 1), got "${text}"${index === 0 ? ` (did you mean 1/${total}?)` : ` (did you mean ${total}/${total}?)`}` };
  return { index, total };
}
