import { defaults } from '../config/defaults.ts';
import { ENGINE_NAMES } from '../browsers/driver.ts';
import { STACK_NAMES } from '../scenarios/types.ts';
import { REPORTER_NAMES } from '../reporters/index.ts';

interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** One line for --help, with the default. */
  help: string;
}

/** `corslab run` options, as data: parseArgs reads them and --help prints them. */
export const RUN_OPTIONS = {
  engine: { type: 'string', multiple: true, short: 'e', help: `engines to run (${ENGINE_NAMES.join(', ')}); repeat or comma-separate. Default: every available engine` },
  stack: { type: 'string', multiple: true, short: 's', help: `stacks to run (${STACK_NAMES.join(', ')}). Default: every stack a scenario applies to` },
  grep: { type: 'string', short: 'g', help: 'only cells whose scenario id, title or probe name matches this regular expression (case-insensitive)' },
  reporter: { type: 'string', multiple: true, short: 'r', help: `reporters (${REPORTER_NAMES.join(', ')}). Default: ${defaults.reporters.join(',')}` },
  output: { type: 'string', short: 'o', help: `folder for results.json, index.html and junit.xml. Default: ${defaults.outputDir}` },
  concurrency: { type: 'string', short: 'c', help: `probes in flight per page. Default: ${defaults.concurrencyPerPage}` },
  'require-engines': { type: 'boolean', help: 'a missing engine is an error instead of a notice (for CI). Default: off' },
} as const satisfies Record<string, OptionSpec>;

export function helpText(): string {
  const flags = Object.entries(RUN_OPTIONS as Record<string, OptionSpec>).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    return `  ${left.padEnd(30)} ${spec.help}`;
  });
  return [
    'CORS Lab: what a CORS configuration really does, in real browsers.',
    '',
    'Usage:',
    `  corslab run [paths...] [options]   run scenarios (default: ${defaults.scenarioDir}/) and write reports`,
    '  corslab validate [paths...]        check scenario files without starting anything',
    '',
    'Options of run:',
    ...flags,
    '',
    'Exit codes: 0 every cell as expected, 1 a cell failed or errored, 2 bad input (nothing started).',
    '',
  ].join('\n');
}
