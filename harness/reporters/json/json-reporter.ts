import { writeReportFile } from '../write-report.ts';
import type { Reporter } from '../reporter.ts';
import type { RunResults } from '../../results/types.ts';

/** Writes `results.json`: the source every other report can be rebuilt from. */
export class JsonReporter implements Reporter {
  constructor(private readonly outputDir: string) {}

  async onRunEnd(results: RunResults): Promise<void> {
    await writeReportFile(this.outputDir, 'results.json', `${JSON.stringify(results, null, 2)}\n`);
  }
}
