import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportWriteError, writeReportFile } from './write-report.ts';
import { ReporterMultiplexer } from './reporter.ts';

describe('writing a report file', () => {
  it('replaces the old file whole and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-write-'));
    await writeReportFile(dir, 'results.json', 'old');
    await writeReportFile(dir, 'results.json', 'new');
    expect(await readFile(path.join(dir, 'results.json'), 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['results.json']);
  });

  it('names the file and the reason when the folder cannot be made, and leaves nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-write-'));
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'in the way');
    const failure = writeReportFile(path.join(file, 'reports'), 'index.html', '<html>');
    await expect(failure).rejects.toBeInstanceOf(ReportWriteError);
    await expect(failure).rejects.toThrow(/a-file\/reports\/index\.html was not written: .*ENOTDIR/);
    expect(await readdir(dir)).toEqual(['a-file']);
  });
});

describe('the reporter multiplexer', () => {
  it('keeps going past a reporter that fails, and remembers the failure once', async () => {
    const calls: string[] = [];
    const multiplexer = new ReporterMultiplexer([
      { onRunEnd: () => Promise.reject(new ReportWriteError('/x/index.html was not written: EACCES')) },
      { onRunEnd: () => void calls.push('second') },
    ]);
    const stderr = process.stderr.write;
    let printed = '';
    process.stderr.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stderr.write;
    try {
      await multiplexer.onRunEnd({} as never);
      await multiplexer.onRunEnd({} as never);
    } finally {
      process.stderr.write = stderr;
    }
    expect(calls).toEqual(['second', 'second']);
    expect(multiplexer.failures).toEqual(['reporter Object failed: /x/index.html was not written: EACCES']);
    // A write failure is one line, no stack trace.
    expect(printed.trim().split('\n')).toHaveLength(1);
  });
});
