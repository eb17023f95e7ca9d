import type { PlannedCell } from '../plan/plan.ts';
import { printable } from '../core/text.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * `corslab run --list`: the planned cells by scenario file, then by probe
 * (with its line, so an editor opens it), each probe's stacks and engines,
 * and a count; the last line totals them.
 *
 *   scenarios/origins/trailing-slash.yaml (origins/trailing-slash)
 *     :14  GET {api}/items  [express-cors, next] x [chromium, firefox]  4 cells
 */
export function cellListText(cells: readonly PlannedCell[], shard?: { index: number; total: number; of: number }): string {
  const lines: string[] = [];
  const byScenario = new Map<string, PlannedCell[]>();
  for (const cell of cells) byScenario.set(cell.scenario.id, [...(byScenario.get(cell.scenario.id) ?? []), cell]);
  let probes = 0;
  for (const scenarioCells of byScenario.values()) {
    const { scenario } = scenarioCells[0]!;
    lines.push(`${scenario.file} (${scenario.id})`);
    const byProbe = new Map<number, PlannedCell[]>();
    for (const cell of scenarioCells) byProbe.set(cell.probeIndex, [...(byProbe.get(cell.probeIndex) ?? []), cell]);
    for (const [index, probeCells] of byProbe) {
      probes++;
      const line = scenario.probeLines[index];
      lines.push(`  ${line ? `:${line}` : `#${index}`}  ${probeCells[0]!.probeName}  ${columns(probeCells)}  ${plural(probeCells.length, 'cell')}`);
    }
  }
  const distinct = (pick: (c: PlannedCell) => string) => new Set(cells.map(pick)).size;
  lines.push(
    '',
    `${plural(cells.length, 'cell')}${shard ? ` (shard ${shard.index}/${shard.total} of ${plural(shard.of, 'planned cell')})` : ''}: ${plural(byScenario.size, 'scenario')}, ${plural(probes, 'probe')}, ${plural(distinct((c) => c.stack), 'stack')}, ${plural(distinct((c) => c.engine), 'engine')}.`,
    'Nothing was started; an engine or a proxy that is missing here is skipped (with a notice) when the run starts.',
  );
  return `${printable(lines.join('\n'))}\n`;
}

/** A probe's stacks and engines: `[a, b] x [chromium, firefox]` when every stack runs in every engine, else each stack with its engines. */
function columns(cells: readonly PlannedCell[]): string {
  const stacks = [...new Set(cells.map((c) => c.stack))];
  const engines = [...new Set(cells.map((c) => c.engine))];
  if (stacks.length * engines.length === cells.length) return `[${stacks.join(', ')}] x [${engines.join(', ')}]`;
  return stacks.map((s) => `${s} [${cells.filter((c) => c.stack === s).map((c) => c.engine).join(', ')}]`).join('; ');
}
