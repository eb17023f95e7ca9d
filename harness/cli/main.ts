import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaults } from '../config/defaults.ts';
import { Cleanup } from '../core/cleanup.ts';
import { stackNames } from '../../servers/labels.ts';
import { ScenarioValidationError, formatProblems } from '../scenarios/errors.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { checkProxyConfigs } from '../run/proxy-check.ts';
import { locateProxies } from '../../servers/proxies/locate.ts';
import type { Scenario } from '../core/format.ts';
import { CLAIMS_FILE, hasCurriculum, loadCurriculum } from '../curriculum/load.ts';
import type { Curriculum } from '../curriculum/types.ts';
import { ReportsNotWrittenError, RunSetupError, runLab } from '../run/run.ts';
import { runOptions, runOrigins, runtimeSettings } from '../run/config.ts';
import { listCells } from '../run/list.ts';
import { cellListText } from './list-text.ts';
import { toolVersion } from '../system/project.ts';
import { COMMANDS, commandHelp, helpText, parseExplainArgs, parseRunArgs, parseValidateArgs, type CommandName } from './options.ts';
import { UsageError } from './flags.ts';
import { colorEnabled, styled, STYLE } from '../system/color.ts';
import { didYouMean } from '../core/text.ts';
import { explainRequestText } from '../explanations/explain-request.ts';
import { ModelInputError } from '../model/index.ts';
import { SettingsError } from '../config/settings.ts';
import { readConfigFile } from '../../servers/runtimes/catalog.ts';

/** Exit codes: 0 every cell as expected, 1 a cell failed or errored, 2 bad input (nothing was started). */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const colorOut = colorEnabled(process.stdout);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic !== undefined && isCommand(topic)) {
      process.stdout.write(commandHelp(topic, colorOut));
      return EXIT.ok;
    }
    process.stdout.write(helpText(colorOut));
    // `corslab` alone is not a request for help: a script that forgot its command fails.
    return command === undefined || topic !== undefined ? EXIT.badInput : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${toolVersion()}\n`);
    return EXIT.ok;
  }
  try {
    if (command === 'run') return await runCommand(rest);
    if (command === 'validate') return await validateCommand(rest);
    if (command === 'explain') return explainCommand(rest);
    throw new UsageError(unknownCommand(command));
  } catch (error) {
    if (error instanceof ScenarioValidationError) {
      say(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in scenario files; nothing was started.\n${formatProblems(error.problems)}`, 'error');
      return EXIT.badInput;
    }
    if (error instanceof UsageError || error instanceof RunSetupError || error instanceof SettingsError) {
      say(error.message, 'error');
      return EXIT.badInput;
    }
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      say(`${error.message}; see \`corslab ${isCommand(command) ? `${command} ` : ''}--help\``, 'error');
      return EXIT.badInput;
    }
    throw error;
  }
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** What to say of a command that is not one: the nearest command, or where a flag given first belongs. */
function unknownCommand(command: string): string {
  const commands = Object.keys(COMMANDS);
  if (command.startsWith('-')) {
    const owner = commands.find((c) => Object.values(COMMANDS[c as CommandName].flags).some((f) => `--${f.flag}` === command.split('=')[0] || `-${f.short}` === command));
    return `${command} is not a command${owner ? `; it is an option of ${owner}: \`corslab ${owner} ${command} ...\`` : ''}; see \`corslab --help\``;
  }
  const hint = didYouMean(command, commands);
  return `unknown command "${command}"${hint ? ` (did you mean \`corslab ${hint}\`?)` : ''}; the commands are ${commands.join(', ')}; see \`corslab --help\``;
}

/**
 * A message of the CLI's own on stderr, after `corslab:`: red for an error,
 * yellow for a note, when stderr takes colour (harness/system/color.ts).
 */
export function say(message: string, kind: 'error' | 'note' | 'plain' = 'plain'): void {
  const color = colorEnabled(process.stderr);
  const prefix = kind === 'error' ? styled(color, STYLE.red, 'corslab:') : kind === 'note' ? `corslab: ${styled(color, STYLE.yellow, 'note:')}` : 'corslab:';
  process.stderr.write(`${prefix} ${message}\n`);
}

function explainCommand(args: string[]): number {
  const { help, config } = parseExplainArgs(args);
  if (help) {
    process.stdout.write(commandHelp('explain', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  if (!config.origin || !config.url) throw new UsageError('explain needs --origin and --url, e.g. `corslab explain --origin https://app.example.com --url https://api.example.com/items -X PUT`');
  try {
    const text = explainRequestText(
      {
        pageOrigin: config.origin,
        url: config.url,
        ...(config.method ? { method: config.method } : {}),
        headers: [...(config.headers ?? [])],
        ...(config.body !== undefined ? { body: config.body } : {}),
        ...(config.credentials ? { credentials: config.credentials } : {}),
        ...(config.mode ? { mode: config.mode } : {}),
      },
      config.read ?? [],
      config.stacks ?? stackNames(),
    );
    process.stdout.write(text);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ModelInputError) throw new UsageError(error.message);
    throw error;
  }
}

async function validateCommand(args: string[]): Promise<number> {
  const { help, paths: positionals } = parseValidateArgs(args);
  if (help) {
    process.stdout.write(commandHelp('validate', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  // The config file's origins are every scenario's too, so a name declared only there is known.
  const scenarios = await loadScenarios(positionals.length ? positionals : [defaults.scenarioDir], defaults.scenarioDir, runOrigins({}, await readConfigFile()));
  const curriculum = await curriculumFor(positionals, scenarios);
  // The proxies' own config tests, where the proxy is installed.
  const locations = await locateProxies(scenarios);
  await checkProxyConfigs(scenarios, locations);
  for (const [name, location] of Object.entries(locations)) {
    if (!location.available) process.stdout.write(`note: ${name} is not installed, so its configs were not tested: ${location.reason}\n`);
  }
  const probes = scenarios.reduce((n, s) => n + s.probes.length, 0);
  process.stdout.write(`${scenarios.length} scenario files, ${probes} probes: all valid\n`);
  if (curriculum) process.stdout.write(`${curriculum.chapters.length} chapters, ${curriculum.claims.length} claims (${path.join(curriculum.dir, CLAIMS_FILE)}): all valid\n`);
  return EXIT.ok;
}

async function runCommand(args: string[]): Promise<number> {
  const { help, paths, config } = parseRunArgs(args);
  if (help) {
    process.stdout.write(commandHelp('run', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  // The runtime and its images: defaults, then corslab.config.json, then the command line.
  const configFile = await readConfigFile();
  const runtime = runtimeSettings(config, configFile);
  // Images are the Docker runtime's; on this machine's processes they would be ignored without a word.
  // (--image with the local runtime is refused by the settings already.)
  if (runtime.runtime !== 'docker' && configFile?.config.images) {
    say(`"images" in ${path.basename(configFile.file)} apply to the Docker runtime only; this run uses the ${runtime.runtime} runtime (${runtime.runtimeFrom}), so no image is used`, 'note');
  }

  // Validation first: on bad input nothing starts. That includes a folder the reports could not be written to.
  const writesReports = !config.list && (config.reporters ?? defaults.reporters).some((r) => r !== 'terminal');
  if (writesReports) await checkOutputDir(config.outputDir ?? defaults.outputDir);
  const scenarios = await loadScenarios(paths.length ? paths : [defaults.scenarioDir], defaults.scenarioDir, runOrigins(config, configFile));
  const curriculum = await curriculumFor(paths, scenarios);
  if (config.list) {
    process.stdout.write(cellListText(listCells(runOptions({ ...config, reporters: [] }, { scenarios, runtime }))));
    return EXIT.ok;
  }

  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write('\n');
    say(`${signal}: stopping every server and browser this run started`);
    void cleanup.stopAll().finally(() => process.exit(EXIT.interrupted));
  };
  // `on`, not `once`: the listener must still be there while the run stops, so that
  // harness/system/children.ts sees the signal is handled and lets cleanup finish.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const results = await runLab(runOptions(config, { scenarios, runtime, cleanup, ...(curriculum ? { curriculum } : {}) }));
    return results.summary.fail + results.summary.error === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    // Each reporter already said what it could not write; a report asked for and missing is a failed run.
    if (error instanceof ReportsNotWrittenError) return EXIT.failed;
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The curriculum goes with the project's own scenarios: it is loaded (and
 * checked against them) when the run reads the whole default scenario folder
 * and the curriculum folder is there. A user's own scenario files run without it.
 */
async function curriculumFor(positionals: string[], scenarios: Scenario[]): Promise<(Curriculum & { dir: string }) | undefined> {
  const usesDefault = positionals.length === 0 || positionals.every((p) => path.resolve(p) === path.resolve(defaults.scenarioDir));
  if (!usesDefault || !(await hasCurriculum(defaults.curriculumDir))) return undefined;
  return { ...(await loadCurriculum(defaults.curriculumDir, scenarios)), dir: defaults.curriculumDir };
}

export function reportPath(outputDir: string): string {
  return path.join(outputDir, 'index.html');
}

/** The reports' folder can be made and written to (a file there, or a folder without write access, is refused before anything starts). */
async function checkOutputDir(dir: string): Promise<void> {
  const probe = path.join(dir, `.corslab-write-check-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? `${String(error.code)}: ${error.message}` : String(error);
    throw new UsageError(`--output ${dir}: the reports cannot be written there (${reason})`);
  }
}
