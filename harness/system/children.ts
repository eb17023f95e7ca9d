import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { watchGroup } from './lifeline.ts';

/**
 * Processes the harness starts itself (Xvfb, WebKitWebDriver and through it
 * MiniBrowser and WebKit's helper processes, nginx and its workers). Each is
 * spawned in its own process group so that one group kill stops a process
 * together with what it started: killing WebKitWebDriver alone would orphan
 * MiniBrowser, killing nginx's master alone could leave a worker.
 *
 * Own groups also mean a terminal's Ctrl-C does not reach them, so it is
 * handled here: the session's close() stops them in order, a process 'exit'
 * hook kills whatever is left, and while any child lives a signal that no one
 * else handles kills them and exits as Node would have.
 */
const live = new Set<ChildProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function killAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
}

function onSignal(signal: (typeof SIGNALS)[number]): void {
  // Someone else (the CLI) handles it: it closes the session, and the 'exit' hook is the backstop.
  if (process.listenerCount(signal) > 1) return;
  killAll();
  process.exit(SIGNAL_EXIT_CODES[signal]);
}
const signalHandlers = new Map(SIGNALS.map((s) => [s, () => onSignal(s)] as const));

function track(child: ChildProcess): void {
  if (live.size === 0) {
    process.on('exit', killAll);
    for (const [signal, handler] of signalHandlers) process.on(signal, handler);
  }
  live.add(child);
  child.once('exit', () => untrack(child));
  child.once('error', () => untrack(child));
}

function untrack(child: ChildProcess): void {
  if (!live.delete(child) || live.size > 0) return;
  process.off('exit', killAll);
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
}

/** A child in its own process group, killed with Node if Node goes first. */
export interface OwnedChild {
  readonly process: ChildProcess;
  /** Recent stderr, for error messages. */
  stderr(): string;
  /** TERM to the group, then KILL after `graceMs`; resolves once the child has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Lets Node exit while the child runs (the 'exit' hook still kills it). */
  unref(): void;
  /** How it ended if it exited without being stopped ("killed by SIGKILL", "exit code 1"); undefined while it runs or after stop(). */
  died(): string | undefined;
}

export function spawnOwned(command: string, args: readonly string[], options: Omit<SpawnOptions, 'detached'> = {}): OwnedChild {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options, detached: true });
  track(child);
  // Its group is the run's: the lifeline's watchdog ends it if the harness dies first.
  if (child.pid !== undefined) watchGroup(child.pid);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let stopping = false;
  return {
    process: child,
    stderr: () => stderr,
    died() {
      if (stopping) return undefined;
      if (child.signalCode !== null) return `killed by ${child.signalCode}`;
      return child.exitCode !== null ? `exit code ${child.exitCode}` : undefined;
    },
    async stop(graceMs = 2_000) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        killGroup(child, 'SIGKILL');
        await exited;
      }
      // The group may hold processes that outlived the leader (a browser whose driver exited first).
      killGroup(child, 'SIGKILL');
    },
    unref() {
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr, ...child.stdio.slice(3)]) {
        (stream as { unref?: () => void } | null | undefined)?.unref?.();
      }
    },
  };
}
