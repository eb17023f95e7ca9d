/**
 * The course as shipped: the default scenarios, the chapters and the claims
 * index are consistent, complete and quote the articles faithfully.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaults } from '../harness/config/defaults.ts';
import { ARTICLES, loadCurriculum } from '../harness/curriculum/load.ts';
import { loadScenarios } from '../harness/scenarios/load.ts';
import type { Curriculum } from '../harness/curriculum/types.ts';
import type { Scenario } from '../harness/core/format.ts';

/** The articles sit beside the project (../shared/sources), as in CI. */
const SOURCES = path.resolve('..', 'shared', 'sources');

let scenarios: Scenario[];
let curriculum: Curriculum;

beforeAll(async () => {
  scenarios = await loadScenarios([defaults.scenarioDir], defaults.scenarioDir);
  curriculum = await loadCurriculum(defaults.curriculumDir, scenarios);
});

const normalize = (text: string) => text.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/\s+/g, ' ').trim();

describe('the course', () => {
  it('has the chapters in reading order, each with scenarios', () => {
    expect(curriculum.chapters.map((c) => c.id)).toEqual(['origins', 'real-origins', 'simple-requests', 'preflight', 'credentials', 'https-cookies', 'redirects', 'mixed-content', 'reading-headers', 'caching', 'proxies', 'frameworks', 'security']);
    for (const chapter of curriculum.chapters) expect(scenarios.filter((s) => s.chapter === chapter.id).length, chapter.id).toBeGreaterThan(0);
  });

  it('has at least 80 scenarios, each with its own title and lesson', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(80);
    for (const s of scenarios) expect(s.lesson.trim().length, s.id).toBeGreaterThan(80);
    expect(new Set(scenarios.map((s) => s.title)).size).toBe(scenarios.length);
    expect(new Set(scenarios.map((s) => normalize(s.lesson))).size).toBe(scenarios.length);
  });
});

describe('the claims index', () => {
  it('covers all four articles, each claim checked or saying why it cannot be', () => {
    for (const article of ARTICLES) expect(curriculum.claims.filter((c) => c.article === article).length, `article ${article}`).toBeGreaterThan(5);
    for (const claim of curriculum.claims) expect(claim.checks.length > 0 || Boolean(claim.notObservable), claim.id).toBe(true);
  });

  it('quotes each article word for word, briefly', (context) => {
    if (!existsSync(SOURCES)) {
      const why = `the source articles are not at ${SOURCES}, so the claims index's quotes cannot be checked against them`;
      // This project's CI has them beside the clone: there a missing folder is a failure, never a pass.
      if (process.env.CI) throw new Error(why);
      // A bare clone has no ../shared: say so once, and count the check as not run rather than passed.
      process.stderr.write(`corslab tests: quotes checked against nothing: ${why} (they are beside the clone in this project's CI)\n`);
      context.skip(why);
    }
    const files = readdirSync(SOURCES);
    for (const claim of curriculum.claims) {
      const file = files.find((f) => f.startsWith(`${claim.article}_`));
      expect(file, `article ${claim.article}`).toBeDefined();
      const text = normalize(readFileSync(path.join(SOURCES, file!), 'utf8'));
      for (const part of claim.quote.split('\u2026').map(normalize).filter(Boolean)) {
        expect(text.includes(part), `${claim.id}: "${part}" is not in ${file}`).toBe(true);
      }
      expect(claim.quote.split(/\s+/).length, `${claim.id}: a quote, not a passage`).toBeLessThanOrEqual(40);
    }
  });

  it('is checked by most scenarios, and by every scenario of the security chapter', () => {
    const checked = new Set(curriculum.claims.flatMap((c) => c.checks.map((k) => k.scenario)));
    for (const s of scenarios.filter((x) => x.chapter === 'security')) expect(checked.has(s.id), s.id).toBe(true);
    // The rest may teach what no article claims (an engine difference found here, say), but not most of them.
    expect(scenarios.filter((s) => checked.has(s.id)).length / scenarios.length).toBeGreaterThan(0.8);
  });
});
