import { parseArgs } from 'node:util';
import { defaults } from '../config/defaults.ts';
import { stackNames } from '../../servers/labels.ts';
import { engineNames } from '../browsers/catalog.ts';
import { reporterNames } from '../reporters/catalog.ts';
import { RUNTIMES } from '../config/settings.ts';
import { imageKeys } from '../../servers/runtimes/catalog.ts';
import { proxyDefinition, proxyNames } from '../../servers/proxies/catalog.ts';
import type { RunConfig } from '../run/config.ts';
import { configFrom, flagLine, names, oneOf, parseArgsOptions, pattern, specLine, text, texts, toggle, wholeNumber, type FlagsFor } from './flags.ts';

/** Every `corslab run` flag, one per key of RunConfig (see FlagsFor). */
export type RunFlags = FlagsFor<RunConfig>;

const onOff = (on: boolean) => (on ? 'on' : 'off');

/** `corslab run` flags, as data keyed by RunConfig: parseArgs reads them, they convert and check the values, and --help prints them. */
export const RUN_FLAGS = {
  engines: { flag: 'engine', short: 'e', value: names(engineNames, 'engine'), help: `engines to run (${engineNames().join(', ')}); repeat or comma-separate`, default: 'every available engine' },
  stacks: { flag: 'stack', short: 's', value: names(stackNames, 'stack'), help: `stacks to run (${stackNames().join(', ')})`, default: 'every stack a scenario applies to' },
  grep: { flag: 'grep', short: 'g', value: pattern(), help: 'only cells whose scenario id, title or probe name matches this regular expression (case-insensitive)' },
  reporters: { flag: 'reporter', short: 'r', value: names(reporterNames, 'reporter'), help: `reporters (${reporterNames().join(', ')})`, default: defaults.reporters.join(',') },
  outputDir: { flag: 'output', short: 'o', value: text(), help: 'folder for results.json, index.html and junit.xml', default: defaults.outputDir },
  concurrencyPerPage: { flag: 'concurrency', short: 'c', value: wholeNumber(1), help: 'probes in flight per page', default: `${defaults.concurrencyPerPage}` },
  isolatedContexts: {
    flag: 'isolated-contexts',
    value: wholeNumber(1),
    valueName: 'n',
    help: 'scenarios whose cookies matter, each in a browser context of its own, in flight at once per engine',
    default: `${defaults.isolatedContexts}, or --concurrency when lower`,
  },
  probeTimeoutMs: { flag: 'timeout', value: wholeNumber(1), valueName: 'ms', help: 'how long one probe may take before the cell is an error (never "blocked")', default: `${defaults.probeTimeoutMs}` },
  requireEngines: { flag: 'require-engines', value: toggle(), help: 'a missing engine is an error instead of a notice (for CI)', default: onOff(defaults.requireEngines) },
  requireStacks: {
    flag: 'require-stacks',
    value: toggle(),
    help: `a missing proxy (${proxyNames().map((p) => proxyDefinition(p).label).join(', ')}) is an error instead of a notice (for CI)`,
    default: onOff(defaults.requireStacks),
  },
  runtime: {
    flag: 'runtime',
    value: oneOf(RUNTIMES),
    help: `where the stacks run: ${RUNTIMES.join(' or ')} (containers through testcontainers)`,
    default: `${defaults.runtime}, or "runtime" in ${defaults.configFile}`,
  },
  images: {
    flag: 'image',
    value: texts(),
    help: `Docker runtime: an image, KEY=IMAGE with KEY one of ${Object.keys(imageKeys().defaults).join(', ')}; repeat ${imageKeys().sideBySide.map((k) => `${k}=`).join(' or ')} for side-by-side columns`,
    default: `${Object.entries(imageKeys().defaults).map(([k, ref]) => `${k}=${ref}`).join(', ')}, or "images" in ${defaults.configFile}`,
  },
  origins: {
    flag: 'origin',
    value: texts(),
    valueName: 'name=origin',
    help: 'an origin by name for every scenario, NAME=ORIGIN (app=https://app.example.com, api=https://api.example.com, or any other name); repeat for more. It wins over a scenario\'s own origins:',
    default: `the scenario's origins:, then "origins" in ${defaults.configFile}, then the lab's own (http://app.example.localhost:PORT, ...)`,
  },
} satisfies RunFlags;

/** `corslab run` options for node:util parseArgs, keyed by flag name. */
export const RUN_OPTIONS = parseArgsOptions(RUN_FLAGS);

/** `corslab run`'s arguments: the scenario paths, and the configuration its flags give (UsageError on a bad value). */
export function parseRunArgs(args: string[]): { paths: string[]; config: RunConfig } {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: RUN_OPTIONS });
  return { paths: positionals, config: configFrom<RunConfig>(RUN_FLAGS, values) };
}

interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** One line for --help, with the default. */
  help: string;
}

/** `corslab clean` options. */
export const CLEAN_OPTIONS = {
  'dry-run': { type: 'boolean', help: 'list what would be removed, remove nothing. Default: off' },
} as const;

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
  stack: { type: 'string', multiple: true, short: 's', help: `show the fix for these stacks (${stackNames().join(', ')}). Default: all` },
} as const satisfies Record<string, OptionSpec>;

export function helpText(): string {
  return [
    'CORS Lab: what a CORS configuration really does, in real browsers.',
    '',
    'Usage:',
    `  corslab run [paths...] [options]   run scenarios (default: ${defaults.scenarioDir}/) and write reports`,
    '  corslab validate [paths...]        check scenario files without starting anything',
    '  corslab explain --origin O --url U [options]',
    '                                     what a request needs from the server, offline (no browser)',
    '  corslab clean [--dry-run]          stop and remove what runs whose harness is gone left behind',
    '                                     (processes, temporary folders, Docker containers); --dry-run lists only',
    '',
    'Options of run:',
    ...Object.values(RUN_FLAGS).map((spec) => specLine(spec)),
    '',
    'Options of clean:',
    ...Object.entries(CLEAN_OPTIONS).map(([name, spec]) => flagLine(name, undefined, undefined, spec.help)),
    '',
    'Options of explain:',
    ...Object.entries(EXPLAIN_OPTIONS).map(([name, spec]: [string, OptionSpec]) => flagLine(name, spec.short, spec.type === 'string' ? 'value' : undefined, spec.help)),
    '',
    'Exit codes: 0 every cell as expected, 1 a cell failed or errored, 2 bad input (nothing started), 130 stopped by SIGINT (Ctrl-C), 143 by SIGTERM.',
    '',
  ].join('\n');
}
