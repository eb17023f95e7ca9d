import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaults } from '../config/defaults.ts';
import type { RuntimeSettings } from '../config/settings.ts';
import { Cleanup } from '../core/cleanup.ts';
import { unifiedDiff } from '../core/diff.ts';
import type { Scenario } from '../core/format.ts';
import { hasCurriculum, loadCurriculum } from '../curriculum/load.ts';
import type { Curriculum } from '../curriculum/types.ts';
import type { RunResults } from '../results/types.ts';
import { loadScenarios, type RunOrigins } from '../scenarios/load.ts';
import { SOURCE_TODO, planUpdates } from '../scenarios/update.ts';
import { runOptions, runOrigins, runtimeSettings, type RunConfig } from '../run/config.ts';
import { lastFailed } from '../run/last-failed.ts';
import { listCells } from '../run/list.ts';
import { ReportsNotWrittenError, runLab } from '../run/run.ts';
import { readConfigFile } from '../../servers/runtimes/catalog.ts';
import { colorEnabled } from '../system/color.ts';
import { UsageError } from './flags.ts';
import { cellListText } from './list-text.ts';
import { EXIT, coloredDiff, say, sayBadInput } from './messages.ts';
import { commandHelp, parseRunArgs } from './options.ts';
import { runConfigOf } from './config-file.ts';
import { watchScenarios, type ScenarioWatcher } from './watch.ts';

/** What every run of one `corslab run` shares: with --watch there are several. */
interface RunContext {
  config: RunConfig;
  runtime: RuntimeSettings;
  origins: RunOrigins;
  /** The run in progress, whose servers and browsers Ctrl-C stops. */
  current?: Cleanup;
  watcher?: ScenarioWatcher;
}

/**
 * `corslab run`: validate, then (--list) print the cells, or run them and
 * report; then (--update) write what failed cells observed, and (--watch)
 * run the scenarios whose files change again until Ctrl-C.
 */
export async function runCommand(args: string[]): Promise<number> {
  const parsed = parseRunArgs(args);
  const { help, paths } = parsed;
  if (help) {
    process.stdout.write(commandHelp('run', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  if (parsed.config.dryRun && !parsed.config.update) throw new UsageError('--dry-run goes with --update: `corslab run --update --dry-run` shows what would be written, and writes nothing');
  // A changed file's scenarios are a plan of their own, whose split says nothing of the shard's.
  if (parsed.config.shard && parsed.config.watch) throw new UsageError(`--shard ${parsed.config.shard.index}/${parsed.config.shard.total} does not go with --watch: a rerun of the changed files is not a part of the first run's plan; watch without --shard`);
  if (parsed.config.list) {
    const conflicting = [parsed.config.watch && '--watch', parsed.config.update && '--update', parsed.config.maxFailures !== undefined && '--max-failures'].filter(Boolean);
    if (conflicting.length > 0) throw new UsageError(`--list starts nothing, so it does not go with ${conflicting.join(' or ')}`);
  }
  // The runtime and its images, and every other setting: defaults, then corslab.config.(ts|js|mjs|json), then the command line.
  const configFile = await readConfigFile();
  const config: RunConfig = { ...runConfigOf(configFile), ...parsed.config };
  const runtime = runtimeSettings(config, configFile);
  // Images are the Docker runtime's; on this machine's processes they would be ignored without a word.
  // (--image with the local runtime is refused by the settings already.)
  if (runtime.runtime !== 'docker' && configFile?.config.images) {
    say(`"images" in ${path.basename(configFile.file)} apply to the Docker runtime only; this run uses the ${runtime.runtime} runtime (${runtime.runtimeFrom}), so no image is used`, 'note');
  }

  // Validation first: on bad input nothing starts. That includes a folder the reports could not be written to.
  const outputDir = config.outputDir ?? defaults.outputDir;
  if (!config.list && (config.reporters ?? defaults.reporters).some((r) => r !== 'terminal')) await checkOutputDir(outputDir);
  const givenPaths = paths.length ? paths : [...(configFile?.config.scenarios ?? [])];
  const scenarioPaths = givenPaths.length ? givenPaths : [defaults.scenarioDir];
  const origins = runOrigins(config, configFile);
  const scenarios = await loadScenarios(scenarioPaths, defaults.scenarioDir, origins);
  const curriculum = await curriculumFor(givenPaths, scenarios, origins);
  let onlyCells: ReadonlySet<string> | undefined;
  if (config.lastFailed) {
    const last = await lastFailed(outputDir);
    if (last.ids.size === 0) {
      say(`--last-failed: no cell failed or errored in the previous run (${last.file}, started ${last.startedAt}); nothing to run`);
      return EXIT.ok;
    }
    say(`--last-failed: the ${last.ids.size} cell${last.ids.size === 1 ? '' : 's'} that failed or errored in ${last.file} (started ${last.startedAt})`);
    onlyCells = last.ids;
  }
  if (config.list) {
    const inputs = { scenarios, runtime, ...(onlyCells ? { onlyCells } : {}) };
    const cells = listCells(runOptions({ ...config, reporters: [] }, inputs));
    const { shard } = config;
    process.stdout.write(cellListText(cells, shard && { ...shard, of: listCells(runOptions({ ...config, shard: undefined, reporters: [] }, inputs)).length }));
    return EXIT.ok;
  }

  const context: RunContext = { config, runtime, origins };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    // A second signal, or a stop that takes too long, exits at once: the process's exit hook and the lifeline end what is left.
    if (interrupted) {
      say(`${signal} again: exiting now`);
      process.exit(code);
    }
    interrupted = true;
    process.stderr.write('\n');
    context.watcher?.close();
    if (!context.current) {
      say(`${signal}: stopped watching`);
      process.exit(code);
    }
    say(`${signal}: stopping every server and browser this run started`);
    setTimeout(() => {
      say(`stopping took longer than ${defaults.interruptGraceMs} ms: exiting now`);
      process.exit(code);
    }, defaults.interruptGraceMs).unref();
    void context.current.stopAll({ exiting: true }).finally(() => process.exit(code));
  };
  // `on`, not `once`: the listener must still be there while the run stops, so that
  // harness/system/children.ts sees the signal is handled and lets cleanup finish.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await runOnce(context, scenarios, { ...(curriculum ? { curriculum } : {}), ...(onlyCells ? { onlyCells } : {}) });
    if (!config.watch) return code;
    return await watchAndRun(context, scenarioPaths);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One run of the scenarios, then --update's diffs and writes; the exit code of the run. */
async function runOnce(context: RunContext, scenarios: Scenario[], extra: { curriculum?: Curriculum & { dir: string }; onlyCells?: ReadonlySet<string> }): Promise<number> {
  const cleanup = new Cleanup();
  context.current = cleanup;
  let results: RunResults;
  let code: number;
  try {
    results = await runLab(runOptions(context.config, { scenarios, runtime: context.runtime, cleanup, ...extra }));
    code = results.summary.fail + results.summary.error === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    // Each reporter already said what it could not write; a report asked for and missing is a failed run.
    if (!(error instanceof ReportsNotWrittenError)) throw error;
    results = error.results;
    code = EXIT.failed;
  } finally {
    context.current = undefined;
  }
  if (context.config.update) await update(scenarios, results, context.config.dryRun ?? false);
  return code;
}

/**
 * --watch: after the first run, each change to a scenario file below the
 * given paths runs that file's scenarios again, with new servers and
 * browsers, and writes the reports for them. A file that does not validate
 * is reported and the watching goes on. Returns only when interrupted (the
 * signal handler exits).
 */
async function watchAndRun(context: RunContext, paths: readonly string[]): Promise<number> {
  const waiting = () => say(`watching ${paths.join(', ')} for changes to scenario files; Ctrl-C stops`);
  context.watcher = watchScenarios(paths, async (files) => {
    process.stdout.write(`\n${files.length === 1 ? `${files[0]} changed` : `${files.length} files changed: ${files.join(', ')}`}; running ${files.length === 1 ? 'its' : 'their'} scenarios again\n`);
    try {
      await runOnce(context, await loadScenarios(files, defaults.scenarioDir, context.origins), {});
    } catch (error) {
      if (!sayBadInput(error, 'run')) say(`the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 'error');
    }
    waiting();
  });
  waiting();
  return new Promise<number>(() => {});
}

/**
 * --update: each scenario file with a failed cell, with what was observed
 * written in as the expectation. The diff of every file is shown first;
 * with --dry-run nothing is written.
 */
async function update(scenarios: readonly Scenario[], results: RunResults, dryRun: boolean): Promise<void> {
  const updates = await planUpdates(scenarios, results.cells);
  const changed = updates.filter((u) => u.after !== u.before);
  process.stdout.write('\n');
  for (const u of changed) process.stdout.write(coloredDiff(unifiedDiff(u.before, u.after, u.file)));
  for (const note of updates.flatMap((u) => u.notes)) say(note, 'note');
  const probes = changed.reduce((n, u) => n + u.probes.length, 0);
  const what = `${changed.length} file${changed.length === 1 ? '' : 's'} (${probes} probe${probes === 1 ? '' : 's'})`;
  if (changed.length === 0) {
    process.stdout.write(`--update: ${results.summary.fail === 0 ? 'no cell failed, so' : 'of the failed cells,'} nothing to write\n`);
    return;
  }
  if (dryRun) {
    process.stdout.write(`--update --dry-run: ${what} would change as shown; nothing was written\n`);
    return;
  }
  for (const u of changed) await writeFile(u.file, u.after);
  process.stdout.write(`--update: wrote ${what}, as shown above\n`);
  const todo = changed.filter((u) => u.after.includes(`source: ${SOURCE_TODO}`) && !u.before.includes(`source: ${SOURCE_TODO}`));
  if (todo.length > 0) {
    process.stdout.write(
      `Engines differed, so ${todo.map((u) => u.file).join(', ')} ${todo.length === 1 ? 'has' : 'have'} an expectFor per engine with \`why: "observed; TODO: explain"\` and \`source: ${SOURCE_TODO}\`: explain it and link where it is documented; until then the file does not validate.\n`,
    );
  }
}

/**
 * The curriculum goes with the project's own scenarios: it is loaded (and
 * checked against them) when the run reads the whole default scenario folder
 * and the curriculum folder is there. A user's own scenario files run without it.
 */
export async function curriculumFor(positionals: string[], scenarios: Scenario[], origins: RunOrigins = {}): Promise<(Curriculum & { dir: string }) | undefined> {
  const root = path.resolve(defaults.scenarioDir);
  const usesDefault = positionals.length === 0 || positionals.every((p) => path.resolve(p) === root);
  // A chapter or a few files of the project's own folder still get the claims index, so the report
  // can say which claims this part of the curriculum decided and which it could not. A folder of
  // one's own is not the curriculum's, and gets none.
  const withinDefault = positionals.every((p) => {
    const relative = path.relative(root, path.resolve(p));
    return !relative.startsWith('..') && !path.isAbsolute(relative);
  });
  if (!withinDefault || !(await hasCurriculum(defaults.curriculumDir))) return undefined;
  // The claims name scenarios of the whole folder: they are checked against all of it, and judged from the cells that ran.
  const all = usesDefault ? scenarios : await loadScenarios([defaults.scenarioDir], defaults.scenarioDir, origins);
  return { ...(await loadCurriculum(defaults.curriculumDir, all)), dir: defaults.curriculumDir };
}

/** The reports' folder can be made and written to (a file there, or a folder without write access, is refused before anything starts). */
export async function checkOutputDir(dir: string): Promise<void> {
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
