import os from 'node:os';
import path from 'node:path';
import { appMainBundle } from './app-bundle.ts';
import { spawnOwned } from '../../../harness/system/children.ts';
import { projectRoot } from '../../../harness/system/project.ts';
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
  | { type: 'started'; port: number; setupErrors: Record<string, string> }
  | { type: 'failed'; error: string }
  | { type: 'mark'; id: number; exchange: string }
  | { type: 'beat' };

const APP_MAIN = path.join(projectRoot, 'servers/runtimes/local/app-main.ts');

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
async function childArgs(): Promise<string[]> {
  const bundle = await appMainBundle().catch((error: Error) => {
    permissionModel = `not under Node's permission model: the entry could not be bundled (${error.message.split('\n')[0]})`;
    return undefined;
  });
  const heap = `--max-old-space-size=${defaults.appHeapMb}`;
  if (!bundle) return [heap, '--import', 'tsx', APP_MAIN];
  permissionModel = `under Node's permission model (${PERMISSION_FLAG}: reads node_modules and its own code, writes the run's temporary folder only, starts no process or worker)`;
  return [
    PERMISSION_FLAG,
    `--allow-fs-read=${path.join(projectRoot, 'node_modules')}/*`,
    `--allow-fs-read=${bundle}`,
    `--allow-fs-write=${os.tmpdir()}/*`,
    '--disable-warning=ExperimentalWarning',
    heap,
    bundle,
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
  const child = spawnOwned(process.execPath, await childArgs(), {
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

  const started = new Promise<{ port: number; setupErrors: Record<string, string> }>((resolve, reject) => {
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
  let report: { port: number; setupErrors: Record<string, string> };
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
