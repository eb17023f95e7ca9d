import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { checkYaml } from '../scenarios/load.ts';
import { scenarioSchema } from '../scenarios/schema.ts';
import { ScenarioValidationError, type ScenarioProblem } from '../scenarios/errors.ts';
import { stackNames } from '../../servers/labels.ts';
import type { Scenario } from '../core/format.ts';
import { probeName } from '../plan/plan.ts';
import type { Chapter, Claim } from '../results/types.ts';
import type { Curriculum } from './types.ts';

export const CHAPTERS_FILE = 'chapters.yaml';
export const CLAIMS_FILE = 'claims.yaml';
/** The articles the claims come from (../shared/sources/NNN_*.txt), as that folder's README describes them. */
export const ARTICLE_TOPICS: Record<string, string> = {
  '000': 'Fixing CORS in Node.js (Express), Next.js API routes and an Nginx reverse proxy; common mistakes',
  '001': 'Same-origin policy, simple vs preflight requests, the headers, Express / Next.js / Nginx examples, common mistakes',
  '002': 'A long guide: preflight, credentials and cookies, Express cors options and middleware, Nginx and Apache configs, error messages, security',
  '003': 'CORS in Express: the cors package, origin callbacks, app.options, middleware order, environment-based allow lists',
};
export const ARTICLES = Object.keys(ARTICLE_TOPICS);

async function validators() {
  const { definitions } = scenarioSchema();
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
  const chapters = ajv.compile({
    type: 'object',
    additionalProperties: false,
    required: ['chapters'],
    properties: {
      chapters: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'title', 'intro'],
          properties: {
            id: { type: 'string', pattern: '^[a-z][a-z-]*$', description: 'the scenario folder of the chapter' },
            title: { type: 'string', minLength: 1 },
            intro: { type: 'string', minLength: 1 },
          },
        },
      },
    },
  });
  const claims = ajv.compile({
    type: 'object',
    additionalProperties: false,
    required: ['claims'],
    definitions,
    properties: {
      claims: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'article', 'quote', 'claim', 'chapter', 'checks'],
          properties: {
            id: { type: 'string', pattern: '^a\\d{3}-\\d{2,3}$', description: 'a<article>-<number>, e.g. a002-14' },
            article: { enum: [...ARTICLES] },
            quote: { type: 'string', minLength: 1, maxLength: 400, description: 'a short, verbatim quote' },
            claim: { type: 'string', minLength: 1 },
            chapter: { type: 'string' },
            notObservable: { type: 'string', minLength: 1 },
            checks: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['scenario', 'says'],
                properties: {
                  scenario: { type: 'string', pattern: '^[a-z0-9-]+/[a-z0-9-]+$', description: 'a scenario id: chapter/name' },
                  probe: { type: 'string', minLength: 1 },
                  stacks: { type: 'array', minItems: 1, items: { enum: stackNames() } },
                  says: { $ref: '#/definitions/expect' },
                },
              },
            },
          },
        },
      },
    },
  });
  return { chapters, claims };
}

/** True when the folder has a curriculum (the project's own does; a user's scenario folder need not). */
export async function hasCurriculum(dir: string): Promise<boolean> {
  return (await stat(path.join(dir, CLAIMS_FILE)).catch(() => undefined))?.isFile() ?? false;
}

/**
 * Loads the chapters and the claims index, and checks them against the loaded
 * scenarios: every claim's scenario, probe and stacks must exist, every
 * chapter a scenario uses must be listed, and a claim that can be observed
 * needs a check. Every problem at once, located, as for scenario files.
 */
export async function loadCurriculum(dir: string, scenarios: readonly Scenario[]): Promise<Curriculum> {
  const { chapters: chaptersSchema, claims: claimsSchema } = await validators();
  const problems: ScenarioProblem[] = [];
  const chaptersFile = path.join(dir, CHAPTERS_FILE);
  const claimsFile = path.join(dir, CLAIMS_FILE);
  const read = async (file: string) =>
    readFile(file, 'utf8').catch(() => {
      problems.push({ file, line: 1, column: 1, field: '', message: 'cannot read the file' });
      return undefined;
    });
  const chaptersText = await read(chaptersFile);
  const claimsText = await read(claimsFile);
  if (chaptersText === undefined || claimsText === undefined) throw new ScenarioValidationError(problems);

  const chaptersChecked = checkYaml(chaptersText, chaptersFile, chaptersSchema);
  const claimsChecked = checkYaml(claimsText, claimsFile, claimsSchema);
  problems.push(...chaptersChecked.problems, ...claimsChecked.problems);
  if (problems.length > 0) throw new ScenarioValidationError(problems);

  const chapters = (chaptersChecked.value as { chapters: Chapter[] }).chapters;
  const claims = (claimsChecked.value as { claims: Claim[] | null }).claims ?? [];
  const chapterIds = chapters.map((c) => c.id);
  const byId = new Map(scenarios.map((s) => [s.id, s]));

  const seenChapters = new Set<string>();
  chapters.forEach((chapter, i) => {
    if (seenChapters.has(chapter.id)) problems.push({ file: chaptersFile, ...chaptersChecked.locate(['chapters', i, 'id']), field: `chapters[${i}].id`, message: `chapter \`${chapter.id}\` is listed twice` });
    seenChapters.add(chapter.id);
  });
  for (const chapter of new Set(scenarios.map((s) => s.chapter))) {
    if (!seenChapters.has(chapter)) problems.push({ file: chaptersFile, line: 1, column: 1, field: 'chapters', message: `scenarios use the chapter \`${chapter}\`, which is not listed (add it where it belongs in reading order)` });
  }

  const seenClaims = new Set<string>();
  const claimLines: Record<string, number> = {};
  claims.forEach((claim, i) => {
    const at = (segments: (string | number)[]) => ({ file: claimsFile, ...claimsChecked.locate(['claims', i, ...segments]) });
    const field = (suffix: string) => `claims[${i}]${suffix}`;
    claimLines[claim.id] = claimsChecked.locate(['claims', i]).line;
    if (seenClaims.has(claim.id)) problems.push({ ...at(['id']), field: field('.id'), message: `claim id \`${claim.id}\` is used twice` });
    seenClaims.add(claim.id);
    if (!claim.id.startsWith(`a${claim.article}-`)) problems.push({ ...at(['id']), field: field('.id'), message: `the id \`${claim.id}\` does not start with a${claim.article}- (its article)` });
    if (!chapterIds.includes(claim.chapter)) problems.push({ ...at(['chapter']), field: field('.chapter'), message: `unknown chapter \`${claim.chapter}\` (chapters: ${chapterIds.join(', ')})` });
    if (claim.checks.length === 0 && !claim.notObservable) {
      problems.push({ ...at(['checks']), field: field('.checks'), message: 'a claim needs at least one check, or `notObservable` saying why it cannot be observed' });
    }
    claim.checks.forEach((check, j) => {
      const scenario = byId.get(check.scenario);
      if (!scenario) {
        problems.push({ ...at(['checks', j, 'scenario']), field: field(`.checks[${j}].scenario`), message: `no scenario \`${check.scenario}\` (scenarios/${check.scenario}.yaml)` });
        return;
      }
      // A claim is checked against every run's cells, so it cannot name one run's origins.
      const wire = JSON.stringify([check.says.sent, check.says.answered]);
      if (/\{(app|evil|api|apiOrigin)\}/.test(wire)) {
        problems.push({ ...at(['checks', j, 'says']), field: field(`.checks[${j}].says`), message: 'a claim cannot use placeholders ({app}, {api}, ...) in what it says was sent or answered: name header names and fixed values only' });
      }
      const names = scenario.probes.map(probeName);
      if (check.probe !== undefined && !names.includes(check.probe)) {
        problems.push({ ...at(['checks', j, 'probe']), field: field(`.checks[${j}].probe`), message: `scenario ${check.scenario} has no probe \`${check.probe}\` (its probes: ${names.join('; ')})` });
      }
    });
  });
  if (problems.length > 0) throw new ScenarioValidationError(problems);
  return { chapters, claims, claimLines };
}
