/**
 * The README screenshot of the HTML report.
 *
 *   npx tsx scripts/screenshot-report.ts [path/to/index.html] [out.png] [matrix|course|claims]
 *
 * Defaults: reports/latest/index.html (what `node bin/corslab.js run` writes)
 * and docs/report.png. Opens the report in headless Chromium, opens the detail
 * of one failing cell (else an erroring one, else a blocked one with its fix) so the picture
 * shows the evidence as well as the matrix, and writes a 1280x900 PNG.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchReportBrowser } from '../harness/reporters/html/report-browser.ts';

const [reportArg = 'reports/latest/index.html', outArg = 'docs/report.png', view = 'matrix'] = process.argv.slice(2);
if (!['matrix', 'course', 'claims'].includes(view)) {
  process.stderr.write(`screenshot-report: the view is matrix, course or claims, not ${view}\n`);
  process.exit(2);
}
const report = path.resolve(reportArg);
const out = path.resolve(outArg);
if (!existsSync(report)) {
  process.stderr.write(`screenshot-report: ${report} does not exist; run \`node bin/corslab.js run --engine chromium\` first\n`);
  process.exit(2);
}

const browser = await launchReportBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${pathToFileURL(report).href}${view === 'matrix' ? '' : `#view=${view}`}`);
  await page.locator('html[data-ready="true"]').waitFor({ timeout: 10_000 });

  // The most telling cell first: a failure shows expected vs observed; otherwise a
  // blocked cell of the site's own page, which shows the reason and the fix.
  const candidates = ['td.cell.v-fail button', 'td.cell.v-error button'];
  // The reading views are shown as they open; the matrix with one cell's evidence.
  let opened = view !== 'matrix';
  for (const selector of opened ? [] : candidates) {
    const cell = page.locator(selector).first();
    if ((await cell.count()) > 0) {
      await cell.click();
      opened = true;
      break;
    }
  }
  if (!opened) {
    const fixedId = await page.evaluate(() => {
      const data = JSON.parse(document.getElementById('corslab-results')?.textContent ?? 'null') as {
        cells: { id: string; scenario: string; explanation?: { fix?: unknown } }[];
      } | null;
      const withFix = data?.cells.filter((c) => c.explanation?.fix) ?? [];
      return (withFix.find((c) => c.scenario === 'origins/trailing-slash') ?? withFix[0])?.id;
    });
    const target = fixedId ? page.locator(`button[data-open="${fixedId}"]`) : page.locator('td.cell button', { has: page.locator('.result', { hasText: /^blocked$/ }) }).first();
    if ((await target.count()) > 0) await target.click();
  }

  await mkdir(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: false });
  if (problems.length) throw new Error(`the report raised errors: ${problems.join('; ')}`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)} from ${path.relative(process.cwd(), report)}\n`);
} finally {
  await browser.close();
}
