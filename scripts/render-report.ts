/**
 * Re-renders the HTML report from a results.json, without running anything:
 * after a change to the viewer, or to measure the report of a large run.
 *
 *   npx tsx scripts/render-report.ts [path/to/results.json] [output folder]
 *
 * Defaults: reports/latest/results.json, and the folder it is in. The report
 * links results.json and junit.xml when they are in the output folder. A
 * results.json of schema version 3 is read too: its cells' preflight and
 * actual exchanges become indexes into their exchanges, as version 4 has them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderReport, readViewerAssets, writtenSince } from '../harness/reporters/html/html-reporter.ts';
import { writeReportFile } from '../harness/reporters/write-report.ts';
import { RESULTS_SCHEMA_VERSION, type Exchange, type RunResults } from '../harness/results/types.ts';

const [resultsArg = 'reports/latest/results.json', outArg] = process.argv.slice(2);
const source = path.resolve(resultsArg);
const outDir = path.resolve(outArg ?? path.dirname(source));
if (!existsSync(source)) {
  process.stderr.write(`render-report: ${source} does not exist; run \`node bin/corslab.js run\` first\n`);
  process.exit(2);
}

const results = upgrade(JSON.parse(await readFile(source, 'utf8')) as { schemaVersion: number });
const started = Date.now();
const html = renderReport(results, await readViewerAssets(), { downloads: await writtenSince(outDir, Number.NaN) });
const file = await writeReportFile(outDir, 'index.html', html);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${html.length} bytes) from ${path.relative(process.cwd(), source)} in ${Date.now() - started} ms\n`);

/**
 * Version 3 kept a copy of the preflight and the actual exchange; version 4 points into `exchanges`.
 * Version 5 only added fields (the scenario set's hash, the shard, the machine, merged sources), which the report reads when they are there.
 */
function upgrade(value: { schemaVersion: number }): RunResults {
  if (value.schemaVersion === RESULTS_SCHEMA_VERSION) return value as RunResults;
  if (value.schemaVersion === 4) return { ...(value as unknown as RunResults), schemaVersion: RESULTS_SCHEMA_VERSION };
  if (value.schemaVersion !== 3) throw new Error(`render-report: results schema version ${value.schemaVersion} is not 3, 4 or ${RESULTS_SCHEMA_VERSION}`);
  type V3Observation = { exchanges: Exchange[]; preflight: Exchange | number | null; actual: Exchange | number | null };
  const old = value as unknown as { cells: { observed?: V3Observation }[] };
  for (const { observed } of old.cells) {
    if (!observed) continue;
    for (const hop of ['preflight', 'actual'] as const) {
      const copy = observed[hop];
      if (copy !== null && typeof copy === 'object') observed[hop] = observed.exchanges.findIndex((e) => e.seq === copy.seq && e.kind === copy.kind);
    }
  }
  return { ...(value as unknown as RunResults), schemaVersion: RESULTS_SCHEMA_VERSION };
}
