import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
import { toolVersion } from '../system/project.ts';
import { CLEAN_OPTIONS, EXPLAIN_OPTIONS, helpText, parseRunArgs } from './options.ts';
import { describeLeftover, findLeftovers, removeLeftovers, type Leftover } from '../system/leftovers.ts';
import { holdLifeline } from '../system/lifeline.ts';
import { UsageError, names, oneOf } from './flags.ts';
import { explainRequestText } from '../explanations/explain-request.ts';
import { ModelInputError } from '../model/index.ts';
import { SettingsError } from '../config/settings.ts';
import { readConfigFile } from '../../servers/runtimes/catalog.ts';

/** Exit codes: 0 every cell as expected, 1 a cell failed or errored, 2 bad input (nothing was started), 128 + the signal's number when stopped by SIGINT (130) or SIGTERM (143). */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130, terminated: 143 } as const;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(helpText());
    return command === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${toolVersion()}\n`);
    return EXIT.ok;
  }
  try {
    if (command === 'run') return await runCommand(rest);
    if (command === 'validate') return await validateCommand(rest);
    if (command === 'explain') return explainCommand(rest);
    if (command === 'clean') return await cleanCommand(rest);
    throw new UsageError(`unknown command "${command}"; try \`corslab --help\``);
  } catch (error) {
    if (error instanceof ScenarioValidationError) {
      process.stderr.write(`corslab: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in scenario files; nothing was started.\n${formatProblems(error.problems)}\n`);
      return EXIT.badInput;
    }
    if (error instanceof UsageError || error instanceof RunSetupError || error instanceof SettingsError) {
      process.stderr.write(`corslab: ${error.message}\n`);
      return EXIT.badInput;
    }
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`corslab: ${error.message}; try \`corslab --help\`\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}

/**
 * Removes what runs whose harness is gone left behind (harness/system/leftovers.ts):
 * processes, temporary folders, Docker containers, found by the label each
 * carries. A live run's are never touched. `--dry-run` lists only.
 */
async function cleanCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: CLEAN_OPTIONS });
  const dryRun = values['dry-run'] === true;
  const { leftovers, notes } = await findLeftovers();
  for (const note of notes) process.stderr.write(`corslab clean: note: ${note}\n`);
  if (leftovers.length === 0) {
    process.stdout.write('corslab clean: nothing is left by a run whose harness is gone\n');
    return EXIT.ok;
  }
  if (dryRun) {
    for (const leftover of leftovers) process.stdout.write(`would remove ${escapeForTerminal(describeLeftover(leftover))}\n`);
    process.stdout.write(`corslab clean: ${countOf(leftovers)} would be removed (--dry-run: nothing was)\n`);
    return EXIT.ok;
  }
  const { removed, failed } = await removeLeftovers(leftovers);
  for (const leftover of removed) process.stdout.write(`removed ${escapeForTerminal(describeLeftover(leftover))}\n`);
  for (const { leftover, reason } of failed) process.stderr.write(`corslab clean: could not remove ${escapeForTerminal(describeLeftover(leftover))}: ${reason}\n`);
  process.stdout.write(`corslab clean: ${countOf(removed)} removed${failed.length > 0 ? `, ${failed.length} not` : ''}\n`);
  return failed.length > 0 ? EXIT.failed : EXIT.ok;
}

function countOf(leftovers: readonly Leftover[]): string {
  const count = (kind: Leftover['kind']) => leftovers.filter((l) => l.kind === kind).length;
  return `${count('process')} process(es), ${count('folder')} folder(s), ${count('container')} container(s)`;
}

/** A command line is anyone's text: control characters are shown, not sent to the terminal. */
function escapeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function explainCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: EXPLAIN_OPTIONS });
  if (!values.origin || !values.url) throw new UsageError('explain needs --origin and --url, e.g. `corslab explain --origin https://app.example.com --url https://api.example.com/items -X PUT`');
  const headers = (values.header ?? []).map((line): [string, string] => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must look like "Name: value", got "${line}"`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  const stacks = values.stack ? names(stackNames, 'stack').convert(values.stack, 'stack') : stackNames();
  const credentials = values.credentials === undefined ? undefined : oneOf(['omit', 'same-origin', 'include'] as const).convert(values.credentials, 'credentials');
  const mode = values.mode === undefined ? undefined : oneOf(['cors', 'no-cors', 'same-origin'] as const).convert(values.mode, 'mode');
  try {
    const text = explainRequestText(
      {
        pageOrigin: values.origin,
        url: values.url,
        ...(values.method ? { method: values.method } : {}),
        headers,
        ...(values.body !== undefined ? { body: values.body } : {}),
        ...(credentials ? { credentials } : {}),
        ...(mode ? { mode } : {}),
      },
      values.read ?? [],
      stacks,
    );
    process.stdout.write(text);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ModelInputError) throw new UsageError(error.message);
    throw error;
  }
}

async function validateCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  // The config file's origins are every scenario's too, so a name declared only there is known.
  const scenarios = await loadScenarios(positionals.length ? positionals : [defaults.scenarioDir], defaults.scenarioDir, runOrigins({}, await readConfigFile()));
  const curriculum = await curriculumFor(positionals, scenarios);
  // The proxies' own config tests, where the proxy is installed. They start processes and write
  // folders, so they hold the lifeline: a Ctrl-C there (Node's own exit) leaves nothing either.
  const locations = await locateProxies(scenarios);
  const lifeline = holdLifeline();
  try {
    await checkProxyConfigs(scenarios, locations);
  } finally {
    await lifeline.release({ clean: true });
  }
  for (const [name, location] of Object.entries(locations)) {
    if (!location.available) process.stdout.write(`note: ${name} is not installed, so its configs were not tested: ${location.reason}\n`);
  }
  const probes = scenarios.reduce((n, s) => n + s.probes.length, 0);
  process.stdout.write(`${scenarios.length} scenario files, ${probes} probes: all valid\n`);
  if (curriculum) process.stdout.write(`${curriculum.chapters.length} chapters, ${curriculum.claims.length} claims (${path.join(curriculum.dir, CLAIMS_FILE)}): all valid\n`);
  return EXIT.ok;
}

async function runCommand(args: string[]): Promise<number> {
  const { paths, config } = parseRunArgs(args);
  // The runtime and its images: defaults, then corslab.config.json, then the command line.
  const configFile = await readConfigFile();
  const runtime = runtimeSettings(config, configFile);
  // Images are the Docker runtime's; on this machine's processes they would be ignored without a word.
  // (--image with the local runtime is refused by the settings already.)
  if (runtime.runtime !== 'docker' && configFile?.config.images) {
    process.stderr.write(`corslab: note: "images" in ${path.basename(configFile.file)} apply to the Docker runtime only; this run uses the ${runtime.runtime} runtime (${runtime.runtimeFrom}), so no image is used\n`);
  }

  // Validation first: on bad input nothing starts. That includes a folder the reports could not be written to.
  if ((config.reporters ?? defaults.reporters).some((r) => r !== 'terminal')) await checkOutputDir(config.outputDir ?? defaults.outputDir);
  const scenarios = await loadScenarios(paths.length ? paths : [defaults.scenarioDir], defaults.scenarioDir, runOrigins(config, configFile));
  const curriculum = await curriculumFor(paths, scenarios);

  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    // A second signal, or a stop that takes too long, exits at once: the process's exit hook and the lifeline end what is left.
    if (interrupted) {
      process.stderr.write(`corslab: ${signal} again: exiting now\n`);
      process.exit(code);
    }
    interrupted = true;
    process.stderr.write(`\ncorslab: ${signal}: stopping every server and browser this run started\n`);
    setTimeout(() => {
      process.stderr.write(`corslab: stopping took longer than ${defaults.interruptGraceMs} ms: exiting now\n`);
      process.exit(code);
    }, defaults.interruptGraceMs).unref();
    void cleanup.stopAll({ exiting: true }).finally(() => process.exit(code));
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
