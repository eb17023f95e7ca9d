import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reporter } from '../reporter.ts';
import type { RunResults } from '../../results/types.ts';

/** Placeholder until the viewer lands. */
export class HtmlReporter implements Reporter {
  constructor(private readonly outputDir: string) {}
  async onRunEnd(results: RunResults): Promise<void> {
    await mkdir(this.outputDir, { recursive: true });
    await writeFile(path.join(this.outputDir, 'index.html'), `<pre>${results.summary.total}</pre>`);
  }
}
