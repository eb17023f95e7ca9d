/**
 * The README screenshots of the HTML report.
 *
 *   npx tsx scripts/screenshot-report.ts [report] [out.png] [view] [--width 1440] [--height 900] [--scheme light|dark] [--cell ID] [--at-matrix] [--full]
 *
 * report: default reports/latest/index.html (what `node bin/corslab.js run`
 * writes). out.png: default docs/report.png. view: `cell` (the default: the
 * matrix with the detail of one telling cell open: a failing cell, else an
 * erroring one, else a blocked one with its fix), `matrix` (the matrix
 * alone), `course` or `claims`. --width and --height: the viewport in CSS
 * pixels (default 1280x900; below 640 the page is a phone's: touch, and the
 * cell is opened by a tap). --scheme: the colour scheme the page is shown in
 * (prefers-color-scheme; default light). --cell: the id of the cell the
 * `cell` view opens (`origins/trailing-slash#0@express-cors/chromium`),
 * instead of the telling one it picks. --at-matrix: scrolled down to the
 * matrix, which then fills the window (on a phone the run's header and the
 * filters come first). --full: the whole page, not the window. Opens the
 * report in headless Chromium and writes the PNG.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { launchReportBrowser } from '../harness/reporters/html/report-browser.ts';
import { readEmbeddedResults } from '../harness/reporters/html/html-reporter.ts';

const VIEWS = ['cell', 'matrix', 'course', 'claims'] as const;
const fail = (text: string): never => {
  process.stderr.write(`screenshot-report: ${text}\n`);
  process.exit(2);
};
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { width: { type: 'string', default: '1280' }, height: { type: 'string', default: '900' }, scheme: { type: 'string', default: 'light' }, full: { type: 'boolean', default: false }, 'at-matrix': { type: 'boolean', default: false }, cell: { type: 'string' } },
});
const [reportArg = 'reports/latest/index.html', outArg = 'docs/report.png', view = 'cell'] = positionals;
const width = Number(values.width);
const height = Number(values.height);
const scheme = values.scheme;
if (!VIEWS.some((v) => v === view)) fail(`the view is ${VIEWS.join(', ')}, not ${view}`);
if (!Number.isInteger(width) || width < 200 || !Number.isInteger(height) || height < 200) fail(`--width and --height are whole numbers of CSS pixels, at least 200 (got ${values.width}x${values.height})`);
if (scheme !== 'light' && scheme !== 'dark') fail(`--scheme is light or dark, not ${scheme}`);
// A report's folder (what `corslab run -o` names) means its index.html: a folder itself would open as a listing, never as a report.
const report = existsSync(reportArg) && statSync(reportArg).isDirectory() ? path.resolve(reportArg, 'index.html') : path.resolve(reportArg);
const out = path.resolve(outArg);
if (!existsSync(report)) fail(`${report} does not exist; run \`node bin/corslab.js run --engine chromium\` first`);

const phone = width < 640;
const browser = await launchReportBrowser();
try {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme: scheme as 'light' | 'dark', hasTouch: phone, isMobile: phone });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  const hash = view === 'course' || view === 'claims' ? `#view=${view}` : '';
  await page.goto(`${pathToFileURL(report).href}${hash}`);
  await page.locator('html[data-ready="true"]').waitFor({ timeout: 30_000 });

  if (values['at-matrix']) await page.locator('.matrix-scroll').evaluate((box) => box.scrollIntoView({ block: 'start' }));
  if (view === 'cell') {
    const target = values.cell ? page.locator(`button[data-open="${values.cell}"]`) : await tellingCell(page);
    if (values.cell && (await target!.count()) === 0) fail(`the report has no cell ${values.cell}`);
    if (target) {
      // Brought into the matrix's view first, as a reader would scroll to it; then tapped or clicked.
      await target.scrollIntoViewIfNeeded();
      if (phone) await target.tap();
      else await target.click();
      await page.locator('dialog[open]').waitFor();
    }
  }

  await mkdir(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: values.full });
  if (problems.length) throw new Error(`the report raised errors: ${problems.join('; ')}`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)} (${width}x${height}, ${scheme}, ${view}) from ${path.relative(process.cwd(), report)}\n`);
} finally {
  await browser.close();
}

/**
 * The most telling cell: a failure shows expected vs observed, an error why
 * nothing could be observed; otherwise a blocked cell of the site's own page,
 * which shows the reason and the fix.
 */
async function tellingCell(page: import('playwright-core').Page) {
  for (const selector of ['td.cell.v-fail button', 'td.cell.v-error button']) {
    const cell = page.locator(selector).first();
    if ((await cell.count()) > 0) return cell;
  }
  const results = readEmbeddedResults(await readFile(report, 'utf8'));
  const withFix = results.cells.filter((c) => c.explanation?.fix);
  const fixed = withFix.find((c) => c.scenario === 'origins/trailing-slash') ?? withFix[0];
  const target = fixed ? page.locator(`button[data-open="${fixed.id}"]`) : page.locator('td.cell button', { has: page.locator('.result', { hasText: /^blocked$/ }) }).first();
  return (await target.count()) > 0 ? target : undefined;
}
