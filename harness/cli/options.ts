import { defaults } from '../config/defaults.ts';
import { stackNames } from '../../servers/labels.ts';
import { engineNames } from '../browsers/catalog.ts';
import { reporterNames, type ReporterName } from '../reporters/catalog.ts';
import { RUNTIMES } from '../config/settings.ts';
import { imageKeys } from '../../servers/runtimes/catalog.ts';
import { proxyDefinition, proxyNames } from '../../servers/proxies/catalog.ts';
import type { RunConfig } from '../run/config.ts';
import type { StackName } from '../core/names.ts';
import { parseTarget } from '../core/target.ts';
import { parseShard, type Shard } from '../plan/shard.ts';
import { styled, STYLE } from '../system/color.ts';
import { UsageError, configFrom, flagLine, names, oneOf, parseArgsOptions, parseCommand, pattern, specLine, text, texts, toggle, wholeNumber, type FlagSpec, type FlagValue, type FlagsFor } from './flags.ts';

/** Every `corslab run` flag, one per key of RunConfig (see FlagsFor). */
export type RunFlags = FlagsFor<RunConfig>;

const onOff = (on: boolean) => (on ? 'on' : 'off');

/** `corslab run` flags, as data keyed by RunConfig: parseArgs reads them, they convert and check the values, and --help prints them. */
export const RUN_FLAGS = {
  engines: { flag: 'engine', short: 'e', value: names(engineNames, 'engine'), valueName: 'names', help: `engines to run (${engineNames().join(', ')}); repeat or comma-separate`, default: 'every available engine' },
  stacks: { flag: 'stack', short: 's', value: names(stackNames, 'stack'), valueName: 'names', help: `stacks to run (${stackNames().join(', ')})`, default: 'every stack a scenario applies to' },
  grep: { flag: 'grep', short: 'g', value: pattern(), valueName: 'regex', help: 'only cells whose scenario id, title or probe name matches this regular expression (case-insensitive)' },
  reporters: { flag: 'reporter', short: 'r', value: names(reporterNames, 'reporter'), valueName: 'names', help: `reporters (${reporterNames().join(', ')})`, default: defaults.reporters.join(',') },
  outputDir: { flag: 'output', short: 'o', value: text(), valueName: 'folder', help: 'folder for results.json, index.html and junit.xml', default: defaults.outputDir },
  concurrencyPerPage: { flag: 'concurrency', short: 'c', value: wholeNumber(1), valueName: 'n', help: 'probes in flight per engine on its shared pages', default: `${defaults.concurrencyPerRun} split between the engines still running (${defaults.concurrencyPerRun / 3} each for three)` },
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
    valueName: 'name',
    help: `where the stacks run: ${RUNTIMES.join(' or ')} (containers through testcontainers)`,
    default: `${defaults.runtime}, or "runtime" in ${defaults.configFile}`,
  },
  images: {
    flag: 'image',
    value: texts(),
    valueName: 'key=image',
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
  // A server the user runs (issue #14): harness/core/target.ts.
  target: {
    flag: 'target',
    value: targetUrl(),
    valueName: 'url',
    help: 'run every scenario against a server you run on this machine (http://127.0.0.1:3000, with an optional base path for {api}), in place of the lab\'s stacks; with --stack, beside those',
    default: 'none: the lab starts its own stacks',
  },
  list: { flag: 'list', value: toggle(), help: 'print the cells the run would execute (scenario, probe, stack, engine), grouped and counted, and start nothing', default: 'off' },
  maxFailures: {
    flag: 'max-failures',
    value: wholeNumber(1),
    valueName: 'n',
    help: 'start no new cell once n cells failed or errored; the cells left are counted as not run (never pass, fail or error) and the exit code is 1',
    default: 'no limit',
  },
  lastFailed: { flag: 'last-failed', value: toggle(), help: 'run only the cells that failed or errored in the previous results.json of --output (with the other filters)', default: 'off' },
  watch: { flag: 'watch', short: 'w', value: toggle(), help: 'after the run, watch the scenario files and folders, and run the scenarios whose files change again; Ctrl-C stops', default: 'off' },
  update: {
    flag: 'update',
    short: 'u',
    value: toggle(),
    help: "after the run, write what each failed cell observed into its scenario file as the expectation (per engine where engines differ), showing each file's diff first",
    default: 'off',
  },
  dryRun: { flag: 'dry-run', value: toggle(), help: 'with --update: show the diffs and write nothing', default: 'off' },
  // Shards and remote browsers (issue 19): their values are read by the functions after this object.
  shard: {
    flag: 'shard',
    value: shardValue(),
    valueName: 'i/n',
    help: 'run only part i of n of the planned cells (from 1): the parts are disjoint and together the whole run, split by what is scheduled together and balanced by expected cost; corslab merge joins their results',
    default: 'the whole run',
  },
  connect: {
    flag: 'connect',
    value: texts(),
    valueName: 'engine=ws-url',
    help: "connect to a browser started elsewhere behind Playwright's browser server (launchServer), e.g. chromium=ws://127.0.0.1:9222/x (`corslab browser-server chromium` starts one); repeat per engine; loopback only here",
    default: 'every engine launched by the run',
  },
  webdriver: {
    flag: 'webdriver',
    value: texts(),
    valueName: 'engine=url',
    help: 'drive WebKit through a W3C WebDriver endpoint started elsewhere (a WebKitWebDriver), e.g. webkit=http://127.0.0.1:4444; loopback only here',
    default: 'WebKitWebDriver started by the run',
  },
} satisfies RunFlags;

/** A server the user runs: loopback, http, a port (harness/core/target.ts); a bad one is a usage error naming the flag. */
export function targetUrl(): FlagValue<string> {
  return {
    type: 'string',
    multiple: false,
    convert(raw, flag) {
      const value = String(Array.isArray(raw) ? raw.at(-1) : raw);
      const { target, problem } = parseTarget(value);
      if (problem !== undefined) throw new UsageError(`--${flag}: ${problem}`);
      return target.url;
    },
  };
}

/** `--shard 2/4`. */
function shardValue(): FlagValue<Shard> {
  return {
    type: 'string',
    multiple: false,
    convert(raw, flag) {
      const parsed = parseShard(String(Array.isArray(raw) ? raw.at(-1) : raw));
      if ('problem' in parsed) throw new UsageError(`--${flag} ${parsed.problem}`);
      return parsed;
    },
  };
}

/** `corslab run` options for node:util parseArgs, keyed by flag name. */
export const RUN_OPTIONS = parseArgsOptions(RUN_FLAGS);

/** `corslab run`'s arguments: the scenario paths, and the configuration its flags give (UsageError on a bad value); `help` when -h/--help was given. */
export function parseRunArgs(args: string[]): { help: boolean; paths: string[]; config: RunConfig } {
  const { help, values, positionals } = parseCommand('run', args, RUN_OPTIONS, true);
  return { help, paths: positionals, config: help ? {} : configFrom<RunConfig>(RUN_FLAGS, values) };
}

/** What `corslab explain` is asked: the request, as a page would make it, and what the answer should show. */
export interface ExplainConfig {
  /** The page's origin. Required. */
  origin?: string;
  /** The URL the page fetches. Required. */
  url?: string;
  /** The method. Default: GET. */
  method?: string;
  /** Request headers the page sets, in order. Default: none. */
  headers?: readonly [name: string, value: string][];
  /** A string body. Default: none. */
  body?: string;
  /** fetch()'s credentials mode. Default: same-origin. */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** fetch()'s mode. Default: cors. */
  mode?: 'cors' | 'no-cors' | 'same-origin';
  /** Response headers the page wants to read. Default: none. */
  read?: readonly string[];
  /** The stacks whose fix is shown. Default: every stack. */
  stacks?: readonly StackName[];
}

/** `-H "Name: value"`, repeatable. */
function headerLines(): FlagValue<[string, string][]> {
  return {
    type: 'string',
    multiple: true,
    convert(raw, flag) {
      return (Array.isArray(raw) ? raw : [raw]).map(String).map((line): [string, string] => {
        const colon = line.indexOf(':');
        if (colon <= 0) throw new UsageError(`--${flag} must look like "Name: value", got "${line}"`);
        return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      });
    },
  };
}

/** `corslab explain` flags, as data keyed by ExplainConfig, like RUN_FLAGS. */
export const EXPLAIN_FLAGS = {
  origin: { flag: 'origin', value: text(), valueName: 'origin', help: "the page's origin, e.g. https://app.example.com (required)" },
  url: { flag: 'url', value: text(), valueName: 'url', help: 'the URL the page fetches (required)' },
  method: { flag: 'method', short: 'X', value: text(), valueName: 'method', help: 'the method', default: 'GET' },
  headers: { flag: 'header', short: 'H', value: headerLines(), valueName: 'name: value', help: 'a request header the page sets; repeat for more' },
  body: { flag: 'body', short: 'd', value: text(), valueName: 'text', help: 'a request body (a string body defaults Content-Type to text/plain)', default: 'none' },
  credentials: { flag: 'credentials', value: oneOf(['omit', 'same-origin', 'include'] as const), valueName: 'mode', help: 'omit, same-origin or include', default: 'same-origin' },
  mode: { flag: 'mode', value: oneOf(['cors', 'no-cors', 'same-origin'] as const), valueName: 'mode', help: 'cors, no-cors or same-origin', default: 'cors' },
  read: { flag: 'read', value: texts(), valueName: 'header', help: 'a response header the page wants to read; repeat for more' },
  stacks: { flag: 'stack', short: 's', value: names(stackNames, 'stack'), valueName: 'names', help: `show the fix for these stacks (${stackNames().join(', ')})`, default: 'every stack' },
} satisfies FlagsFor<ExplainConfig>;

/** `corslab explain` options for node:util parseArgs, keyed by flag name. */
export const EXPLAIN_OPTIONS = parseArgsOptions(EXPLAIN_FLAGS);

/** `corslab explain`'s arguments (UsageError on a bad value); `help` when -h/--help was given. */
export function parseExplainArgs(args: string[]): { help: boolean; config: ExplainConfig } {
  const { help, values } = parseCommand('explain', args, EXPLAIN_OPTIONS, false);
  return { help, config: help ? {} : configFrom<ExplainConfig>(EXPLAIN_FLAGS, values) };
}

// `corslab audit` (issue #14): harness/cli/audit-command.ts.

/** What `corslab audit` is asked: the user's running server, the pages it must let in, their requests, and where the reports go. */
export interface AuditConfig {
  /** The server the user runs, with the path the pages fetch. This, or `app` / `nginxConf`. */
  target?: string;
  /** The user's app module, `./app.js` or `./app.js:export`, mounted as it is. */
  app?: string;
  /** The user's whole nginx.conf, in front of `app` (or of the lab's handler without one). */
  nginxConf?: string;
  /** With `app` / `nginxConf`: the path the pages fetch. Default: `/`. */
  path?: string;
  /** The origins of the pages that must be let in. At least one. */
  origins?: readonly string[];
  /** The API's origin as the browser sees it. Default: `api.` in place of the first page's first label. */
  apiOrigin?: string;
  /** The pages send cookies (credentials: include). Default: off. */
  credentials?: boolean;
  /** The methods the pages use. Default: GET. */
  methods?: readonly string[];
  /** Request headers the pages set. Default: none. */
  headers?: readonly [name: string, value: string][];
  /** Response headers the pages must read. Default: none. */
  read?: readonly string[];
  /** Write the scenario that reproduces the audit here. Default: none. */
  save?: string;
  /** Engines to run. Default: every available engine. */
  engines?: readonly string[];
  /** Where reports go. Default: defaults.auditOutputDir. */
  outputDir?: string;
}

/** `corslab audit` flags, as data keyed by AuditConfig, like RUN_FLAGS. */
export const AUDIT_FLAGS = {
  target: { flag: 'target', value: targetUrl(), valueName: 'url', help: 'your running server and the path the pages fetch, on this machine: http://127.0.0.1:3000/api/items (this, or --app / --nginx-conf)' },
  app: { flag: 'app', value: text(), valueName: 'file[:export]', help: 'your app module, mounted as it is (server.app): ./app.js, or ./app.js:name for a named export; inside your project folder' },
  nginxConf: { flag: 'nginx-conf', value: text(), valueName: 'file', help: "your whole nginx.conf (server.nginx.conf), in front of --app, or of the lab's handler (which answers at every path) without it" },
  path: { flag: 'path', value: text(), valueName: 'path', help: 'with --app or --nginx-conf: the path the pages fetch on the API origin (/api/items)', default: '/' },
  origins: { flag: 'origin', value: texts(), valueName: 'origin', help: 'the origin of a page that must be let in, as the browser writes it (https://app.mycompany.com); repeat for more (at least one)' },
  apiOrigin: { flag: 'api-origin', value: text(), valueName: 'origin', help: "the API's origin as the pages see it", default: "`api.` in place of the first page's first label (https://api.mycompany.com)" },
  credentials: { flag: 'credentials', value: toggle(), help: "the pages send cookies (credentials: include); a session cookie is set on the API's host first", default: 'off' },
  methods: { flag: 'method', short: 'X', value: texts(), valueName: 'method', help: 'a method the pages use; repeat for more', default: 'GET' },
  headers: { flag: 'header', short: 'H', value: headerLines(), valueName: 'name: value', help: 'a request header the pages set; repeat for more' },
  read: { flag: 'read', value: texts(), valueName: 'header', help: 'a response header the pages must be able to read; repeat for more' },
  save: { flag: 'save', value: text(), valueName: 'file', help: 'write the scenario that reproduces the audit (with server.url, server.app or server.nginx.conf; paths relative to the file), for `corslab run`', default: 'none: nothing is written but the reports' },
  engines: { flag: 'engine', short: 'e', value: names(engineNames, 'engine'), valueName: 'names', help: `engines to run (${engineNames().join(', ')}); repeat or comma-separate`, default: 'every available engine' },
  outputDir: { flag: 'output', short: 'o', value: text(), valueName: 'folder', help: 'folder for results.json, index.html and junit.xml', default: defaults.auditOutputDir },
} satisfies FlagsFor<AuditConfig>;

/** `corslab audit`'s arguments (UsageError on a bad value); `help` when -h/--help was given. */
export function parseAuditArgs(args: string[]): { help: boolean; config: AuditConfig } {
  const { help, values } = parseCommand('audit', args, parseArgsOptions(AUDIT_FLAGS), false);
  return { help, config: help ? {} : configFrom<AuditConfig>(AUDIT_FLAGS, values) };
}

/** `corslab validate`'s arguments: the scenario paths; `help` when -h/--help was given. */
export function parseValidateArgs(args: string[]): { help: boolean; paths: string[] } {
  const { help, positionals } = parseCommand('validate', args, {}, true);
  return { help, paths: positionals };
}

/** What `corslab clean` is asked. */
export interface CleanConfig {
  /** List what would be removed, remove nothing. Default: off. */
  dryRun?: boolean;
}

/** `corslab clean` flags, keyed by CleanConfig. */
export const CLEAN_FLAGS = {
  dryRun: { flag: 'dry-run', value: toggle(), help: 'list what would be removed, and remove nothing', default: 'off' },
} satisfies FlagsFor<CleanConfig>;

/** `corslab clean`'s arguments; `help` when -h/--help was given. */
export function parseCleanArgs(args: string[]): { help: boolean; config: CleanConfig } {
  const { help, values } = parseCommand('clean', args, parseArgsOptions(CLEAN_FLAGS), false);
  return { help, config: help ? {} : configFrom<CleanConfig>(CLEAN_FLAGS, values) };
}

/** What `corslab init` is asked. */
export interface InitConfig {
  /** The user's origins by name, NAME=ORIGIN, written into the config. Default: none (the lab's own). */
  origins?: readonly string[];
  /** Write corslab.config.ts instead of .js. Default: when a tsconfig.json is there. */
  typescript?: boolean;
  /** Overwrite files that exist. Default: off. */
  force?: boolean;
}

/** `corslab init` flags, keyed by InitConfig. */
export const INIT_FLAGS = {
  origins: { flag: 'origin', value: texts(), valueName: 'name=origin', help: 'an origin of yours by name, for the config (app=http://localhost:5173, api=https://api.example.com); repeat for more', default: "none: the lab's own" },
  typescript: { flag: 'ts', value: toggle(), help: 'write corslab.config.ts instead of corslab.config.js', default: 'on when tsconfig.json is there' },
  force: { flag: 'force', value: toggle(), help: 'overwrite the files that exist (an npm script of the same name is never replaced)', default: 'off' },
} satisfies FlagsFor<InitConfig>;

/** `corslab init`'s arguments; `help` when -h/--help was given. */
export function parseInitArgs(args: string[]): { help: boolean; config: InitConfig } {
  const { help, values } = parseCommand('init', args, parseArgsOptions(INIT_FLAGS), false);
  return { help, config: help ? {} : configFrom<InitConfig>(INIT_FLAGS, values) };
}

// `corslab merge` (issue 19).

/** What `corslab merge` is asked, besides the folders it reads. */
export interface MergeConfig {
  /** Where the merged reports go. Default: defaults.outputDir. */
  outputDir?: string;
  /** Reporters. Default: defaults.reporters. */
  reporters?: readonly ReporterName[];
}

/** `corslab merge` flags, keyed by MergeConfig. */
export const MERGE_FLAGS = {
  outputDir: { flag: 'output', short: 'o', value: text(), valueName: 'folder', help: 'folder for the merged results.json, index.html and junit.xml', default: defaults.outputDir },
  reporters: { flag: 'reporter', short: 'r', value: names(reporterNames, 'reporter'), valueName: 'names', help: `reporters (${reporterNames().join(', ')})`, default: defaults.reporters.join(',') },
} satisfies FlagsFor<MergeConfig>;

/** `corslab merge`'s arguments: the folders, and the configuration; `help` when -h/--help was given. */
export function parseMergeArgs(args: string[]): { help: boolean; dirs: string[]; config: MergeConfig } {
  const { help, values, positionals } = parseCommand('merge', args, parseArgsOptions(MERGE_FLAGS), true);
  return { help, dirs: positionals, config: help ? {} : configFrom<MergeConfig>(MERGE_FLAGS, values) };
}

/** What `corslab browser-server` is asked, besides the engine. */
export interface BrowserServerConfig {
  /** The port it listens on (on 127.0.0.1). Default: one the OS picks. */
  port?: number;
}

/** `corslab browser-server` flags, keyed by BrowserServerConfig. */
export const BROWSER_SERVER_FLAGS = {
  port: { flag: 'port', value: wholeNumber(1), valueName: 'n', help: 'the port the browser server listens on, on 127.0.0.1', default: 'one the OS picks' },
} satisfies FlagsFor<BrowserServerConfig>;

/** `corslab browser-server ENGINE`'s arguments; `help` when -h/--help was given. */
export function parseBrowserServerArgs(args: string[]): { help: boolean; engines: string[]; config: BrowserServerConfig } {
  const { help, values, positionals } = parseCommand('browser-server', args, parseArgsOptions(BROWSER_SERVER_FLAGS), true);
  return { help, engines: positionals, config: help ? {} : configFrom<BrowserServerConfig>(BROWSER_SERVER_FLAGS, values) };
}

/** The commands, as --help describes them. */
export const COMMANDS = {
  run: {
    usage: 'corslab run [paths...] [options]',
    summary: `run scenarios (default: ${defaults.scenarioDir}/) and write reports`,
    about: `Runs the scenario files and folders given (default: ${defaults.scenarioDir}/) in real browsers against real servers, and writes the reports.`,
    flags: RUN_FLAGS as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 every cell as expected, 1 a cell failed or errored (or --max-failures stopped the run), 2 bad input (nothing was started), 130 interrupted (Ctrl-C), 143 stopped by SIGTERM.',
  },
  validate: {
    usage: 'corslab validate [paths...]',
    summary: 'check scenario files without starting anything',
    about: `Checks the scenario files and folders given (default: ${defaults.scenarioDir}/), and the proxies' configs where the proxy is installed, without starting a server or a browser.`,
    flags: {} as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 every file valid, 2 a problem (each one printed with its file, line, column and field).',
  },
  explain: {
    usage: 'corslab explain --origin O --url U [options]',
    summary: 'what a request needs from the server, offline (no browser)',
    about: 'Says what a request needs from the server, and the fix in each stack\'s idiom, from the Fetch standard model alone: offline, no browser, no server.',
    flags: EXPLAIN_FLAGS as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 explained, 2 bad input.',
  },
  audit: {
    usage: 'corslab audit (--target URL | --app FILE | --nginx-conf FILE) --origin O [options]',
    summary: "check your running server's CORS in real browsers, no YAML needed",
    about:
      'Audits a server you run on this machine (--target), your app module (--app) or your nginx.conf (--nginx-conf, in front of your app or of the lab\'s handler), in real browsers: the pages of the given origins make their requests (each method, header and credentials mode given) and must be allowed and able to read what they ask; then an attacker battery (a cross-site page, a sandboxed frame, look-alikes of each origin, http, subdomains, special characters) makes the same request with credentials and must be blocked; then the preflights are checked (OPTIONS behind authentication, statuses, Vary: Origin, max-age). Writes the usual reports; --save writes the scenario that reproduces it.',
    flags: AUDIT_FLAGS as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 the declared requests work and no finding is exploitable, 1 a declared request failed or an attacker page read a credentialed response, 2 bad input (nothing was started), 130 interrupted (Ctrl-C), 143 stopped by SIGTERM.',
  },
  merge: {
    usage: 'corslab merge DIR... [-o OUT] [-r names]',
    summary: 'merge the results of shards (or of other machines) into one report',
    about:
      'Reads DIR/results.json of each folder given (the shards of a run, --shard i/n, or runs of the same scenarios on other machines or images), checks that they come from the same corslab version and the same scenario set and hold no cell twice, and writes one results.json, index.html and junit.xml. Each cell keeps where it ran: its shard, machine and folder, and the versions of its engine and images there.',
    flags: MERGE_FLAGS as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 merged and every cell as expected, 1 merged and a cell failed or errored (or a report could not be written), 2 bad input (inputs that cannot be merged; nothing was written).',
  },
  'browser-server': {
    usage: 'corslab browser-server ENGINE [--port N]',
    summary: "start a Playwright browser server set up for the lab, for --connect",
    about:
      "Starts Playwright's browser server (launchServer) for chromium or firefox on 127.0.0.1, launched as a run launches the engine (the same flags; Chromium trusting the lab's CA by its key hash), prints its ws:// endpoint and the --connect flag to give a run, and runs until Ctrl-C. A run connected to it gives each browser context the lab's mapping proxy.",
    flags: BROWSER_SERVER_FLAGS as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 the browser did not start, 2 bad input.',
  },
  clean: {
    usage: 'corslab clean [--dry-run]',
    summary: 'remove what runs whose harness is gone left behind',
    about: 'Finds the processes, temporary folders and Docker containers that runs left behind when their harness died (by the label each carries: CORSLAB_RUN, the run folder, the corslab.run container label), and stops and removes them. A live run\'s are never touched.',
    flags: CLEAN_FLAGS as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 nothing left or all removed, 1 something could not be removed, 2 bad input.',
  },
  init: {
    usage: 'corslab init [--origin NAME=ORIGIN]... [--ts] [--force]',
    summary: 'set up CORS Lab in a project: config, a first scenario, npm script, CI',
    about: 'Writes corslab.config.js (or .ts), a first scenario in cors/ with the schema modeline, a GitHub Actions workflow (.github/workflows/cors.yml) and, when package.json is there, the npm script test:cors. Refuses to overwrite a file that exists, unless --force.',
    flags: INIT_FLAGS as Record<string, FlagSpec<unknown>>,
    exits: 'Exit codes: 0 written, 2 bad input or a file exists (nothing was written).',
  },
} as const;

export type CommandName = keyof typeof COMMANDS;

const EXIT_CODES_TEXT = `${COMMANDS.run.exits.replace('Exit codes:', 'Exit codes of run:')}`;

/** `corslab --help`: the commands. */
export function helpText(color = false): string {
  const heading = (t: string) => styled(color, STYLE.bold, t);
  const commandLines = Object.values(COMMANDS).flatMap(({ usage, summary }) => (usage.length <= 34 ? [`  ${usage.padEnd(34)} ${summary}`] : [`  ${usage}`, `  ${''.padEnd(34)} ${summary}`]));
  return [
    'CORS Lab: what a CORS configuration really does, in real browsers.',
    '',
    heading('Usage:'),
    ...commandLines,
    `  ${'corslab <command> --help'.padEnd(34)} a command's options, each with its default`,
    `  ${'corslab --version'.padEnd(34)} the version`,
    '',
    EXIT_CODES_TEXT,
    '',
  ].join('\n');
}

/** `corslab <command> --help`: its usage and every option with its default, from the flag declarations. */
export function commandHelp(command: CommandName, color = false): string {
  const { usage, about, flags, exits } = COMMANDS[command];
  const heading = (t: string) => styled(color, STYLE.bold, t);
  return [
    `${heading('Usage:')} ${usage}`,
    '',
    about,
    '',
    heading('Options:'),
    ...Object.values(flags).map((spec) => specLine(spec)),
    flagLine('help', 'h', undefined, 'this help'),
    '',
    exits,
    '',
  ].join('\n');
}
