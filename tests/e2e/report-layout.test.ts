/**
 * The HTML report on a phone and on a wide screen (issue 18): a real run of
 * the fixture scenarios in tests/fixtures/html-report/ writes its reports
 * through the reporters' catalog; a larger report is rendered from the same
 * observations (many scenarios, three engines, an error whose message has
 * several lines), and a partial run (--grep) writes a third. Each is opened
 * from file:// in headless Chromium at 390 and 1440 CSS pixels, in light and
 * dark, and looked at the way a reader would: does the page fit, does the
 * drawer, do the headers stay, do the links lead somewhere.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReporters } from '../../harness/reporters/catalog.ts';
import { HtmlReporter } from '../../harness/reporters/html/html-reporter.ts';
import { launchReportBrowser } from '../../harness/reporters/html/report-browser.ts';
import { JsonReporter } from '../../harness/reporters/json/json-reporter.ts';
import { JunitReporter } from '../../harness/reporters/junit/junit-reporter.ts';
import { engineDisagreements } from '../../harness/observations/engine-differences.ts';
import { loadCurriculum } from '../../harness/curriculum/load.ts';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import type { CellResult, RunResults } from '../../harness/results/types.ts';
import { runFixtures } from './helpers.ts';

const PHONE = { width: 390, height: 844 };
const WIDE = { width: 1440, height: 900 };
const ERROR_MESSAGE = 'the app behind the recorder failed: build error\n  at line one\n  at line two';
const quiet = { write: () => true };

let browser: Browser;
let fullDir: string;
let largeDir: string;
let partialDir: string;
let results: RunResults;
let large: RunResults;
let errorCell: string;
let stoppedCell: string;

/** What the page said wrong: errors and warnings on its console, and uncaught errors. */
let problems: string[] = [];

async function openReport(dir: string, options: { size: { width: number; height: number }; scheme?: 'light' | 'dark'; hash?: string }): Promise<Page> {
  problems = [];
  const phone = options.size.width < 640;
  const context = await browser.newContext({ viewport: options.size, colorScheme: options.scheme ?? 'light', hasTouch: phone, isMobile: phone });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  await page.goto(`${pathToFileURL(path.join(dir, 'index.html')).href}${options.hash ?? ''}`);
  await page.locator('html[data-ready="true"]').waitFor({ timeout: 30_000 });
  return page;
}

async function close(page: Page): Promise<void> {
  await page.context().close();
  expect(problems).toEqual([]);
}

/** Two frames: long enough for a scroll or a style change to be laid out and painted. */
const settle = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/** How far the document is wider than the window (0: no sideways scrolling of the page). */
const overflow = (page: Page) => page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth);

/**
 * Relative luminance and contrast ratio (WCAG 2: https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)
 * of two computed colours.
 */
function contrast(a: string, b: string): number {
  const lum = (rgb: string) => {
    const [r, g, bl] = rgb.match(/[\d.]+/g)!.slice(0, 3).map((v) => Number(v) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
const luminance = (rgb: string) => contrast(rgb, 'rgb(0, 0, 0)') * 0.05 - 0.05;

/**
 * The fixture run, made larger: every scenario twelve times over and the
 * cells copied to Firefox and WebKit columns, so the matrix is taller than a
 * window and wider than a phone; one cell is a harness error whose message
 * has several lines.
 */
function enlarge(base: RunResults): RunResults {
  const out: RunResults = structuredClone(base);
  out.environment.engines.push(
    { name: 'firefox', version: '153.0', shortVersion: '153', executable: '/nonexistent/firefox', source: 'system' },
    { name: 'webkit', version: '2.50.0', shortVersion: '2.50', executable: '/nonexistent/MiniBrowser', source: 'system' },
  );
  out.filters.engines = ['chromium', 'firefox', 'webkit'];
  const cells: CellResult[] = [];
  for (let copy = 0; copy < 12; copy++) {
    const rename = (id: string) => (copy === 0 ? id : `${id}-copy${copy}`);
    if (copy > 0) out.scenarios.push(...base.scenarios.map((s) => ({ ...structuredClone(s), id: rename(s.id), title: `${s.title} (copy ${copy})` })));
    for (const engine of ['chromium', 'firefox', 'webkit']) {
      for (const c of base.cells) {
        const cell = structuredClone(c);
        cell.engine = engine;
        cell.scenario = rename(c.scenario);
        cell.id = `${cell.scenario}#${c.probe}@${c.stack}/${engine}`;
        cells.push(cell);
      }
    }
  }
  const broken = cells.find((c) => c.engine === 'webkit' && c.verdict === 'pass')!;
  broken.verdict = 'error';
  broken.error = ERROR_MESSAGE;
  broken.differences = [];
  errorCell = broken.id;
  // And the run stopped before its last cell (--max-failures).
  const last = cells.pop()!;
  stoppedCell = last.id;
  out.notRun = { reason: '--max-failures 1: 1 cell failed or errored, so no new cell started', maxFailures: 1, cells: [{ id: last.id, scenario: last.scenario, probe: last.probe, probeName: last.probeName, stack: last.stack, engine: last.engine }] };
  out.cells = cells;
  out.engineDisagreements = engineDisagreements(cells);
  out.summary = { ...out.summary, total: cells.length, pass: cells.filter((c) => c.verdict === 'pass').length, fail: cells.filter((c) => c.verdict === 'fail').length, error: 1, notRun: 1 };
  return out;
}

beforeAll(async () => {
  const curriculumDir = 'tests/fixtures/html-report-curriculum';
  const curriculum = { ...(await loadCurriculum(curriculumDir, await loadScenarios(['tests/fixtures/html-report'], 'tests/fixtures/html-report'))), dir: curriculumDir };
  const stacks = ['express-cors', 'express-manual', 'fastify-cors'];
  const temporary = (name: string) => mkdtemp(path.join(os.tmpdir(), `corslab-layout-${name}-`));
  fullDir = await temporary('full');
  largeDir = await temporary('large');
  partialDir = await temporary('partial');
  // The reporters as a run makes them, in the order the catalog gives them.
  results = await runFixtures('html-report', { reporters: createReporters(['html', 'json', 'junit'], fullDir), stacks, curriculum });

  large = enlarge(results);
  for (const reporter of [new JsonReporter(largeDir), new JunitReporter(largeDir), new HtmlReporter(largeDir, quiet)]) await reporter.onRunEnd(large);

  // A results.json left by an earlier run is not this run's: the partial run's report must not link it.
  const stale = path.join(partialDir, 'results.json');
  await writeFile(stale, '{}\n');
  const anHourAgo = new Date(Date.now() - 3_600_000);
  await utimes(stale, anHourAgo, anHourAgo);
  await runFixtures('html-report', { reporters: [new HtmlReporter(partialDir, quiet)], stacks, curriculum, grep: /hostile|wrong-expectation/ });
  browser = await launchReportBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const dir of [fullDir, largeDir, partialDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the HTML report on a phone and on a wide screen', () => {
  for (const size of [PHONE, WIDE]) {
    it(`never scrolls the page sideways at ${size.width} px, in any view, with or without the drawer`, async () => {
      const page = await openReport(largeDir, { size });
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      // The matrix is wider than a phone: it scrolls inside its own box instead.
      const box = page.locator('.matrix-scroll');
      const [scrollWidth, clientWidth] = await box.evaluate((b) => [b.scrollWidth, b.clientWidth]);
      if (size === PHONE) expect(scrollWidth).toBeGreaterThan(clientWidth);
      for (const view of ['course', 'claims']) {
        await page.locator('nav.views .tab', { hasText: view === 'course' ? 'Course' : 'Claims index' }).click();
        await settle(page);
        expect(await overflow(page), view).toBeLessThanOrEqual(0);
      }
      await close(page);
    });

    it(`shows the whole drawer inside the window at ${size.width} px, opened by a ${size === PHONE ? 'tap' : 'click'} on the cell`, async () => {
      const page = await openReport(largeDir, { size });
      // A cell far from the top left: the matrix has to scroll both ways to reach it.
      const id = large.cells.find((c) => c.engine === 'webkit' && c.stack === 'fastify-cors' && c.scenario.endsWith('-copy3'))!.id;
      const button = page.locator(`td[data-cell-id="${id}"] button`);
      if (size === PHONE) await button.tap();
      else await button.click();
      const dialog = page.locator('dialog[open]');
      await dialog.waitFor();
      // The cell tapped is the one opened.
      expect(new URL(page.url()).hash).toContain(`cell=${encodeURIComponent(id)}`);
      expect(await dialog.locator('.detail-head').textContent()).toContain('webkit');
      expect(await dialog.locator('h2').textContent()).toContain('(copy 3)');
      const rect = await dialog.evaluate((d) => d.getBoundingClientRect().toJSON() as DOMRect);
      const viewport = page.viewportSize()!;
      expect(rect.left).toBeGreaterThanOrEqual(0);
      expect(rect.top).toBeGreaterThanOrEqual(0);
      expect(rect.right).toBeLessThanOrEqual(viewport.width);
      expect(rect.bottom).toBeLessThanOrEqual(viewport.height);
      if (size === PHONE) expect(rect.width).toBe(viewport.width);
      // Nothing inside it is cut off at the side either: it scrolls only up and down.
      const body = dialog.locator('.detail-body');
      const [inner, outer] = await body.evaluate((b) => [b.scrollWidth, b.clientWidth]);
      expect(inner).toBeLessThanOrEqual(outer);
      for (const control of ['button.nav >> nth=0', 'button.nav >> nth=1', 'button.close']) expect(await dialog.locator(control).isVisible()).toBe(true);
      const close_ = dialog.locator('button.close');
      const closeRect = await close_.evaluate((b) => b.getBoundingClientRect().toJSON() as DOMRect);
      expect(closeRect.right).toBeLessThanOrEqual(viewport.width);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await close(page);
    });

    it(`keeps the column headers and the row headers in view when the matrix scrolls, at ${size.width} px`, async () => {
      const page = await openReport(largeDir, { size });
      const box = page.locator('.matrix-scroll');
      await box.evaluate((b) => b.scrollIntoView({ block: 'start' }));
      await box.evaluate((b) => {
        b.scrollTop = 1500;
        b.scrollLeft = 250;
      });
      await settle(page);
      const geometry = await box.evaluate((b) => {
        const r = b.getBoundingClientRect();
        const stack = b.querySelector('thead th.stack')!.getBoundingClientRect();
        const corner = b.querySelector('thead th.corner')!.getBoundingClientRect();
        // What a reader sees just below the header row at the left edge, and at the top in the middle.
        const left = document.elementFromPoint(r.left + 8, corner.bottom + 40);
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + 8);
        return {
          scrolled: [b.scrollTop, b.scrollLeft],
          wider: b.scrollWidth > b.clientWidth,
          box: r.toJSON() as DOMRect,
          stack: stack.toJSON() as DOMRect,
          corner: corner.toJSON() as DOMRect,
          leftIsRowHeader: Boolean(left && left.closest('tr.probe > th, tr.scenario > th, tr.chapter > th')),
          topIsColumnHeader: Boolean(top && top.closest('table.matrix-head')),
        };
      });
      expect(geometry.scrolled[0]).toBeGreaterThan(1000);
      // Nine columns fit 1440 px (the default suite's thirty do not); on a phone they scroll sideways.
      expect(geometry.wider).toBe(size === PHONE);
      if (geometry.wider) expect(geometry.scrolled[1]).toBeGreaterThan(0);
      // The header row sits at the top of the box, and the box's top is in the window.
      expect(Math.abs(geometry.corner.top - geometry.box.top)).toBeLessThanOrEqual(2);
      expect(Math.abs(geometry.stack.top - geometry.box.top)).toBeLessThanOrEqual(2);
      expect(geometry.box.top).toBeGreaterThanOrEqual(-1);
      expect(geometry.corner.bottom).toBeLessThanOrEqual(page.viewportSize()!.height);
      // The first column sits at the left of the box, over the cells scrolled under it.
      expect(Math.abs(geometry.corner.left - geometry.box.left)).toBeLessThanOrEqual(2);
      expect(geometry.leftIsRowHeader).toBe(true);
      expect(geometry.topIsColumnHeader).toBe(true);
      await close(page);
    });
  }

  it('follows prefers-color-scheme: dark colours under colorScheme dark, light ones otherwise, readable either way', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await openReport(largeDir, { size: WIDE, scheme });
      const colours = await page.evaluate(() => {
        const style = (selector: string) => {
          const el = document.querySelector(selector)!;
          const s = getComputedStyle(el);
          return { color: s.color, background: s.backgroundColor };
        };
        return {
          prefersDark: matchMedia('(prefers-color-scheme: dark)').matches,
          body: style('body'),
          header: style('table.matrix-head th.stack'),
          rowHeader: style('tr.probe > th'),
          pass: style('td.v-pass .cellbtn'),
          fail: style('td.v-fail .cellbtn'),
          error: style('td.v-error .cellbtn'),
          filters: style('form.filters'),
        };
      });
      expect(colours.prefersDark).toBe(scheme === 'dark');
      if (scheme === 'dark') {
        expect(luminance(colours.body.background)).toBeLessThan(0.05);
        expect(luminance(colours.body.color)).toBeGreaterThan(0.7);
        expect(luminance(colours.filters.background)).toBeLessThan(0.05);
      } else {
        expect(colours.body.background).toBe('rgb(255, 255, 255)');
        expect(luminance(colours.body.color)).toBeLessThan(0.05);
      }
      // The sticky headers are opaque in the page's own colour, so cells do not show through them.
      expect(colours.header.background).toBe(colours.body.background);
      expect(colours.rowHeader.background).toBe(colours.body.background);
      for (const verdict of ['pass', 'fail', 'error'] as const) {
        expect(contrast(colours[verdict].color, colours[verdict].background), `${scheme} ${verdict}`).toBeGreaterThanOrEqual(4.5);
      }
      // The drawer follows the scheme too.
      await page.locator(`td[data-cell-id="${errorCell}"] button`).click();
      const drawer = await page.locator('dialog[open]').evaluate((d) => getComputedStyle(d).backgroundColor);
      expect(drawer).toBe(colours.body.background);
      await close(page);
    }
  });

  it('explains the symbols and colours of the matrix in a legend', async () => {
    const page = await openReport(fullDir, { size: PHONE });
    const legend = (await page.locator('.legend-bar').textContent()) ?? '';
    for (const words of ['pass', 'fail', 'error', 'not run', 'allowed', 'blocked', 'opaque', '\u2260 standard', 'engines disagree', 'from evil']) expect(legend).toContain(words);
    await close(page);
  });

  it('keeps the line breaks of an error message', async () => {
    const page = await openReport(largeDir, { size: PHONE });
    await page.locator(`td[data-cell-id="${errorCell}"] button`).tap();
    const message = page.locator('dialog[open] .banner.v-error .error-message').first();
    expect(await message.innerText()).toBe(ERROR_MESSAGE);
    expect(await message.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
    await close(page);
  });
});

describe('a run that stopped early', () => {
  it('shows the cells it never started as not run, with the reason', async () => {
    const page = await openReport(largeDir, { size: WIDE });
    expect(await page.locator('header.run .chip.not-run').textContent()).toBe('1 cell not run: --max-failures 1: 1 cell failed or errored, so no new cell started');
    const [scenario, rest] = stoppedCell.split('#') as [string, string];
    const [probe, column] = rest.split('@') as [string, string];
    const columns = await page.locator('thead th.engine').count();
    const index = large.environment.stacks.findIndex((s) => column.startsWith(`${s.name}/`)) * 3 + ['chromium', 'firefox', 'webkit'].indexOf(column.split('/')[1]!);
    expect(columns).toBe(9);
    const td = page.locator(`tr[data-row="${scenario}#${probe}"] td.cell`).nth(index);
    expect(await td.getAttribute('class')).toContain('empty');
    expect(await td.getAttribute('title')).toBe('Not run: the run stopped before this cell (--max-failures 1: 1 cell failed or errored, so no new cell started)');
    await close(page);
  });
});

describe('a cell named in the address', () => {
  it('opens at once, and shows its evidence as soon as the report has unpacked it', async () => {
    const page = await openReport(largeDir, { size: PHONE, hash: `#cell=${encodeURIComponent(errorCell)}` });
    const dialog = page.locator('dialog[open]');
    await dialog.locator('.banner.v-error .error-message').first().waitFor();
    expect(await dialog.locator('.banner.v-error .error-message').first().innerText()).toBe(ERROR_MESSAGE);
    expect(await page.locator('td.cell.current').getAttribute('data-cell-id')).toBe(errorCell);
    await close(page);
  });
});

describe('the download links of the HTML report', () => {
  it('links results.json and junit.xml beside index.html, relatively, and each leads to the file', async () => {
    const page = await openReport(fullDir, { size: WIDE });
    const links = await page.locator('a[data-download]').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), resolved: (a as HTMLAnchorElement).href })));
    expect(links.map((l) => l.href)).toEqual(['results.json', 'junit.xml']);
    for (const link of links) {
      const file = fileURLToPath(link.resolved);
      expect(path.dirname(file)).toBe(fullDir);
      expect(existsSync(file), file).toBe(true);
    }
    await close(page);
  });

  it('links nothing the run did not write: a report alone, beside an older results.json, has no download link', async () => {
    expect(existsSync(path.join(partialDir, 'results.json'))).toBe(true);
    const page = await openReport(partialDir, { size: WIDE });
    expect(await page.locator('a[data-download]').count()).toBe(0);
    expect(await page.locator('.downloads').count()).toBe(0);
    await close(page);
  });
});

describe('the claims index of a partial run', () => {
  it('says which claims the run decided and which it could not, and why', async () => {
    const page = await openReport(partialDir, { size: PHONE, hash: '#view=claims' });
    expect(await page.locator('nav.views .tab', { hasText: 'Claims index' }).textContent()).toBe('Claims index (1 of 3 decided)');
    const banner = page.locator('.banner.partial');
    expect(await banner.getAttribute('data-decided')).toBe('0');
    expect(await banner.getAttribute('data-undecided')).toBe('2');
    expect(await banner.textContent()).toMatch(/^This run decided 0 of 3 claims \(and 1 cannot be observed in real time\)\. 2 could not be decided here: .*--grep hostile\|wrong-expectation/);
    const groups = await page.locator('tr.group th').evaluateAll((ths) => ths.map((th) => th.textContent ?? ''));
    expect(groups.map((g) => g.replace(/ \(.*/, ''))).toEqual(['Decided by this run', 'Not decided by this run']);
    for (const id of ['a000-01', 'a001-01']) {
      expect(await page.locator(`#claim-${id}`).getAttribute('class')).toContain('undecided');
      expect(await page.locator(`#claim-${id} .undecided-why`).textContent()).toBe('Not decided by this run: its scenario basics/allowed-and-blocked did not run.');
    }
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await close(page);
  });

  it('says nothing of the kind after a run of the whole fixture suite', async () => {
    const page = await openReport(fullDir, { size: WIDE, hash: '#view=claims' });
    expect(await page.locator('.banner.partial').count()).toBe(0);
    expect(await page.locator('tr.group').count()).toBe(0);
    expect(await page.locator('nav.views .tab', { hasText: 'Claims index' }).textContent()).toBe('Claims index (3)');
    await close(page);
  });
});
