/**
 * Apache httpd's processes: finding the binary, its config test, running it.
 * Loaded only when a proxy is looked up, tested or started (see index.ts), so
 * that what httpd knows as data (lint, config, fixes) loads without them.
 */
import { execFile } from 'node:child_process';
import { locateExecutable } from '../../../harness/system/locate.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeDeath, runHere, spawnListening } from '../../../harness/system/server-process.ts';
import { apacheVersion } from './image.ts';
import { modulesDir } from './config.ts';
import type { CommandRunner, ConfigLine, ProxyStartOptions, ConfigProblem, ProxyLocation, StartedProxy } from '../proxy.ts';

const run = promisify(execFile);

/** Where Debian and other layouts put httpd; CORSLAB_APACHE_PATH points elsewhere. */
const CANDIDATES = ['/usr/sbin/apache2', '/usr/sbin/httpd', '/usr/local/apache2/bin/httpd'];

let located: Promise<ProxyLocation> | undefined;

/** The httpd binary and its version, looked up once per process. */
export function locateApache(): Promise<ProxyLocation> {
  located ??= (async (): Promise<ProxyLocation> => {
    const found = locateExecutable({ what: 'Apache httpd', envVar: 'CORSLAB_APACHE_PATH', candidates: CANDIDATES, install: 'install it with scripts/setup.mjs' });
    if (!found.available) return found;
    const { executable } = found;
    try {
      // `apache2 -v` prints "Server version: Apache/2.4.62 (Debian)" on stdout.
      const { stdout } = await run(executable, ['-v']);
      return { available: true, executable, version: apacheVersion(stdout) ?? 'unknown' };
    } catch (error) {
      return { available: false, reason: `${executable} -v failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
    }
  })();
  return located;
}

/** Writes httpd.conf, and the empty document root it names, into the run's folder for the scenario. */
async function writeConfig(dir: string, lines: ConfigLine[]): Promise<string> {
  const file = path.join(dir, 'httpd.conf');
  await mkdir(path.join(dir, 'htdocs'), { recursive: true });
  await writeFile(file, `${lines.map((l) => l.text).join('\n')}\n`);
  return file;
}

/**
 * What `apache2 -t` printed, as problems with the config line they name. httpd
 * reports one syntax error and stops, in one of two shapes:
 *   AH00526: Syntax error on line 20 of /tmp/x/httpd.conf:
 *   Invalid command 'Foo', perhaps misspelled or defined by a module not included in the server configuration
 * or, for a section that does not close, on one line:
 *   apache2: Syntax error on line 22 of /tmp/x/httpd.conf: Expected </If> but saw </Location>
 */
export function parseConfigTest(output: string, file: string): ConfigProblem[] {
  const lines = output.split('\n').map((l) => l.trimEnd());
  const problems: ConfigProblem[] = [];
  lines.forEach((line, i) => {
    const match = /Syntax error on line (\d+) of (.+?):(?: (.*))?$/.exec(line);
    if (!match) return;
    const message = (match[3] ?? lines[i + 1] ?? '').replaceAll('\\n', ' ').trim() || 'syntax error';
    problems.push({ line: match[2] === file ? Number(match[1]) : 0, message });
  });
  if (problems.length > 0) return problems;
  const other = lines.filter((l) => l !== '' && l !== 'Syntax OK').join(' ');
  return [{ line: 0, message: other || 'the config test failed without a message' }];
}

/** `apache2 -t` on a generated config: the problems httpd reports, with the line it names. */
export async function testApacheConfig(executable: string, dir: string, lines: ConfigLine[], runner: CommandRunner = runHere): Promise<ConfigProblem[]> {
  const file = await writeConfig(dir, lines);
  const { code, stdout, stderr } = await runner([executable, '-t', '-f', file]);
  return code === 0 ? [] : parseConfigTest(`${stderr}\n${stdout}`, file);
}

/** httpd in the foreground on a generated config: the same command here and in a container. */
export async function apacheForeground(executable: string, dir: string, lines: ConfigLine[]): Promise<string[]> {
  const file = await writeConfig(dir, lines);
  return [executable, '-f', file, '-DFOREGROUND'];
}

/**
 * Starts httpd in the foreground (`-DFOREGROUND`: no daemon, no setsid, so it
 * stays in the process group spawnOwned gives it, with its worker children)
 * and waits until every virtual host listens.
 */
export async function startApache(executable: string, dir: string, lines: ConfigLine[], ports: number[], options: ProxyStartOptions = {}): Promise<StartedProxy> {
  const foreground = await apacheForeground(executable, dir, lines);
  // Confined, it reads its binary and the modules the config loads; nothing else of this machine.
  const [command, ...args] = options.confine ? options.confine(foreground, [executable, modulesDir()]) : foreground;
  const child = await spawnListening(command!, args, { what: `Apache httpd (${path.basename(dir)})`, ports, timeoutMs: 5_000 });
  // TERM to the group: the parent stops at once and so does every child; a graceful stop (WINCH) would wait for open connections.
  return { stop: () => child.stop(2_000), died: () => describeDeath(`Apache httpd (${path.basename(dir)}, pid ${child.process.pid})`, child.died()) };
}
