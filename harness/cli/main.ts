import path from 'node:path';
import { defaults } from '../config/defaults.ts';
import { stackNames } from '../../servers/labels.ts';
import { stackDefinition } from '../../servers/apps/catalog.ts';
import { splitStack } from '../core/names.ts';
import { loadScenarios } from '../scenarios/load.ts';
import { checkProxyConfigs, ownConfRewrites } from '../run/proxy-check.ts';
import { checkOwnApps } from '../run/own-app-check.ts';
import { locateProxies } from '../../servers/proxies/locate.ts';
import { CLAIMS_FILE } from '../curriculum/load.ts';
import { runOrigins } from '../run/config.ts';
import { toolVersion } from '../system/project.ts';
import { COMMANDS, commandHelp, helpText, parseCleanArgs, parseExplainArgs, parseInitArgs, parseValidateArgs, type CommandName } from './options.ts';
import { initProject } from './init.ts';
import { describeLeftover, findLeftovers, removeLeftovers, type Leftover } from '../system/leftovers.ts';
import { holdLifeline } from '../system/lifeline.ts';
import { UsageError } from './flags.ts';
import { colorEnabled } from '../system/color.ts';
import { didYouMean } from '../core/text.ts';
import { explainRequestText } from '../explanations/explain-request.ts';
import { ModelInputError } from '../model/index.ts';
import { readConfigFile } from '../../servers/runtimes/catalog.ts';
import { EXIT, sayBadInput } from './messages.ts';
import { curriculumFor, runCommand } from './run-command.ts';
import { auditCommand } from './audit-command.ts';
import { mergeCommand } from './merge-command.ts';
import { browserServerCommand } from './browser-server-command.ts';

export { EXIT, say } from './messages.ts';

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
    if (command === 'clean') return await cleanCommand(rest);
    if (command === 'init') return await initCommand(rest);
    if (command === 'audit') return await auditCommand(rest);
    if (command === 'merge') return await mergeCommand(rest);
    if (command === 'browser-server') return await browserServerCommand(rest);
    throw new UsageError(unknownCommand(command));
  } catch (error) {
    if (sayBadInput(error, isCommand(command) ? command : undefined)) return EXIT.badInput;
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
 * Removes what runs whose harness is gone left behind (harness/system/leftovers.ts):
 * processes, temporary folders, Docker containers, found by the label each
 * carries. A live run's are never touched. `--dry-run` lists only.
 */
async function cleanCommand(args: string[]): Promise<number> {
  const { help, config } = parseCleanArgs(args);
  if (help) {
    process.stdout.write(commandHelp('clean', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  const { leftovers, notes } = await findLeftovers();
  for (const note of notes) process.stderr.write(`corslab clean: note: ${note}\n`);
  if (leftovers.length === 0) {
    process.stdout.write('corslab clean: nothing is left by a run whose harness is gone\n');
    return EXIT.ok;
  }
  if (config.dryRun) {
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

/** `corslab init`: writes the files (harness/cli/init.ts) and says what to run next. */
async function initCommand(args: string[]): Promise<number> {
  const { help, config } = parseInitArgs(args);
  if (help) {
    process.stdout.write(commandHelp('init', colorEnabled(process.stdout)));
    return EXIT.ok;
  }
  const outcome = await initProject(config);
  for (const name of outcome.written) process.stdout.write(`wrote ${name}
`);
  for (const note of outcome.kept) process.stdout.write(`note: ${note}
`);
  process.stdout.write(`
Next:
${outcome.next.map((line) => `  ${line}
`).join('')}`);
  return EXIT.ok;
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
      // A user's own app (server.app) is no stack explain can name a fix in, unless asked for.
      config.stacks ?? stackNames().filter((name) => !stackDefinition(splitStack(name).app).ownApp),
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
  const configFile = await readConfigFile();
  const scenarios = await loadScenarios(positionals.length ? positionals : (configFile?.config.scenarios ?? [defaults.scenarioDir]), defaults.scenarioDir, runOrigins({}, configFile));
  const curriculum = await curriculumFor(positionals, scenarios, runOrigins({}, configFile));
  // The proxies' own config tests, where the proxy is installed. They start processes and write
  // folders, so they hold the lifeline: a Ctrl-C there (Node's own exit) leaves nothing either.
  const locations = await locateProxies(scenarios);
  const lifeline = holdLifeline();
  try {
    await checkProxyConfigs(scenarios, locations);
    // A user's app module (server.app) is loaded, which runs its code: a module that does not load is a problem at its line.
    await checkOwnApps(scenarios);
  } finally {
    await lifeline.release({ clean: true });
  }
  for (const [name, location] of Object.entries(locations)) {
    if (!location.available) process.stdout.write(`note: ${name} is not installed, so its configs were not tested: ${location.reason}\n`);
  }
  for (const line of ownConfRewrites(scenarios)) process.stdout.write(`${line}\n`);
  const probes = scenarios.reduce((n, s) => n + s.probes.length, 0);
  process.stdout.write(`${scenarios.length} scenario files, ${probes} probes: all valid\n`);
  if (curriculum) process.stdout.write(`${curriculum.chapters.length} chapters, ${curriculum.claims.length} claims (${path.join(curriculum.dir, CLAIMS_FILE)}): all valid\n`);
  return EXIT.ok;
}

export function reportPath(outputDir: string): string {
  return path.join(outputDir, 'index.html');
}
