import { describe, expect, it } from 'vitest';
import { defaults } from '../config/defaults.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { curriculumFor } from './run-command.ts';

// The claims index goes with the project's own scenario folder: a run of all of it, of a chapter
// or of a file inside it gets the index (checked against the whole folder, decided from the cells
// that ran); a folder of one's own gets none.
describe('which runs get the claims index', () => {
  it('a chapter of scenarios/ gets the whole index, checked against every scenario of the folder', async () => {
    const chapter = `${defaults.scenarioDir}/caching`;
    const scenarios = await loadScenarios([chapter], defaults.scenarioDir);
    const curriculum = await curriculumFor([chapter], scenarios);
    expect(curriculum).toBeDefined();
    const checked = new Set(curriculum!.claims.flatMap((c) => c.checks.map((check) => check.scenario)));
    const inChapter = new Set(scenarios.map((s) => s.id));
    // Claims of other chapters are there too (undecided by this run), so the index is not empty.
    expect([...checked].some((id) => !inChapter.has(id))).toBe(true);
    expect([...checked].some((id) => inChapter.has(id))).toBe(true);
  });

  it('a folder outside scenarios/ gets none', async () => {
    const folder = 'tests/fixtures/named-origins';
    const scenarios = await loadScenarios([folder], defaults.scenarioDir);
    expect(await curriculumFor([folder], scenarios)).toBeUndefined();
  });
});
