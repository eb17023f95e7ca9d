import { loadScenarios } from '../../harness/scenarios/load.ts';
import { runLab, type RunOptions } from '../../harness/run/run.ts';
import type { CellResult, RawHeader, RunResults } from '../../harness/results/types.ts';

/** Runs the real harness (real servers, real browsers) on a fixture folder, with no reporters. */
export async function runFixtures(folder: string, options: Partial<RunOptions> = {}): Promise<RunResults> {
  const root = `tests/fixtures/${folder}`;
  const scenarios = await loadScenarios([root], root);
  return runLab({ scenarios, engines: ['chromium'], reporters: [], requireEngines: true, ...options });
}

export function cell(results: RunResults, scenario: string, probe: number, stack: string, engine = 'chromium'): CellResult {
  const found = results.cells.find((c) => c.scenario === scenario && c.probe === probe && c.stack === stack && c.engine === engine);
  if (!found) throw new Error(`no cell ${scenario}#${probe}@${stack}/${engine} in ${results.cells.map((c) => c.id).join(', ')}`);
  return found;
}

export function headerValues(headers: RawHeader[] | undefined, name: string): string[] {
  return (headers ?? []).filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}
