import { HtmlReporter } from './html/html-reporter.ts';
import { JsonReporter } from './json/json-reporter.ts';
import { JunitReporter } from './junit/junit-reporter.ts';
import { TerminalReporter } from './terminal/terminal-reporter.ts';
import type { Reporter } from './reporter.ts';

/** A reporter's name (`terminal`, `json`, `html`, `junit`); the catalog lists them. */
export type ReporterName = string;

/** What a reporter is made from: where reports go, and which other reporters the run has. */
export interface ReporterContext {
  outputDir: string;
  names: readonly ReporterName[];
}

export type ReporterFactory = (context: ReporterContext) => Reporter;

/** The one place that knows every reporter, in the order `--help` lists them. A reporter is its folder and its entry here. */
const factories = new Map<ReporterName, ReporterFactory>([
  ['terminal', () => new TerminalReporter(process.stdout)],
  ['json', ({ outputDir }) => new JsonReporter(outputDir)],
  ['html', ({ outputDir }) => new HtmlReporter(outputDir)],
  ['junit', ({ outputDir }) => new JunitReporter(outputDir)],
]);

/** Every reporter's name, in catalog order. */
export function reporterNames(): ReporterName[] {
  return [...factories.keys()];
}

/** Adds a reporter after the others (a test's, a plugin's); returns what removes it again. */
export function registerReporter(name: ReporterName, factory: ReporterFactory): () => void {
  if (factories.has(name)) throw new Error(`cannot register the reporter \`${name}\`: there is one by that name`);
  factories.set(name, factory);
  return () => {
    if (factories.get(name) === factory) factories.delete(name);
  };
}

export function createReporters(names: readonly ReporterName[], outputDir: string): Reporter[] {
  return names.map((name) => {
    const factory = factories.get(name);
    if (!factory) throw new Error(`no reporter is called \`${name}\` (known: ${reporterNames().join(', ')})`);
    return factory({ outputDir, names });
  });
}
