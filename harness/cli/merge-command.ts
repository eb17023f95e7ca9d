import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defaults } from '../config/defaults.ts';
import { createReporters } from '../reporters/catalog.ts';
import { ReporterMultiplexer } from '../reporters/reporter.ts';
import type { RunResults } from '../results/types.ts';
import { MergeError, mergeResults, type MergeInput } from '../run/merge.ts';
import { colorEnabled } from '../system/color.ts';
import { UsageError } from './flags.ts';
import { EXIT, say } from './messages.ts';
import { commandHelp, parseMergeArgs } from './options.ts';
import { checkOutputDir } from './run-command.ts';

/**
 * `corslab merge DIR...`: the results of several runs (the shards of one,
 * or runs on other machines or images) as one results.json and one report.
 * Everything is read and checked before anything is written.
 */
export async function mergeCommand(args: string[]): Promise<number> {
  const { help, dirs, config } = parseMergeArgs(args);
  if (help) {
    process.stdout.write(commandHelp('merge', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  if (dirs.length === 0) throw new UsageError('merge needs the folders of the runs to merge, each with a results.json: `corslab merge reports/shard-1 reports/shard-2 -o reports/merged`');
  const outputDir = config.outputDir ?? defaults.outputDir;
  const inputs = await Promise.all(dirs.map(readResults));
  // Writing over an input would lose it if anything went wrong half way.
  const input = dirs.find((d) => path.resolve(d) === path.resolve(outputDir));
  if (input) throw new UsageError(`--output ${outputDir} is one of the inputs; write the merged report to another folder (-o reports/merged)`);
  let merged: ReturnType<typeof mergeResults>;
  try {
    merged = mergeResults(inputs);
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`merge: ${error.message}`);
    throw error;
  }
  await checkOutputDir(outputDir);
  for (const note of merged.notes) say(note, 'note');
  const reporter = new ReporterMultiplexer(createReporters(config.reporters ?? [...defaults.reporters], outputDir));
  await reporter.onRunEnd(merged.results);
  const { sources } = merged.results.merged!;
  say(`merged ${merged.results.cells.length} cells from ${sources.length} run${sources.length === 1 ? '' : 's'} (${sources.map((s) => `${s.dir}${s.shard ? ` [shard ${s.shard.index}/${s.shard.total}]` : ''} on ${s.machine.hostname}`).join(', ')}) into ${outputDir}`);
  if (reporter.failures.length > 0) return EXIT.failed;
  return merged.results.summary.fail + merged.results.summary.error === 0 ? EXIT.ok : EXIT.failed;
}

async function readResults(dir: string): Promise<MergeInput> {
  const file = path.join(dir, 'results.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw new UsageError(`merge: ${file} ${code === 'ENOENT' ? 'does not exist (run with the json reporter, the default, to write it)' : `cannot be read: ${(error as Error).message}`}`);
  }
  let results: RunResults;
  try {
    results = JSON.parse(text) as RunResults;
  } catch (error) {
    throw new UsageError(`merge: ${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof results !== 'object' || results === null || !Array.isArray(results.cells) || typeof results.schemaVersion !== 'number') throw new UsageError(`merge: ${file} is not a corslab results.json (no schemaVersion and cells)`);
  return { dir, results };
}
