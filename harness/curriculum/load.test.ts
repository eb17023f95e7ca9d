import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCurriculum } from './load.ts';
import { ScenarioValidationError } from '../scenarios/errors.ts';
import type { Scenario } from '../core/format.ts';

const scenario: Scenario = {
  id: 'origins/trailing-slash',
  file: 'scenarios/origins/trailing-slash.yaml',
  chapter: 'origins',
  title: 't',
  lesson: 'l',
  server: {},
  probes: [{ name: 'slash', fetch: { url: '{api}/items' }, expect: { result: 'blocked' } }],
  probeLines: [1],
};
const chapters = 'chapters:\n  - { id: origins, title: Origins, intro: An origin. }\n';

async function folder(claims: string, chapterText = chapters): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-curriculum-'));
  await writeFile(path.join(dir, 'chapters.yaml'), chapterText);
  await writeFile(path.join(dir, 'claims.yaml'), claims);
  return dir;
}

async function problems(dir: string): Promise<string[]> {
  try {
    await loadCurriculum(dir, [scenario]);
  } catch (error) {
    if (error instanceof ScenarioValidationError) return error.problems.map((p) => `${path.basename(p.file)}:${p.line} ${p.field} ${p.message}`);
    throw error;
  }
  return [];
}

const good = `claims:
  - id: a002-01
    article: "002"
    quote: a trailing slash breaks it
    claim: A trailing slash blocks the response.
    chapter: origins
    checks:
      - { scenario: origins/trailing-slash, probe: slash, says: { result: blocked } }
`;

describe('the curriculum files', () => {
  it('load with each claim\'s line', async () => {
    const curriculum = await loadCurriculum(await folder(good), [scenario]);
    expect(curriculum.claims.map((c) => c.id)).toEqual(['a002-01']);
    expect(curriculum.claimLines['a002-01']).toBe(2);
  });

  it('name the file, line and field of a check that points nowhere', async () => {
    const bad = good.replace('probe: slash', 'probe: slahs').replace('origins/trailing-slash', 'origins/trailing-slahs');
    expect(await problems(await folder(bad))).toEqual([expect.stringMatching(/^claims\.yaml:8 claims\[0\]\.checks\[0\]\.scenario no scenario `origins\/trailing-slahs`/)]);
    const badProbe = good.replace('probe: slash', 'probe: slahs');
    expect(await problems(await folder(badProbe))).toEqual([expect.stringMatching(/^claims\.yaml:8 claims\[0\]\.checks\[0\]\.probe .*has no probe `slahs`/)]);
  });

  it('refuse a claim with neither a check nor a reason it cannot be observed, an unknown chapter and a wrong expectation field', async () => {
    const bad = good.replace('chapter: origins', 'chapter: origin').replace(/checks:\n.*\n/, 'checks: []\n');
    const found = await problems(await folder(bad));
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/claims\[0\]\.chapter unknown chapter `origin`/), expect.stringMatching(/claims\[0\]\.checks a claim needs at least one check/)]));
    const badSays = good.replace('result: blocked', 'result: denied');
    expect(await problems(await folder(badSays))).toEqual([expect.stringMatching(/^claims\.yaml:8 claims\[0\]\.checks\[0\]\.says\.result must be one of allowed, blocked, opaque/)]);
  });

  it('list every chapter a scenario uses', async () => {
    const found = await problems(await folder(good, 'chapters:\n  - { id: preflight, title: Preflight, intro: x }\n'));
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/the chapter `origins`, which is not listed/)]));
  });
});
