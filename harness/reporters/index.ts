import path from 'node:path';
import { HtmlReporter } from './html/html-reporter.ts';
import { JsonReporter } from './json.ts';
import { JunitReporter } from './junit.ts';
import { TerminalReporter } from './terminal.ts';
import type { Reporter } from './reporter.ts';

export const REPORTER_NAMES = ['terminal', 'json', 'html', 'junit'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export function createReporters(names: readonly ReporterName[], outputDir: string): Reporter[] {
  return names.map((name) => {
    switch (name) {
      case 'terminal':
        return new TerminalReporter(process.stdout, names.includes('html') ? path.join(outputDir, 'index.html') : undefined);
      case 'json':
        return new JsonReporter(outputDir);
      case 'html':
        return new HtmlReporter(outputDir);
      case 'junit':
        return new JunitReporter(outputDir);
    }
  });
}
