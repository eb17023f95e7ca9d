import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { appStackNames, stackDefinition } from '../../servers/apps/catalog.ts';
import { ScenarioValidationError, type ScenarioProblem } from '../scenarios/errors.ts';
import type { Scenario } from '../core/format.ts';

/**
 * Loads every user app module (`server.app`) the scenarios name, before
 * anything starts, so a module that throws, lacks the export or exports
 * something that is no app is reported at the scenario's file, line and
 * column (of `export`, or of `module` when there is none), like a proxy
 * config test. Loading runs the user's code (servers/apps/own-app/load.ts).
 */
export async function checkOwnApps(scenarios: readonly Scenario[]): Promise<void> {
  const problems: ScenarioProblem[] = [];
  for (const scenario of scenarios) {
    for (const name of appStackNames()) {
      const own = stackDefinition(name).ownApp;
      const raw = scenario.server[name] as { export?: string } | undefined;
      if (!own || raw === undefined) continue;
      try {
        await own.check(raw, scenario.file);
      } catch (error) {
        const field = raw.export !== undefined ? 'export' : 'module';
        const position = await locate(scenario.file, ['server', name, field]);
        problems.push({ file: scenario.file, ...position, field: `server.${name}.${field}`, message: `cannot be loaded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
      }
    }
  }
  if (problems.length > 0) throw new ScenarioValidationError(problems);
}

/** Where a field's value starts in a scenario file (1-based). */
async function locate(file: string, segments: string[]): Promise<{ line: number; column: number }> {
  const counter = new LineCounter();
  // A scenario built in memory (`corslab audit` without --save) has no file to point into.
  const text = await readFile(file, 'utf8').catch(() => '');
  const doc = parseDocument(text, { lineCounter: counter });
  const node = doc.getIn(segments, true) as Node | undefined;
  const pos = counter.linePos(node?.range?.[0] ?? 0);
  return { line: pos.line, column: pos.col };
}
