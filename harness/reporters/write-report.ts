import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A report that could not be written; its message names the file and the reason, and needs no stack trace. */
export class ReportWriteError extends Error {
  override name = 'ReportWriteError';
}

/**
 * Writes one report file atomically: the whole text goes to a temporary file
 * beside it, which is then renamed over the old one, so a reader (or a
 * Ctrl-C while writing) never sees half a report.
 */
export async function writeReportFile(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  const temporary = path.join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReportWriteError(`${file} was not written: ${reason}`);
  }
  return file;
}
