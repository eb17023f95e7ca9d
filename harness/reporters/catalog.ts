import path from 'node:path';
import { HtmlReporter } from './html/html-reporter.ts';
import { JsonReporter } from './json/json-reporter.ts';
import { JunitReporter } from './junit/junit-reporter.ts';
import { TerminalReporter } from './terminal/terminal-reporter.ts';
import type { Reporter } from './reporter.ts';

/** What a reporter is made from: where reports go, and which other reporters the run has. */
export interface ReporterContext {
  outputDir: string;
  names: readonly string[];
}

/** The one place that knows every reporter, in the order they are listed in `--help`. */
export const reporters = {
  terminal: ({ outputDir, names }: ReporterContext): Reporter =>
    // The summary points at the HTML report when the run writes one.
    new TerminalReporter(process.stdout, names.includes('html') ? path.join(outputDir, 'index.html') : undefined),
  json: ({ outputDir }: ReporterContext): Reporter => new JsonReporter(outputDir),
  html: ({ outputDir }: ReporterContext): Reporter => new HtmlReporter(outputDir),
  junit: ({ outputDir }: ReporterContext): Reporter => new JunitReporter(outputDir),
};

export type ReporterName = keyof typeof reporters;
export const REPORTER_NAMES = Object.keys(reporters) as ReporterName[];

export function createReporters(names: readonly ReporterName[], outputDir: string): Reporter[] {
  return names.map((name) => reporters[name]({ outputDir, names }));
}
