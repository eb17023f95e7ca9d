import { HtmlReporter } from './html/html-reporter.ts';
import { JsonReporter } from './json/json-reporter.ts';
import { JunitReporter } from './junit/junit-reporter.ts';
import { TerminalReporter } from './terminal/terminal-reporter.ts';
import type { Reporter } from './reporter.ts';
import { Catalog } from '../core/catalog.ts';

/** A reporter's name (`terminal`, `json`, `html`, `junit`); the catalog lists them. */
export type ReporterName = string;

/** What a reporter is made from: where reports go, and which other reporters the run has. */
export interface ReporterContext {
  outputDir: string;
  names: readonly ReporterName[];
}

export type ReporterFactory = (context: ReporterContext) => Reporter;

/** The one place that knows every reporter, in the order `--help` lists them. A reporter is its folder and its entry here. */
const reporters = new Catalog<{ name: ReporterName; create: ReporterFactory }>('reporter', [
  { name: 'terminal', create: () => new TerminalReporter(process.stdout) },
  { name: 'json', create: ({ outputDir }) => new JsonReporter(outputDir) },
  { name: 'html', create: ({ outputDir }) => new HtmlReporter(outputDir) },
  { name: 'junit', create: ({ outputDir }) => new JunitReporter(outputDir) },
]);

/** Every reporter's name, in catalog order. */
export const reporterNames = (): ReporterName[] => reporters.names();

/** Adds a reporter after the others (a test's, a plugin's); returns what removes it again. */
export const registerReporter = (name: ReporterName, create: ReporterFactory): (() => void) => reporters.register({ name, create });

export function createReporters(names: readonly ReporterName[], outputDir: string): Reporter[] {
  return names.map((name) => reporters.get(name).create({ outputDir, names }));
}
