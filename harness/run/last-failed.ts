import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RunSetupError } from './prepare.ts';

/** What `--last-failed` read from the previous run's results. */
export interface LastFailed {
  /** The results file read. */
  file: string;
  /** When that run started (its `startedAt`). */
  startedAt: string;
  /** The ids (`scenario#probe@stack/engine`) of its cells that failed or errored; empty when none did. */
  ids: ReadonlySet<string>;
}

/**
 * The cells that failed or errored in the previous run, from `results.json`
 * in the reports' folder (the JSON reporter writes it; a run without that
 * reporter leaves the previous one in place). Only each cell's id and
 * verdict are read, so results of an older or newer schema do too. No file,
 * or one that is not a run's results, is bad input: a RunSetupError that
 * says where it looked.
 */
export async function lastFailed(outputDir: string): Promise<LastFailed> {
  const file = path.join(outputDir, 'results.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunSetupError(
      code === 'ENOENT'
        ? `--last-failed: there are no previous results in ${file}; run once without --last-failed (with the json reporter and the same --output) first`
        : `--last-failed: ${file} cannot be read (${code ?? String(error)})`,
    );
  }
  let results: unknown;
  try {
    results = JSON.parse(text);
  } catch (error) {
    throw new RunSetupError(`--last-failed: ${file} is not JSON (${(error as Error).message})`);
  }
  const cells = (results as { cells?: unknown }).cells;
  if (!Array.isArray(cells)) throw new RunSetupError(`--last-failed: ${file} holds no run's results (no "cells" list)`);
  const ids = new Set<string>();
  for (const cell of cells as { id?: unknown; verdict?: unknown }[]) {
    if (typeof cell?.id === 'string' && (cell.verdict === 'fail' || cell.verdict === 'error')) ids.add(cell.id);
  }
  const startedAt = (results as { startedAt?: unknown }).startedAt;
  return { file, startedAt: typeof startedAt === 'string' ? startedAt : 'an unknown time', ids };
}
