import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { appMainBundle } from './app-bundle.ts';
import { spawnOwned } from '../../../harness/system/children.ts';
import { packageDir, projectRoot } from '../../../harness/system/project.ts';
import { projectFolder } from '../../../harness/system/project-folder.ts';
import { defaults } from '../../../harness/config/defaults.ts';
import type { AppStackName } from '../../../harness/core/names.ts';
import type { StackStartOptions, StartedStack } from '../../apps/app-stack.ts';

/** What the child needs to start the stack: its start options, as data (the handler log stays here). */
export interface AppChildSpec {
  app: AppStackName;
  options: Omit<StackStartOptions, 'handlerLog'>;
}

export type ToChild = { type: 'start'; spec: AppChildSpec } | { type: 'marked'; id: number };
export type FromChild =
  | { type: 'ready' }
  | { type: 'started'; port: number; setupErrors: Record<string, string>; notes?: Record<string, string> }
  | { type: 'failed'; error: string }
  | { type: 'mark'; id: number; exchange: string }
  | { type: 'beat' };

const APP_MAIN = path.join(projectRoot, 'servers/runtimes/local/app-main.ts');
/** Installed as a package, the entry is compiled JavaScript beside this module (dist/), and needs no bundle. */
const COMPILED_MAIN = import.meta.url.endsWith('.js') ? fileURLToPath(new URL('./app-main.js', import.meta.url)) : undefined;

/** The packages the child loads: the node_modules folders they resolve in (hoisted beside the package, or pnpm's store), which it may read. */
function packageFolders(): string[] {
  const folders = new Set<string>();
  const own = path.join(projectRoot, 'node_modules');
  if (existsSync(own)) folders.add(own);
  // The outermost node_modules on a path holds what is below it and every package that loads (pnpm's .pnpm store included).
  const outermost = (dir: string) => {
    const parts = dir.split(path.sep);
    const at = parts.indexOf('node_modules');
    if (at > 0) folders.add(parts.slice(0, at + 1).join(path.sep));
  };
  // Installed as a dependency: the node_modules the package sits in, where Node looks first (a symlink there is checked by its own path).
  outermost(projectRoot);
  for (const name of ['express', 'cors', 'fastify', '@fastify/cors']) {
    try {
      // Where the package really is (its real path: symlinks followed).
      outermost(packageDir(name));
    } catch {
      // Not installed: the stack that needs it fails to start and says so.
    }
  }
  return [...folders];
}

/** Each package.json from `from` up to the package's folder: project.ts looks for its own manifest that way, and a denied existsSync throws. */
function manifestsUpTo(from: string): string[] {
  const files: string[] = [];
  for (let dir = from; ; dir = path.dirname(dir)) {
    files.push(path.join(dir, 'package.json'));
    if (`${dir}${path.sep}` === projectRoot || path.dirname(dir) === dir) return files;
  }
}

/** Node 20 and 22 call it --experimental-permission; later Nodes --permission. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

/**
 * The child's command line: the bundled entry (app-bundle.ts) under Node's
 * permission model (https://nodejs.org/docs/latest-v20.x/api/permissions.html):
 * it may read the project's node_modules and the bundle, write only in the
 * run's temporary folder, and start no process and no worker (no
 * --allow-child-process, no --allow-worker). Where the bundle cannot be made,
 * the entry through tsx, without the permission model (childConfinement says so).
 */
async function childArgs(options: Omit<StackStartOptions, 'handlerLog'>): Promise<string[]> {
  const heap = `--max-old-space-size=${defaults.appHeapMb}`;
  // A user's own app module (server.app) is read where it is: its project's folder (which the module must stay in, harness/system/project-folder.ts).
  const userFolders = [...new Set(options.mounts.flatMap((m) => (m.scenarioFile && m.raw && typeof m.raw === 'object' && 'module' in m.raw ? [projectFolder(m.scenarioFile)] : [])))];
  const typescript = options.mounts.some((m) => m.raw && typeof m.raw === 'object' && 'module' in m.raw && /\.[cm]?ts$/.test(String((m.raw as { module: unknown }).module)));
  if (typescript) {
    // TypeScript needs tsx, whose hooks need a worker thread, which the permission model refuses.
    permissionModel = "not under Node's permission model: a user's app module is TypeScript, which only tsx (with a worker thread) loads";
    return [heap, '--import', 'tsx', APP_MAIN];
  }
  let entry: string | undefined = COMPILED_MAIN;
  let reads: string[];
  if (entry) {
    reads = [`${projectRoot}*`];
  } else {
    entry = await appMainBundle().catch((error: Error) => {
      permissionModel = `not under Node's permission model: the entry could not be bundled (${error.message.split('\n')[0]})`;
      return undefined;
    });
    if (!entry) return [heap, '--import', 'tsx', APP_MAIN];
    reads = [entry, ...manifestsUpTo(path.dirname(entry))];
  }
  permissionModel = `under Node's permission model (${PERMISSION_FLAG}: reads node_modules${userFolders.length ? ", the user's app module's project" : ''} and its own code, writes the run's temporary folder only, starts no process or worker)`;
  return [
    PERMISSION_FLAG,
    ...packageFolders().map((folder) => `--allow-fs-read=${folder}/*`),
    ...userFolders.map((folder) => `--allow-fs-read=${folder}/*`),
    ...reads.map((file) => `--allow-fs-read=${file}`),
    `--allow-fs-write=${os.tmpdir()}/*`,
    '--disable-warning=ExperimentalWarning',
    heap,
    entry,
  ];
}

let permissionModel = '';

/** How the app stacks' code is confined, for the results' environment. */
export function appConfinement(): string {
  return `a child process per stack (limits: ${defaults.appStartMs} ms to start, ${defaults.appStallMs} ms of blocked event loop, ${defaults.appHeapMb} MB of heap), ${permissionModel}, listening on 127.0.0.1 and connecting to loopback only (Node's net, dgram and dns wrapped before the scenario's code loads); not an OS sandbox`;
}

/**
 * Starts an app stack that runs a scenario's code (Express, Fastify) in a
 * child Node process of its own (app-main.ts), one per stack per run, in its
 * own process group under the run's lifeline. Everything a scenario's code
 * can do to its process stays there (issue 17):
 *   - setup that never ends (a loop, a promise that never settles): the
 *     start fails after defaults.appStartMs, the child is killed, the
 *     stack's cells are errors, the run goes on;
 *   - a handler whose loop blocks the event loop: the child stops saying it
 *     is alive, is killed after defaults.appStallMs, and died() says so, so
 *     the cells of the stack are errors from then on;
 *   - `process.exit(0)` or a crash: died() says the process exited, with its
 *     code, and the cells are errors; the harness never exits with it.
 * Marks of the handler log cross the IPC channel, and the handler answers
 * only once the harness has its mark.
 */
export async function startAppChild(app: AppStackName, options: StackStartOptions): Promise<StartedStack> {
  const { handlerLog, ...data } = options;
  const child = spawnOwned(process.execPath, await childArgs(data), {
    cwd: projectRoot,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const pid = child.process.pid;
  const what = `the ${app} stack's process (pid ${pid})`;
  let killedBecause: string | undefined;
  let lastBeat = Date.now();
  let watchdog: NodeJS.Timeout | undefined;
  const kill = (why: string) => {
    killedBecause ??= why;
    clearInterval(watchdog);
    void child.stop(0);
  };

  const started = new Promise<{ port: number; setupErrors: Record<string, string>; notes?: Record<string, string> }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${what} did not start within ${defaults.appStartMs} ms (a scenario's setup code that never returns?); it was stopped`));
      kill('it did not start in time');
    }, defaults.appStartMs);
    child.process.on('message', (message: FromChild) => {
      switch (message.type) {
        case 'ready':
          child.process.send({ type: 'start', spec: { app, options: data } } satisfies ToChild);
          break;
        case 'started':
          clearTimeout(timer);
          resolve(message);
          break;
        case 'failed':
          clearTimeout(timer);
          reject(new Error(message.error));
          kill('it did not start');
          break;
        case 'mark':
          void Promise.resolve(handlerLog.mark({ [defaults.exchangeHeader]: message.exchange })).then(() => {
            if (child.process.connected) child.process.send({ type: 'marked', id: message.id } satisfies ToChild);
          });
          break;
        case 'beat':
          lastBeat = Date.now();
          break;
      }
    });
    child.process.once('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watchdog);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`${what} ${how} before it listened${child.stderr().trim() ? `: ${child.stderr().trim().split('\n').slice(-3).join(' ')}` : ''}`));
    });
  });
  let report: { port: number; setupErrors: Record<string, string>; notes?: Record<string, string> };
  try {
    report = await started;
  } catch (error) {
    await child.stop(0);
    throw error;
  }

  lastBeat = Date.now();
  watchdog = setInterval(() => {
    const silent = Date.now() - lastBeat;
    if (silent > defaults.appStallMs) kill(`its event loop was blocked for more than ${defaults.appStallMs} ms (an endless loop in a scenario's code?), so it was killed`);
  }, defaults.appBeatMs);
  watchdog.unref();

  return {
    port: report.port,
    setupErrors: new Map(Object.entries(report.setupErrors)),
    ...(report.notes ? { notes: new Map(Object.entries(report.notes)) } : {}),
    async stop() {
      clearInterval(watchdog);
      if (killedBecause === undefined) await child.stop(2_000);
    },
    died() {
      if (killedBecause !== undefined) return `${what} stopped answering: ${killedBecause}`;
      const died = child.died();
      if (!died) return undefined;
      return `${what} ${died.startsWith('exit code') ? `exited with code ${died.slice('exit code '.length)}` : `was ${died}`} during the run${child.stderr().trim() ? ` (${child.stderr().trim().split('\n').slice(-2).join(' ')})` : ''}`;
    },
  };
}
