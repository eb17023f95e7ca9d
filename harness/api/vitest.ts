/**
 * `import { describeScenarios } from 'corslab/vitest'`: a consumer's Vitest
 * file turns scenario files into Vitest tests, one per probe (its cells, every
 * stack and engine, run inside it), so Vitest's reporters, `-t`, watch mode
 * and exit codes apply. Scenarios are loaded and validated when the file is
 * collected (hence `await`: tests must be registered synchronously, and a bad
 * file fails the collection with its line); servers and browsers start once
 * per file in `beforeAll` and stop in `afterAll`.
 *
 *   await describeScenarios('scenarios/', { engines: ['chromium'] })
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Scenario } from '../core/format.ts';
import type { CellResult } from '../results/types.ts';
import { probeName } from '../plan/plan.ts';
import { runOptions } from '../run/config.ts';
import { startLabRun, type LabRun } from '../run/run.ts';
import type { CorslabConfig } from '../cli/config-file.ts';
import { resolveConfig, scenariosOf } from './options.ts';

export interface DescribeScenariosOptions extends Omit<CorslabConfig, 'scenarios'> {
  /** The describe block's name. Default: `CORS Lab: <paths>`. */
  title?: string;
  /** How long starting the servers and browsers may take (a cold Next.js build takes tens of seconds). Default: 300000. */
  startTimeoutMs?: number;
  /** How long one probe's test may take, all its stacks and engines. Default: 120000. */
  testTimeoutMs?: number;
}

/**
 * Registers one describe block with one test per scenario file and probe.
 * A test fails with each failing cell's differences, the model's reason and
 * the fix, under the scenario file and the probe's line. Engines that are
 * missing fail the run (requireEngines defaults to true here): a test suite
 * that skips its browsers would pass without checking anything.
 */
export async function describeScenarios(paths: string | readonly string[], options: DescribeScenariosOptions = {}): Promise<void> {
  const { title, startTimeoutMs = 300_000, testTimeoutMs = 120_000, ...config } = options;
  const list = typeof paths === 'string' ? [paths] : [...paths];
  const resolved = resolveConfig({ reporters: [], requireEngines: true, ...config, scenarios: list }, 'describeScenarios()');
  const scenarios = await scenariosOf(resolved);
  describe(title ?? `CORS Lab: ${list.join(', ')}`, () => {
    let lab: LabRun | undefined;
    beforeAll(async () => {
      lab = await startLabRun(runOptions(resolved.run, { scenarios, runtime: resolved.runtime }));
    }, startTimeoutMs);
    afterAll(async () => {
      await lab?.stop();
    }, startTimeoutMs);
    for (const scenario of scenarios) {
      describe(`${scenario.id}: ${scenario.title}`, () => {
        scenario.probes.forEach((probe, index) => {
          const where = `${scenario.file}:${scenario.probeLines[index] ?? 1}`;
          test(`${probeName(probe)} (${where})`, async (context) => {
            if (!lab) throw new Error('the servers and browsers did not start (see the beforeAll error)');
            const cells = lab.cells.filter((c) => c.scenario === scenario && c.probeIndex === index);
            if (cells.length === 0) return context.skip(`no cell of ${where} is planned with these stacks and engines`);
            const executed = await lab.execute(cells);
            const failed = executed.cells.filter((c) => c.verdict !== 'pass');
            if (failed.length > 0) throw new CorsLabFailure(failureMessage(scenario, where, failed, executed.cells.length));
          }, testTimeoutMs);
        });
      });
    }
  });
}

/** A probe's failing cells; its message is what the test shows. No stack of the harness's own: the place to look is the scenario file. */
export class CorsLabFailure extends Error {
  override name = 'CorsLabFailure';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** `scenarios/x.yaml:12 > GET {api}/items`, then each failing cell: its differences, the browser's message, the model's reason and the fix. */
export function failureMessage(scenario: Scenario, where: string, failed: readonly CellResult[], total: number): string {
  const lines = [`${failed.length} of ${total} cells did not pass: ${where} > ${failed[0]!.probeName} (${scenario.title})`];
  for (const cell of failed) {
    lines.push(`${cell.verdict === 'fail' ? 'FAIL' : 'ERROR'} [${cell.stack}, ${cell.engine}]`);
    if (cell.error) lines.push(`  ${cell.error}`);
    for (const d of cell.differences) lines.push(`  ${d.field}: expected ${JSON.stringify(d.expected)}, observed ${JSON.stringify(d.observed)}${d.note ? ` (${d.note})` : ''}`);
    const message = cell.observed?.messages.find((m) => m.source === 'console');
    if (message) lines.push(`  browser: ${message.text}`);
    if (cell.explanation) lines.push(`  why: ${cell.explanation.reason}`);
    const fix = cell.explanation?.fix;
    if (fix) {
      lines.push(`  fix: ${fix.summary}`);
      const code = fix.perStack[cell.stack];
      if (code) lines.push(...code.split('\n').map((l) => `       ${l}`));
    }
  }
  return lines.join('\n');
}
