import { defaults } from '../config/defaults.ts';
import { SettingsError, type ConfigFile, type RuntimeName, type RuntimeSettings } from '../config/settings.ts';
import { ORIGIN_NAME, RESERVED_ORIGIN_NAMES, originProblem } from '../core/origins.ts';
import type { RunOrigins } from '../scenarios/load.ts';
import { resolveSettings } from '../../servers/runtimes/catalog.ts';
import type { Cleanup } from '../core/cleanup.ts';
import type { Scenario } from '../core/format.ts';
import type { EngineName, StackName } from '../core/names.ts';
import { engineDriver, engineNames } from '../browsers/catalog.ts';
import type { RemoteBrowser } from '../browsers/driver.ts';
import { didYouMean } from '../core/text.ts';
import type { Curriculum } from '../curriculum/types.ts';
import { createReporters, type ReporterName } from '../reporters/catalog.ts';
import type { Reporter } from '../reporters/reporter.ts';
import type { Shard } from '../plan/shard.ts';

/**
 * A run's settings as plain data: what `corslab run`'s flags set (each key
 * has exactly one flag, harness/cli/options.ts) and what a program may set
 * instead. A key left out takes its default from harness/config/defaults.ts.
 */
export interface RunConfig {
  /** Engines to run. Default: every engine; one that is missing is skipped with a notice. */
  engines?: readonly EngineName[];
  /** Stacks to run. Default: every stack a scenario applies to. */
  stacks?: readonly StackName[];
  /** Only cells whose scenario id, title or probe name matches this regular expression (case-insensitive). Default: every cell. */
  grep?: string;
  /** Reporters. Default: defaults.reporters. */
  reporters?: readonly ReporterName[];
  /** Where reports go. Default: defaults.outputDir. */
  outputDir?: string;
  /** Probes in flight at once per engine on its shared pages (one per origin). Default: the engines still starting cells split defaults.concurrencyPerRun (16 each for three, 48 for one alone). */
  concurrencyPerPage?: number;
  /** Scenarios whose cookies matter, each in a context of its own, in flight at once per engine. Default: defaults.isolatedContexts, or concurrencyPerPage when that is lower. */
  isolatedContexts?: number;
  /** How long one probe may take before its cell is an error (never "blocked"). Default: defaults.probeTimeoutMs. */
  probeTimeoutMs?: number;
  /** A missing engine is an error instead of a notice (for CI). Default: defaults.requireEngines. */
  requireEngines?: boolean;
  /** A missing proxy (nginx, Apache httpd) is an error instead of a notice (for CI). Default: defaults.requireStacks. */
  requireStacks?: boolean;
  /** Where the stacks run. Default: `runtime` in defaults.configFile, else defaults.runtime. */
  runtime?: RuntimeName;
  /** Docker runtime: images as `KEY=IMAGE`; a key given here replaces the config file's list for it. Default: `images` in defaults.configFile, else defaults.images. */
  images?: readonly string[];
  /** Origins by name as `NAME=ORIGIN` (`app=https://app.example.com`), over every scenario's own. Default: `origins` in defaults.configFile (under a scenario's own), else the lab's. */
  origins?: readonly string[];
  /** Print the cells the run would execute, after validation, and start nothing. Default: false. */
  list?: boolean;
  /** Start no new cell once this many cells failed or errored; the cells left are "not run" (RunResults.notRun). Default: no limit. */
  maxFailures?: number;
  /** Run only the cells that failed or errored in the previous `results.json` of outputDir. Default: false. */
  lastFailed?: boolean;
  /** Every scenario runs against this server the user runs (`http://127.0.0.1:3000`), in place of the lab's stacks, or beside those `stacks` names. Default: none. */
  target?: string;
  /** After the run, watch the scenario paths and run again the scenarios whose files change, until interrupted. Default: false. */
  watch?: boolean;
  /** After the run, write each failed cell's observation into its scenario file as the expectation, showing the diff first. Default: false. */
  update?: boolean;
  /** With update: show the diffs, write nothing. Default: false. */
  dryRun?: boolean;
  // Shards and remote browsers (issue 19).
  /** Only this part of the planned cells (harness/plan/shard.ts): disjoint from the other parts, together the whole run. Default: every cell. */
  shard?: Shard;
  /** Browsers started elsewhere behind Playwright's browser server, `ENGINE=ws://HOST:PORT/…`; on this machine only loopback. Default: none (every engine is launched). */
  connect?: readonly string[];
  /** W3C WebDriver endpoints of browsers started elsewhere, `webkit=http://HOST:PORT`; on this machine only loopback. Default: none. */
  webdriver?: readonly string[];
}

/** The hosts a remote browser's endpoint may have here: this machine's loopback, so that everything the browser does stays on it. */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'] as const;

/**
 * `--connect` and `--webdriver`, checked: a known engine that can be reached
 * that way, at most one endpoint per engine, a ws:// (Playwright) or http://
 * (WebDriver) URL, and a loopback host. A browser on another machine would
 * resolve the lab's *.localhost names to itself, and its traffic would leave
 * this machine, so it is refused here; the flag is named.
 */
export function remoteBrowsers(config: Pick<RunConfig, 'connect' | 'webdriver'>): Partial<Record<EngineName, RemoteBrowser>> {
  const remotes: Partial<Record<EngineName, RemoteBrowser>> = {};
  const read = (flag: 'connect' | 'webdriver', protocol: RemoteBrowser['protocol'], schemes: readonly string[], example: string) => {
    for (const option of config[flag] ?? []) {
      const where = `--${flag} ${option}`;
      const eq = option.indexOf('=');
      if (eq <= 0) throw new SettingsError(`${where}: expected ENGINE=URL, e.g. --${flag} ${example}`);
      const [engine, endpoint] = [option.slice(0, eq), option.slice(eq + 1)];
      const driver = engineDriver(engine);
      if (!driver) {
        const hint = didYouMean(engine, engineNames());
        throw new SettingsError(`${where}: unknown engine \`${engine}\`${hint ? ` (did you mean ${hint}?)` : ''}; known: ${engineNames().join(', ')}`);
      }
      if (!driver.connect || !driver.remoteProtocols?.includes(protocol)) {
        const other = flag === 'connect' ? 'webdriver' : 'connect';
        throw new SettingsError(`${where}: ${driver.label} cannot be reached by ${protocol === 'playwright' ? "Playwright's browser server" : 'W3C WebDriver'}${driver.remoteProtocols?.length ? ` (use --${other})` : ''}`);
      }
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        throw new SettingsError(`${where}: \`${endpoint}\` is not a URL; expected ${example.slice(example.indexOf('=') + 1)}`);
      }
      if (!schemes.includes(url.protocol)) throw new SettingsError(`${where}: the URL must start with ${schemes.map((s) => `${s}//`).join(' or ')}, got ${url.protocol}//`);
      if (!(LOOPBACK_HOSTS as readonly string[]).includes(url.hostname)) {
        throw new SettingsError(
          `${where}: ${url.hostname} is not this machine's loopback (${LOOPBACK_HOSTS.slice(0, 3).join(', ')}): a browser elsewhere would reach the lab's *.localhost names on its own machine and send the run's traffic off this one, so only a browser on this machine is connected to (start it with \`corslab browser-server ${engine}\`)`,
        );
      }
      if (remotes[engine]) throw new SettingsError(`${where}: ${engine} is already connected to ${remotes[engine]!.endpoint}; give one endpoint per engine`);
      remotes[engine] = { protocol, endpoint };
    }
  };
  read('connect', 'playwright', ['ws:', 'wss:'], 'chromium=ws://127.0.0.1:9222/abc');
  read('webdriver', 'webdriver', ['http:', 'https:'], 'webkit=http://127.0.0.1:4444');
  return remotes;
}

/** What a run takes: RunConfig's settings made into what the run uses, and what only a program can pass. */
export interface RunOptions extends Pick<RunConfig, 'stacks' | 'target' | 'requireEngines' | 'requireStacks' | 'concurrencyPerPage' | 'isolatedContexts' | 'probeTimeoutMs' | 'maxFailures' | 'shard'> {
  scenarios: Scenario[];
  /** RunConfig's engines, always given. */
  engines: NonNullable<RunConfig['engines']>;
  /** RunConfig's grep, compiled (case-insensitive). */
  grep?: RegExp;
  /** RunConfig's reporters, made for its outputDir. */
  reporters: Reporter[];
  /** RunConfig's runtime and images, resolved with the config file (harness/config/settings.ts). Default: local. */
  runtime?: RuntimeSettings;
  /** Stops everything the run started; the CLI calls its `stopAll` on Ctrl-C. */
  cleanup?: Cleanup;
  /** The chapters and claims index: each claim is decided from this run's cells. */
  curriculum?: Curriculum & { dir: string };
  /** Only the cells with these ids (`scenario#probe@stack/engine`), as well as the other filters: what lastFailed found. */
  onlyCells?: ReadonlySet<string>;
  /** Engines whose browser runs elsewhere and is connected to instead of launched (RunConfig's connect and webdriver, checked). */
  remotes?: Partial<Record<EngineName, RemoteBrowser>>;
}

/** What a run needs besides its configuration: the scenarios (validated) and what a program hands over. */
export interface RunInputs {
  scenarios: Scenario[];
  /** From runtimeSettings(): the config's runtime and images over the config file's. */
  runtime: RuntimeSettings;
  cleanup?: Cleanup;
  curriculum?: Curriculum & { dir: string };
  /** The cells lastFailed read from the previous results (harness/run/last-failed.ts). */
  onlyCells?: ReadonlySet<string>;
}

/** Where the stacks run: the defaults, then the config file, then the configuration, which wins. Throws SettingsError. */
export function runtimeSettings(config: RunConfig, file: { file: string; config: ConfigFile } | undefined): RuntimeSettings {
  return resolveSettings(file, { ...(config.runtime !== undefined ? { runtime: config.runtime } : {}), ...(config.images ? { image: [...config.images] } : {}) });
}

/**
 * The origins a run gives its scenarios: the config file's under each
 * scenario's own, the command line's over them. Each name and value is
 * checked here, and a problem names the flag or the file's field; nothing
 * has started.
 */
export function runOrigins(config: RunConfig, file: { file: string; config: ConfigFile } | undefined): RunOrigins {
  const check = (name: string, value: string, where: string) => {
    if (!ORIGIN_NAME.test(name)) throw new SettingsError(`${where}: \`${name}\` cannot name an origin (letters and digits, starting with a lower-case letter; it is also the placeholder {${name}})`);
    if ((RESERVED_ORIGIN_NAMES as readonly string[]).includes(name)) throw new SettingsError(`${where}: \`${name}\` is taken (${RESERVED_ORIGIN_NAMES.join(', ')} mean something of their own)`);
    const problem = originProblem(value);
    if (problem) throw new SettingsError(`${where}: ${problem}`);
  };
  const under = file?.config.origins;
  for (const [name, value] of Object.entries(under ?? {})) check(name, value, `${file!.file} origins.${name}`);
  const over: Record<string, string> = {};
  for (const option of config.origins ?? []) {
    const where = `--origin ${option}`;
    const eq = option.indexOf('=');
    if (eq <= 0) throw new SettingsError(`${where}: expected NAME=ORIGIN, e.g. --origin app=https://app.example.com`);
    const [name, value] = [option.slice(0, eq), option.slice(eq + 1)];
    check(name, value, where);
    over[name] = value;
  }
  return { ...(under ? { under } : {}), ...(config.origins?.length ? { over } : {}) };
}

/** The run's options from a configuration, with its defaults applied where the run does not apply them itself. */
export function runOptions(config: RunConfig, inputs: RunInputs): RunOptions {
  const concurrency = config.concurrencyPerPage;
  return {
    scenarios: config.target === undefined ? inputs.scenarios : inputs.scenarios.map((s) => ({ ...s, server: { ...s.server, url: config.target } })),
    ...(config.target !== undefined ? { target: config.target } : {}),
    engines: config.engines ?? engineNames(),
    stacks: config.stacks,
    grep: config.grep ? new RegExp(config.grep, 'i') : undefined,
    reporters: createReporters(config.reporters ?? [...defaults.reporters], config.outputDir ?? defaults.outputDir),
    requireEngines: config.requireEngines ?? defaults.requireEngines,
    requireStacks: config.requireStacks ?? defaults.requireStacks,
    concurrencyPerPage: concurrency,
    // A low concurrency (`-c 1`: one cell at a time) holds for the isolated contexts too.
    isolatedContexts: config.isolatedContexts ?? (concurrency === undefined ? undefined : Math.min(concurrency, defaults.isolatedContexts)),
    probeTimeoutMs: config.probeTimeoutMs,
    maxFailures: config.maxFailures,
    ...(config.shard ? { shard: config.shard } : {}),
    ...(config.connect?.length || config.webdriver?.length ? { remotes: remoteBrowsers(config) } : {}),
    cleanup: inputs.cleanup,
    runtime: inputs.runtime,
    ...(inputs.curriculum ? { curriculum: inputs.curriculum } : {}),
    ...(inputs.onlyCells ? { onlyCells: inputs.onlyCells } : {}),
  };
}
