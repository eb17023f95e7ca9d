import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeReportFile } from '../write-report.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from '../reporter.ts';
import type { RunResults } from '../../results/types.ts';

/** The viewer's sources, kept as real files beside this one and inlined into every report. */
const VIEWER_JS = fileURLToPath(new URL('./viewer.js', import.meta.url));
const VIEWER_CSS = fileURLToPath(new URL('./viewer.css', import.meta.url));

/** The id of the data block the viewer reads its RunResults from. */
export const DATA_ELEMENT_ID = 'corslab-results';

export interface ViewerAssets {
  js: string;
  css: string;
}

export async function readViewerAssets(): Promise<ViewerAssets> {
  const [js, css] = await Promise.all([readFile(VIEWER_JS, 'utf8'), readFile(VIEWER_CSS, 'utf8')]);
  return { js, css };
}

/**
 * JSON that can sit inside a <script> element. Escaping every `<` means the
 * data can contain neither `</script` (which would end the element) nor `<!--`
 * (which changes how the parser looks for the end). U+2028 and U+2029 are
 * escaped too, so the text is also a valid JavaScript string literal should
 * anyone ever paste it into code.
 * https://html.spec.whatwg.org/multipage/scripting.html#restrictions-for-contents-of-script-elements
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Text for a <title>, where only `&` and `<` mean anything. */
const escapeTitle = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/**
 * The whole report as one HTML document: the viewer's CSS and JS inlined and
 * the run's results embedded as data, so it opens offline from file://.
 *
 * The Content-Security-Policy allows exactly the two inlined assets (by hash)
 * and nothing else: no network, no other script. The viewer already renders
 * every string as text; the policy is the second lock, so that even a bug
 * there could not make a scenario's text run as code.
 */
export function renderReport(results: RunResults, assets: ViewerAssets): string {
  for (const [name, text] of [['viewer.js', assets.js], ['viewer.css', assets.css]] as const) {
    // The assets are inlined verbatim, so they must not end their own element early.
    if (/<\/(script|style)|<!--/i.test(text)) throw new Error(`${name} contains "</script", "</style" or "<!--"; it cannot be inlined`);
  }
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(assets.js)}`,
    `style-src ${sha256(assets.css)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const { pass, fail, error, total } = results.summary;
  const title = `CORS Lab report: ${pass}/${total} pass${fail ? `, ${fail} fail` : ''}${error ? `, ${error} error` : ''}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="corslab">',
    // An empty icon, so a browser that serves this file over HTTP asks for no favicon.
    '<link rel="icon" href="data:,">',
    `<title>${escapeTitle(title)}</title>`,
    `<style>${assets.css}</style>`,
    '</head>',
    '<body>',
    '<div id="app"><noscript><p>This report is drawn by JavaScript. The same data is in results.json when the JSON reporter ran.</p></noscript></div>',
    `<script type="application/json" id="${DATA_ELEMENT_ID}">${embedJson(results)}</script>`,
    `<script>${assets.js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Writes `index.html`: one static file, like Playwright's HTML report, that
 * shows the matrix, filters and every cell's evidence from the RunResults
 * (harness/results/types.ts), the only contract between writer and viewer.
 */
export class HtmlReporter implements Reporter {
  constructor(
    private readonly outputDir: string,
    /** Where it says where the report is, once it is written (like Playwright's HTML reporter). */
    private readonly out: { write(text: string): unknown } = process.stdout,
  ) {}

  async onRunEnd(results: RunResults): Promise<void> {
    const html = renderReport(results, await readViewerAssets());
    const file = await writeReportFile(this.outputDir, 'index.html', html);
    this.out.write(`Report: ${path.resolve(file)}\n`);
  }
}
