/**
 * The HTML report, end to end: a real run of the fixture scenarios in
 * tests/fixtures/html-report/ (real servers, real Chromium) writes index.html,
 * which is then opened from file:// in real Chromium and used like a reader
 * would: header, matrix, detail, filters, and hostile text from the results.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineDisagreements } from '../../harness/observations/engine-differences.ts';
import { HtmlReporter, readEmbeddedResults } from '../../harness/reporters/html/html-reporter.ts';
import { launchReportBrowser } from '../../harness/reporters/html/report-browser.ts';
import { JsonReporter } from '../../harness/reporters/json/json-reporter.ts';
import type { CellResult, RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';
import { runFixtures } from './helpers.ts';
import { loadCurriculum } from '../../harness/curriculum/load.ts';
import { loadScenarios } from '../../harness/scenarios/load.ts';

const BLOCKED = 'basics/allowed-and-blocked#1@express-cors/chromium';
const FAILING = 'basics/wrong-expectation#0@express-cors/chromium';
const HOSTILE = 'hostile/markup-in-text#0@express-cors/chromium';

let dir: string;
let results: RunResults;
let browser: Browser;
/** Errors the page opened last raised; every test ends by checking there were none. */
const pageProblems: string[] = [];

const cell = (id: string): CellResult => {
  const found = results.cells.find((c) => c.id === id);
  if (!found) throw new Error(`no cell ${id} in the run`);
  return found;
};

async function openReport(file: string, hash = ''): Promise<Page> {
  pageProblems.length = 0;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => pageProblems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') pageProblems.push(`console ${message.type()}: ${message.text()}`);
  });
  await page.goto(`${pathToFileURL(file).href}${hash}`);
  // The viewer sets this as its last step; a CSP or script error would leave it unset.
  await page.locator('html[data-ready="true"]').waitFor({ timeout: 10_000 });
  return page;
}

/** Two frames and a moment: long enough for a failed image load to fire its error event. */
const settle = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 100)))));
const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);

const texts = (page: Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => e.textContent ?? ''));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-html-'));
  // The three Node stacks are enough columns to check the matrix; Next would only add a build.
  const curriculumDir = 'tests/fixtures/html-report-curriculum';
  const curriculum = await loadCurriculum(curriculumDir, await loadScenarios(['tests/fixtures/html-report'], 'tests/fixtures/html-report'));
  results = await runFixtures('html-report', {
    // As the catalog orders them: the HTML report after the JSON one it links.
    reporters: [new JsonReporter(dir), new HtmlReporter(dir)],
    stacks: ['express-cors', 'express-manual', 'fastify-cors'],
    curriculum: { ...curriculum, dir: curriculumDir },
  });
  browser = await launchReportBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the HTML report of a real run', () => {
  it('ran the fixture cells the other tests rely on', () => {
    // If the harness itself misbehaved, say so here rather than as a confusing report failure.
    expect(cell(BLOCKED).observed?.result).toBe('blocked');
    expect(cell(FAILING).verdict).toBe('fail');
    expect(cell(HOSTILE).observed?.result).toBe('allowed');
    expect(results.cells.filter((c) => c.scenario === 'stack-specific/manual-only').map((c) => c.stack)).toEqual(['express-manual']);
  });

  it('is one file: viewer inlined, results embedded compressed as inert data that cannot close its script element', async () => {
    const html = await readFile(path.join(dir, 'index.html'), 'utf8');
    // Exactly the two data blocks (the head and the details) and the viewer: the `</script>` in titles, lessons, code and bodies did not make more.
    expect(html.match(/<script\b/gi)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html).not.toMatch(/<script[^>]*\bsrc=|<link[^>]*stylesheet/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
    // The fixture lesson holds U+2028 and U+2029 and markup; the data block is base64, so none of it is in the file as it is.
    expect(JSON.stringify(results)).toContain('\u2028');
    expect(html).not.toMatch(/[\u2028\u2029]/);
    expect(html).not.toContain('window.__pwned');
    for (const id of ['corslab-results', 'corslab-details']) expect(html).toMatch(new RegExp(`<script type="application/gzip" id="${id}" data-encoding="gzip\\+base64">[A-Za-z0-9+/=]+</script>`));
    expect(readEmbeddedResults(html)).toEqual(JSON.parse(JSON.stringify(results)));
    // Publishable as it is: nothing refers to an absolute path or another site (the JSON and JUnit links are relative).
    expect(html).not.toContain(dir);
    expect([...html.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((m) => m[1])).toEqual(['data:,']);
  });

  it('shows the tool, the engine version, the stacks with their packages, and the origins', async () => {
    const page = await openReport(path.join(dir, 'index.html'));
    const header = (await page.locator('header.run').textContent()) ?? '';
    const engine = results.environment.engines[0]!;
    expect(await page.locator(`header.run [data-engine="chromium"]`).textContent()).toContain(engine.version);
    // How the engine reached the lab: through the mapping proxy, and how it trusted the run's CA.
    expect(await page.locator(`header.run [data-engine-network="chromium"]`).textContent()).toContain("the lab's mapping proxy");
    expect(header).toContain(`corslab ${results.tool.version}`);
    for (const stack of results.environment.stacks) {
      expect(header).toContain(stack.label);
      for (const [name, version] of Object.entries(stack.packages)) expect(header).toContain(`${name} ${version}`);
    }
    expect(header).toContain(`Node ${results.environment.node}`);
    expect(header).toContain(`Playwright ${results.environment.playwright}`);
    expect(header).toContain(results.environment.origins.app);
    expect(header).toContain(`${results.summary.pass} pass`);
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('has one verdict cell per result cell, grouped by chapter, and empty cells where a scenario does not run', async () => {
    const page = await openReport(path.join(dir, 'index.html'));
    const shown = await page.locator('td[data-cell-id]').evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.cellId} ${(e as HTMLElement).dataset.verdict}`));
    expect(shown.sort()).toEqual(results.cells.map((c) => `${c.id} ${c.verdict}`).sort());
    // Each cell says its verdict and observed result in text, not only in colour.
    for (const c of results.cells) {
      const text = await page.locator(`td[data-cell-id="${c.id}"]`).textContent();
      expect(text).toContain(c.verdict);
      expect(text).toContain(c.observed?.result ?? '\u2014');
    }
    expect(await texts(page, 'tr.chapter h2')).toEqual(['basics', 'hostile', 'stack-specific']);
    expect(await page.locator('th.stack').count()).toBe(3);
    expect(await page.locator('th.engine').count()).toBe(3);
    const rows = await page.locator('tr.probe').count();
    expect(rows).toBe(results.scenarios.reduce((n, s) => n + s.probes.length, 0));
    // The hand-written-only scenario has nothing on the other two stacks: empty, no verdict, nothing to click.
    const empty = page.locator('tr[data-row="stack-specific/manual-only#0"] td.cell.empty');
    expect(await empty.count()).toBe(2);
    expect(await page.locator('td.cell.empty button, td.cell.empty[data-verdict]').count()).toBe(0);
    expect(await page.locator('td.cell').count()).toBe(rows * 3);
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('opens a blocked cell: page code, server code, the wire in order, what JavaScript got, the browser message', async () => {
    const blocked = cell(BLOCKED);
    const observed = blocked.observed!;
    const preflight = exchangeAt(observed, 'preflight')!;
    const scenario = results.scenarios.find((s) => s.id === blocked.scenario)!;
    const page = await openReport(path.join(dir, 'index.html'));
    await page.locator(`td[data-cell-id="${BLOCKED}"] button`).click();
    const detail = page.locator('dialog[open]');
    await detail.waitFor();
    expect(await detail.locator('h2').textContent()).toBe(scenario.title);
    expect(new URL(page.url()).hash).toContain(`cell=${encodeURIComponent(BLOCKED)}`);
    expect(await page.locator('td.cell.current').getAttribute('data-cell-id')).toBe(BLOCKED);

    const code = await texts(page, 'dialog[open] pre.code');
    expect(code).toContain(blocked.pageCode);
    expect(code).toContain(scenario.serverCode['express-cors']);
    expect(await detail.textContent()).toContain(blocked.pageOrigin);

    // The preflight went out and nothing else: one exchange, request line then headers exactly as on the wire.
    expect(await detail.locator('li.exchange').count()).toBe(observed.exchanges.length);
    const first = detail.locator('li.exchange').first();
    expect(await first.locator('strong').first().textContent()).toBe('Preflight');
    expect(await first.locator('pre.request .start').textContent()).toBe(`OPTIONS ${preflight.request.target} HTTP/${preflight.request.httpVersion}`);
    const requestHeaders = await first.locator('pre.request .hdr').evaluateAll((els) => els.map((e) => e.textContent));
    expect(requestHeaders).toEqual(preflight.request.headers.map(([n, v]) => `${n}: ${v}\n`));
    const responseHeaders = await first.locator('pre.response .hdr').evaluateAll((els) => els.map((e) => e.textContent));
    expect(responseHeaders).toEqual(preflight.response!.headers.map(([n, v]) => `${n}: ${v}\n`));
    const highlighted = await first.locator('.hdr.cors .hn').evaluateAll((els) => els.map((e) => e.textContent));
    expect(highlighted).toEqual(expect.arrayContaining(['Access-Control-Request-Method', 'Origin', 'Access-Control-Allow-Origin']));
    expect(highlighted).not.toContain('Host');
    expect(await first.locator('.badge.handler').textContent()).toContain('did not reach');

    const detailText = (await detail.textContent()) ?? '';
    expect(observed.js.kind).toBe('error');
    if (observed.js.kind === 'error') expect(detailText).toContain(`${observed.js.name}: ${observed.js.message}`);
    const consoleMessage = observed.messages.find((m) => m.source === 'console');
    expect(consoleMessage).toBeDefined();
    expect(detailText).toContain(consoleMessage!.text);

    // Escape closes the detail and gives focus back to the cell it came from.
    await page.keyboard.press('Escape');
    expect(await page.locator('dialog[open]').count()).toBe(0);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.open)).toBe(BLOCKED);
    expect(new URL(page.url()).hash).not.toContain('cell=');
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('reaches a detail from the keyboard and highlights what differed in a failing cell', async () => {
    const page = await openReport(path.join(dir, 'index.html'));
    // Arrow keys walk the matrix: from the blocked cell, down one row is the failing one.
    await page.locator(`td[data-cell-id="${BLOCKED}"] button`).focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.open)).toBe(FAILING);
    await page.keyboard.press('Enter');
    const detail = page.locator('dialog[open]');
    await detail.waitFor();
    const differs = detail.locator('table.expect tr.differs');
    expect(await differs.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.field))).toEqual(cell(FAILING).differences.map((d) => d.field));
    expect(await detail.locator('tr[data-field="result"] td').evaluateAll((tds) => tds.map((td) => td.textContent))).toEqual(['blocked', 'allowed', '\u2717 differs']);
    expect(await detail.locator('tr[data-field="preflight"]').getAttribute('class')).toBeNull();
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('shows markup from the results as text and runs none of it', async () => {
    const hostile = cell(HOSTILE);
    const scenario = results.scenarios.find((s) => s.id === hostile.scenario)!;
    expect(scenario.title).toContain('<script>window.__pwned = 1</script>');
    expect(scenario.title).toContain('<img src=x onerror="window.__pwned = 1">');
    const page = await openReport(path.join(dir, 'index.html'));
    // The title carries an <img onerror>: were it markup, its failed load would run the handler. Give it time to.
    await settle(page);
    expect(await pwned(page)).toBeUndefined();
    expect(await page.locator('tr.scenario .stitle').filter({ hasText: 'Markup stays text' }).textContent()).toBe(scenario.title);
    expect(await page.locator(`tr[data-row="${hostile.scenario}#0"] .pname`).textContent()).toBe(hostile.probeName);

    await page.locator(`td[data-cell-id="${HOSTILE}"] button`).click();
    const detail = page.locator('dialog[open]');
    await detail.waitFor();
    expect(await detail.locator('h2').textContent()).toBe(scenario.title);
    expect(await detail.locator('p.lesson').first().textContent()).toBe(scenario.lesson.trim());
    expect(await texts(page, 'dialog[open] pre.code')).toContain(hostile.pageCode);
    // The header value and the body with markup, on the wire and as JavaScript read them.
    const detailText = (await detail.textContent()) ?? '';
    expect(detailText).toContain('X-Note: <script>window.__pwned = 1</script>');
    expect(detailText).toContain('</script><script>window.__pwned = 1</script>');

    await page.locator(`tr[data-row="${hostile.scenario}#0"] .pname`).hover({ force: true });
    await settle(page);
    expect(await pwned(page)).toBeUndefined();
    // Nothing from the data became an element: no <img onerror>, no <b onmouseover>, no extra <script>.
    expect(await page.locator('img, b, #app script').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(3);
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('filters rows by verdict, columns by stack, rows by search, and keeps the filters in the address', async () => {
    const page = await openReport(path.join(dir, 'index.html'));
    const rows = () => page.locator('tr.probe').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.row));
    const all = await rows();
    expect(all).toHaveLength(5);

    await page.locator('fieldset[data-filter="verdict"] input[value="pass"]').uncheck();
    expect(await rows()).toEqual(['basics/wrong-expectation#0']);
    expect(new URL(page.url()).hash).toContain('verdict=fail%2Cerror');

    // The address alone brings the same view back.
    await page.reload();
    await page.locator('html[data-ready="true"]').waitFor();
    expect(await rows()).toEqual(['basics/wrong-expectation#0']);
    expect(await page.locator('fieldset[data-filter="verdict"] input[value="pass"]').isChecked()).toBe(false);
    await page.locator('button.reset').click();
    expect(await rows()).toEqual(all);

    await page.locator('fieldset[data-filter="stack"] input[value="express-cors"]').uncheck();
    expect(await texts(page, 'th.stack')).toEqual(results.environment.stacks.filter((s) => s.name !== 'express-cors').map((s) => s.label));
    expect(await page.locator('td[data-cell-id*="@express-cors/"]').count()).toBe(0);
    await page.locator('button.reset').click();

    await page.locator('input[name="q"]').fill('hand-written');
    expect(await rows()).toEqual(['stack-specific/manual-only#0']);
    await page.close();
    expect(pageProblems).toEqual([]);
  });
});

describe('the reading view of the HTML report', () => {
  it('decides each claim from the cells: confirmed, refuted, not observable', () => {
    const verdicts = Object.fromEntries(results.curriculum!.claims.map((c) => [c.id, c.verdict]));
    expect(verdicts).toEqual({ 'a000-01': 'confirmed', 'a001-01': 'refuted', 'a002-01': 'not observable' });
    expect(results.curriculum!.claims[1]!.engines.chromium!.contradicted[0]).toMatchObject({ field: 'preflight', expected: false, observed: true });
  });

  it('shows the chapters in the curriculum\'s order, each lesson with its results across stacks and the claims it checks', async () => {
    const page = await openReport(path.join(dir, 'index.html'), '#view=course');
    expect(await texts(page, '.course section.chapter > h2')).toEqual(['1. One stack only', '2. The basics', '3. Hostile text']);
    const lesson = page.locator('article.lesson', { hasText: 'The allowed page reads the answer' });
    expect(await lesson.locator('.lesson-text').textContent()).toBe(results.scenarios.find((s) => s.id === 'basics/allowed-and-blocked')!.lesson.trim());
    // Two probes, three stacks each in Chromium: six squares, each opening its cell.
    expect(await lesson.locator('button.dot').count()).toBe(6);
    expect(await lesson.locator('.claims-checked').textContent()).toMatch(/a000-01.*confirmed.*a001-01.*refuted/);
    await lesson.locator('button.dot.v-pass', { hasText: '\u2717' }).first().click();
    await page.locator('dialog[open]').waitFor();
    expect(await page.locator('dialog[open] h2').textContent()).toBe('The allowed page reads the answer, and another page is blocked after the preflight');
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('lists every claim with its quote, its checks and a badge per engine, and runs none of the text', async () => {
    const page = await openReport(path.join(dir, 'index.html'), '#view=claims');
    expect(await texts(page, 'table.claims-index tbody th.mono')).toEqual([expect.stringMatching(/^a000-01/), expect.stringMatching(/^a001-01/), expect.stringMatching(/^a002-01/)]);
    const refuted = page.locator('#claim-a001-01');
    expect(await refuted.locator('td').last().textContent()).toContain('refuted');
    expect(await refuted.textContent()).toContain('preflight: yes');
    const hostile = page.locator('#claim-a002-01');
    expect(await hostile.locator('blockquote').textContent()).toBe('<img src=x onerror="window.__pwned = 1"> caps it at two hours');
    expect(await hostile.textContent()).toContain('not observable in real time');
    await settle(page);
    expect(await pwned(page)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    // From a claim to the lesson that checks it.
    await page.locator('#claim-a000-01 button', { hasText: 'basics/allowed-and-blocked' }).click();
    await page.locator('.course').waitFor();
    expect(page.url()).toContain('view=course');
    await page.close();
    expect(pageProblems).toEqual([]);
  });
});

describe('the HTML report with more than one engine', () => {
  it('puts engines under each stack and marks rows where the engines disagree', async () => {
    // Only Chromium runs here, so a second engine is derived from this run's
    // cells; one of its observations is changed to disagree.
    const twoEngines: RunResults = structuredClone(results);
    twoEngines.environment.engines.push({ name: 'firefox', version: '140.0', shortVersion: '140', executable: '/nonexistent/firefox', source: 'playwright' });
    twoEngines.environment.missingEngines.push({ name: 'webkit', reason: 'no WebKit found on this machine' });
    const copies = results.cells.map((c): CellResult => {
      const copy = structuredClone(c);
      copy.engine = 'firefox';
      copy.id = c.id.replace('/chromium', '/firefox');
      if (c.id === BLOCKED && copy.observed) copy.observed.result = 'allowed';
      return copy;
    });
    twoEngines.cells = [...results.cells, ...copies];
    twoEngines.engineDisagreements = engineDisagreements(twoEngines.cells);
    const other = path.join(dir, 'two-engines');
    await new HtmlReporter(other).onRunEnd(twoEngines);

    const page = await openReport(path.join(other, 'index.html'));
    expect(await page.locator('header.run li.missing').textContent()).toBe('webkit: no WebKit found on this machine');
    expect(await page.locator('td[data-cell-id]').count()).toBe(twoEngines.cells.length);
    expect(await texts(page, 'th.stack')).toEqual(results.environment.stacks.map((s) => s.label));
    expect((await texts(page, 'th.engine')).map((t) => t.replace(/\d+$/, ''))).toEqual(['chromium', 'firefox', 'chromium', 'firefox', 'chromium', 'firefox']);
    const disagreeing = await page.locator('tr.probe[data-disagree]').evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.row} ${(tr as HTMLElement).dataset.disagree}`));
    expect(disagreeing).toEqual(['basics/allowed-and-blocked#1 express-cors']);
    expect(await page.locator('tr.probe[data-disagree] .badge.disagree').textContent()).toContain('engines disagree');

    await page.locator('input[name="disagree"]').check();
    expect(await page.locator('tr.probe').count()).toBe(1);
    await page.locator('fieldset[data-filter="engine"] input[value="firefox"]').uncheck();
    expect(await page.locator('th.engine').count()).toBe(3);
    await page.close();
    expect(pageProblems).toEqual([]);
  });
});
