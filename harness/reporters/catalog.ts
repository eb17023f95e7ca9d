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
const reporters = new Catalog<{ name: ReporterName; create: ReporterFactory; after?: readonly ReporterName[] }>('reporter', [
  { name: 'terminal', create: () => new TerminalReporter(process.stdout) },
  { name: 'json', create: ({ outputDir }) => new JsonReporter(outputDir) },
  // After the reports it links for download, so that it sees which of them this run wrote.
  { name: 'html', create: ({ outputDir }) => new HtmlReporter(outputDir), after: ['json', 'junit'] },
  { name: 'junit', create: ({ outputDir }) => new JunitReporter(outputDir) },
]);

/** Every reporter's name, in catalog order. */
export const reporterNames = (): ReporterName[] => reporters.names();

/** Adds a reporter after the others (a test's, a plugin's); returns what removes it again. */
export const registerReporter = (name: ReporterName, create: ReporterFactory): (() => void) => reporters.register({ name, create });

/** The reporters of these names, in this order but each after those it names in `after` (reporters run one after the other). */
export function createReporters(names: readonly ReporterName[], outputDir: string): Reporter[] {
  const ordered: ReporterName[] = [];
  const place = (name: ReporterName, seen: ReadonlySet<ReporterName>) => {
    if (ordered.includes(name) || seen.has(name)) return;
    for (const first of reporters.get(name).after ?? []) if (names.includes(first)) place(first, new Set([...seen, name]));
    ordered.push(name);
  };
  for (const name of names) place(name, new Set());
  return ordered.map((name) => reporters.get(name).create({ outputDir, names }));
}
