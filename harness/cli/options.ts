import { defaults } from '../config/defaults.ts';
import { ENGINE_NAMES, STACK_NAMES } from '../core/names.ts';
import { REPORTER_NAMES } from '../reporters/catalog.ts';
import { IMAGE_KEYS, RUNTIMES } from '../config/settings.ts';

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
  'require-stacks': { type: 'boolean', help: 'a missing proxy (nginx, Apache httpd) is an error instead of a notice (for CI). Default: off' },
  runtime: { type: 'string', help: `where the stacks run: ${RUNTIMES.join(' or ')} (containers through testcontainers). Default: ${defaults.runtime}, or "runtime" in ${defaults.configFile}` },
  image: { type: 'string', multiple: true, help: `Docker runtime: an image, KEY=IMAGE with KEY one of ${IMAGE_KEYS.join(', ')}; repeat nginx= or apache= for side-by-side columns. Default: ${IMAGE_KEYS.map((k) => `${k}=${defaults.images[k]}`).join(', ')}, or "images" in ${defaults.configFile}` },
} as const satisfies Record<string, OptionSpec>;

/** `corslab explain` options: the request, as a page would make it. */
export const EXPLAIN_OPTIONS = {
  origin: { type: 'string', help: 'the page\'s origin, e.g. https://app.example.com (required)' },
  url: { type: 'string', help: 'the URL the page fetches (required)' },
  method: { type: 'string', short: 'X', help: 'the method. Default: GET' },
  header: { type: 'string', multiple: true, short: 'H', help: 'a request header the page sets, "Name: value"; repeat for more' },
  body: { type: 'string', short: 'd', help: 'a request body (a string body defaults Content-Type to text/plain)' },
  credentials: { type: 'string', help: 'omit, same-origin or include. Default: same-origin' },
  mode: { type: 'string', help: 'cors, no-cors or same-origin. Default: cors' },
  read: { type: 'string', multiple: true, help: 'a response header the page wants to read; repeat for more' },
  stack: { type: 'string', multiple: true, short: 's', help: `show the fix for these stacks (${STACK_NAMES.join(', ')}). Default: all` },
} as const satisfies Record<string, OptionSpec>;

function flagLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    return `  ${left.padEnd(30)} ${spec.help}`;
  });
}

export function helpText(): string {
  return [
    'CORS Lab: what a CORS configuration really does, in real browsers.',
    '',
    'Usage:',
    `  corslab run [paths...] [options]   run scenarios (default: ${defaults.scenarioDir}/) and write reports`,
    '  corslab validate [paths...]        check scenario files without starting anything',
    '  corslab explain --origin O --url U [options]',
    '                                     what a request needs from the server, offline (no browser)',
    '',
    'Options of run:',
    ...flagLines(RUN_OPTIONS),
    '',
    'Options of explain:',
    ...flagLines(EXPLAIN_OPTIONS),
    '',
    'Exit codes: 0 every cell as expected, 1 a cell failed or errored, 2 bad input (nothing started).',
    '',
  ].join('\n');
}
