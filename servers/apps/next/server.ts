import { createServer } from 'node:http';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describeDeath, spawnListening } from '../../../harness/system/server-process.ts';
import { defaults } from '../../../harness/config/defaults.ts';
import { closeServer, freePort, listenOnFreePort } from '../../../harness/system/listen.ts';
import { buildTogether } from './batch.ts';
import { makeInstance, nextEnv, NEXT_BIN } from './build.ts';
import type { StackStartOptions, StartedStack } from '../app-stack.ts';

/** `next start` answers in about a second here; a loaded machine gets room. */
const START_TIMEOUT_MS = 30_000;
/** Longer than any run's idle gap between two requests on one connection (defaults.keepAliveMs). */
const KEEP_ALIVE_MS = defaults.keepAliveMs;

/**
 * Next.js in production mode: one generated app for all of a run's Next
 * scenarios (every Next column of the run shares it), built once or taken
 * from the build cache, then `next start` as a child process with this
 * stack's origins written into its copy of the build.
 */
export async function start(options: StackStartOptions): Promise<StartedStack> {
  const markEndpoint = await options.handlerLog.listen(options.host);
  const stops: (() => Promise<void>)[] = [() => markEndpoint.close()];
  const deaths: (() => string | undefined)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const build = await buildTogether(options.mounts, options.origins);
    // Nothing left to serve: every cell of this stack is already an error, but something must listen.
    const port = build.dir ? await startServer(build.dir, markEndpoint.url, options, stops, deaths) : await placeholderServer(options.host, stops);
    return { port, setupErrors: build.setupErrors, stop, died: () => deaths.map((d) => d()).find(Boolean) };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startServer(buildDir: string, markUrl: string, options: StackStartOptions, stops: (() => Promise<void>)[], deaths: (() => string | undefined)[]): Promise<number> {
  const instance = await makeInstance(buildDir, options.origins);
  stops.push(() => rm(instance, { recursive: true, force: true }));
  // A port the OS says is free now: `next start` takes a port, not a listening socket.
  const port = options.port ?? (await freePort(options.host));
  // Idle connections stay open for the run: the recorder in front reuses them, and one that Next closes
  // (after its default 5 s) just as the recorder sends on it is a reset the cell would count as an error.
  const args = [NEXT_BIN, 'start', '--hostname', options.host, '--port', String(port), '--keepAliveTimeout', String(KEEP_ALIVE_MS)];
  const child = await spawnListening(process.execPath, args, {
    cwd: instance,
    env: nextEnv({ CORSLAB_HANDLER_LOG_URL: markUrl }),
    what: `next start (${path.basename(instance)})`,
    ports: [port],
    timeoutMs: START_TIMEOUT_MS,
  });
  stops.push(() => child.stop(2_000));
  deaths.push(() => describeDeath(`next start (${path.basename(instance)}, pid ${child.process.pid})`, child.died()));
  return port;
}

async function placeholderServer(host: string, stops: (() => Promise<void>)[]): Promise<number> {
  const server = createServer((_, res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('no Next.js app: none of the scenarios built\n'));
  const port = await listenOnFreePort(server, host);
  stops.push(() => closeServer(server));
  return port;
}
