/**
 * nginx's processes: finding the binary, its config test, running it. Loaded
 * only when a proxy is looked up, tested or started (see index.ts), so that
 * what nginx knows as data (lint, config, fixes) loads without them.
 */
import { execFile } from 'node:child_process';
import { locateExecutable } from '../../../harness/system/locate.ts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeDeath, runHere, spawnListening } from '../../../harness/system/server-process.ts';
import { nginxVersion } from './image.ts';
import type { CommandRunner, ConfigLine, ProxyStartOptions, ConfigProblem, ProxyLocation, StartedProxy } from '../proxy.ts';

const run = promisify(execFile);

/** Where Debian puts nginx; CORSLAB_NGINX_PATH points elsewhere. */
const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

let located: Promise<ProxyLocation> | undefined;

/** The nginx binary and its version, looked up once per process. */
export function locateNginx(): Promise<ProxyLocation> {
  located ??= (async (): Promise<ProxyLocation> => {
    const found = locateExecutable({ what: 'nginx', envVar: 'CORSLAB_NGINX_PATH', candidates: CANDIDATES, install: 'install it with scripts/setup.mjs' });
    if (!found.available) return found;
    try {
      // `nginx -v` prints "nginx version: nginx/1.22.1" on stderr.
      const { stderr } = await run(found.executable, ['-v']);
      return { available: true, executable: found.executable, version: nginxVersion(stderr) ?? 'unknown' };
    } catch (error) {
      return { available: false, reason: `${found.executable} -v failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
    }
  })();
  return located;
}

async function writeConfig(dir: string, lines: ConfigLine[]): Promise<string> {
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, `${lines.map((l) => l.text).join('\n')}\n`);
  return file;
}

/** `nginx -t` on a generated config: the problems nginx reports, with the line it names. */
export async function testNginxConfig(executable: string, dir: string, lines: ConfigLine[], runner: CommandRunner = runHere): Promise<ConfigProblem[]> {
  const file = await writeConfig(dir, lines);
  const { code, stderr } = await runner([executable, '-t', '-q', '-p', dir, '-c', file]);
  if (code === 0) return [];
  const problems = stderr
    .split('\n')
    .filter((l) => /\[(emerg|alert|crit|error)\]/.test(l))
    .map((l) => {
      const at = new RegExp(`in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(l);
      // "2026/11/26 07:43:36 [emerg] 9278#9278: <message> in <file>:<line>"
      return { line: at ? Number(at[1]) : 0, message: l.replace(/^.*?\[\w+\] (\d+#\d+: )?/, '').replace(/ in \S+:\d+$/, '') };
    });
  // A failure nginx gave no config line for (it could not run at all) is still a failure.
  return problems.length > 0 ? problems : [{ line: 0, message: stderr.trim() || `nginx -t exited with ${code}` }];
}

/** nginx in the foreground on a generated config: the same command here and in a container. */
export async function nginxForeground(executable: string, dir: string, lines: ConfigLine[]): Promise<string[]> {
  const file = await writeConfig(dir, lines);
  return [executable, '-p', dir, '-c', file, '-g', 'daemon off;'];
}

/** Starts nginx in the foreground on a generated config and waits until every server block listens. */
export async function startNginx(executable: string, dir: string, lines: ConfigLine[], ports: number[], options: ProxyStartOptions = {}): Promise<StartedProxy> {
  const foreground = await nginxForeground(executable, dir, lines);
  // Confined, there is no /var/log: `-e` (nginx 1.19.5+) moves the log nginx opens before it reads its config (Debian's /var/log/nginx/error.log) into the folder.
  const [command, ...args] = options.confine ? options.confine([executable, '-e', `${dir}/error.log`, ...foreground.slice(1)], [executable]) : foreground;
  const child = await spawnListening(command!, args, { what: `nginx (${path.basename(dir)})`, ports, timeoutMs: 5_000 });
  // nginx stops gracefully on QUIT and at once on TERM; TERM is what a run's end wants.
  return { stop: () => child.stop(2_000), died: () => describeDeath(`nginx (${path.basename(dir)}, pid ${child.process.pid})`, child.died()) };
}
