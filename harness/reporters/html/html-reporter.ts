import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeReportFile } from '../write-report.ts';
import type { Reporter } from '../reporter.ts';
import type { RunResults } from '../../results/types.ts';
import { joinResults, splitResults, type CellDetail, type ReportHead } from './embedded.ts';

/** The viewer's sources, kept as real files beside this one and inlined into every report. */
const VIEWER_JS = fileURLToPath(new URL('./viewer.js', import.meta.url));
const VIEWER_CSS = fileURLToPath(new URL('./viewer.css', import.meta.url));

/** The ids of the data blocks the viewer reads its RunResults from: the head first, the details when it needs them (embedded.ts). */
export const DATA_ELEMENT_ID = 'corslab-results';
export const DETAILS_ELEMENT_ID = 'corslab-details';
/** The data block's `data-encoding`: the results' JSON, gzipped, in base64. */
export const DATA_ENCODING = 'gzip+base64';
/**
 * The files beside index.html it may link to for download, when the run
 * wrote them (the viewer accepts only these names: a link is never built
 * from the results' own text).
 */
export const DOWNLOADS = ['results.json', 'junit.xml'] as const;
export type Download = (typeof DOWNLOADS)[number];

export interface ViewerAssets {
  js: string;
  css: string;
}

export async function readViewerAssets(): Promise<ViewerAssets> {
  const [js, css] = await Promise.all([readFile(VIEWER_JS, 'utf8'), readFile(VIEWER_CSS, 'utf8')]);
  return { js, css };
}

/**
 * A part of the results as the report embeds it: its JSON gzipped, then
 * base64. The JSON of the default suite is mostly repeated headers, code and
 * sentences, so it shrinks about twentyfold, and base64 holds no `<` or `&`,
 * so the text can sit inside a <script> data block as it is. The viewer
 * decompresses it with DecompressionStream, which every current engine has
 * (Chromium 80, Firefox 113, Safari 16.4) and which needs no network, so the
 * page still opens offline from file:// (issue 18).
 */
export function encodePart(value: unknown): string {
  return gzipSync(JSON.stringify(value), { level: 9 }).toString('base64');
}

function decodePart(html: string, id: string): unknown {
  const start = `<script type="application/gzip" id="${id}" data-encoding="${DATA_ENCODING}">`;
  const from = html.indexOf(start);
  const to = from === -1 ? -1 : html.indexOf('</script>', from);
  if (to === -1) throw new Error(`no <script id="${id}"> data block of ${DATA_ENCODING} in the report`);
  return JSON.parse(gunzipSync(Buffer.from(html.slice(from + start.length, to), 'base64')).toString('utf8'));
}

/** The results a report embeds, read back from its HTML and joined (for tests and scripts: the viewer has its own reader). */
export function readEmbeddedResults(html: string): RunResults {
  return joinResults(decodePart(html, DATA_ELEMENT_ID) as ReportHead, decodePart(html, DETAILS_ELEMENT_ID) as CellDetail[]);
}

export interface RenderOptions {
  /** Files beside index.html to offer for download (relative links: the folder can be published as it is). Default: none. */
  downloads?: readonly Download[];
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Text for a <title>, where only `&` and `<` mean anything. */
const escapeTitle = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/**
 * The whole report as one HTML document: the viewer's CSS and JS inlined and
 * the run's results embedded as compressed data (encodePart), so it opens
 * offline from file:// and refers to nothing by an absolute path: the folder
 * it is in can be published as a static page as it is.
 *
 * The Content-Security-Policy allows exactly the two inlined assets (by hash)
 * and nothing else: no network, no other script. The viewer already renders
 * every string as text; the policy is the second lock, so that even a bug
 * there could not make a scenario's text run as code.
 */
export function renderReport(results: RunResults, assets: ViewerAssets, options: RenderOptions = {}): string {
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
  const { head, details } = splitResults(results);
  const downloads = (options.downloads ?? []).filter((name) => DOWNLOADS.includes(name)).join(' ');
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
    `<div id="app"${downloads ? ` data-downloads="${downloads}"` : ''}><noscript><p>This report is drawn by JavaScript. The same data is in results.json when the JSON reporter ran.</p></noscript></div>`,
    // The head, then the details, which the viewer unpacks once the matrix is on screen (embedded.ts).
    `<script type="application/gzip" id="${DATA_ELEMENT_ID}" data-encoding="${DATA_ENCODING}">${encodePart(head)}</script>`,
    `<script type="application/gzip" id="${DETAILS_ELEMENT_ID}" data-encoding="${DATA_ENCODING}">${encodePart(details)}</script>`,
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
 * It links results.json and junit.xml beside it when this run wrote them
 * (the catalog runs it after their reporters).
 */
export class HtmlReporter implements Reporter {
  constructor(
    private readonly outputDir: string,
    /** Where it says where the report is, once it is written (like Playwright's HTML reporter). */
    private readonly out: { write(text: string): unknown } = process.stdout,
  ) {}

  async onRunEnd(results: RunResults): Promise<void> {
    const downloads = await writtenSince(this.outputDir, Date.parse(results.startedAt));
    const html = renderReport(results, await readViewerAssets(), { downloads });
    const file = await writeReportFile(this.outputDir, 'index.html', html);
    this.out.write(`Report: ${path.resolve(file)}\n`);
  }
}

/**
 * The downloadable files in the folder that were written since the run
 * started (`since`, ms since the epoch): a file left by an earlier run is not
 * this run's, and gets no link. `since` NaN: every one that is there (a
 * report rendered again from its results.json, scripts/render-report.ts).
 */
export async function writtenSince(dir: string, since: number): Promise<Download[]> {
  const found: Download[] = [];
  for (const name of DOWNLOADS) {
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    // mtime has a coarser clock than Date.now() on some file systems: a second's grace.
    if (info?.isFile() && (Number.isNaN(since) || info.mtimeMs >= since - 1000)) found.push(name);
  }
  return found;
}
