import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaults } from '../config/defaults.ts';
import { descendantsOf, environmentValue, processInfo, processTable } from './procs.ts';

/**
 * A run's lifeline: what ends everything the run started when the harness
 * cannot (SIGKILL, a crash), and the labels that let `corslab clean` find
 * what a dead run left.
 *
 * While a run is held (from the start of the run to the end of its cleanup):
 * - `CORSLAB_RUN=<pid>-<random>` is in process.env, so every process the run
 *   starts (servers, browsers, their helpers) carries it in its environment;
 * - `TMPDIR` is the run's own folder, `corslab-run-<pid>-<random>` in the
 *   system's temporary folder, so that every temporary folder of the run
 *   (proxies' configs, Playwright's browser profiles, the browsers' own) is
 *   in one place named after its owner;
 * - a watchdog (watchdog.mjs, a plain Node process of its own) is told over a
 *   pipe what the run started, reads the harness's descendants from /proc
 *   every defaults.lifelineScanMs, and sweeps when the pipe closes without
 *   "done": it is the one part that outlives a harness killed by SIGKILL;
 * - a process 'exit' hook ends, synchronously, whatever is still running when
 *   the harness exits without having stopped its run (a forced exit).
 *
 * Several runs in one process (tests, the benchmark) share one hold.
 */
export const RUN_ENV = 'CORSLAB_RUN';
/** Folders in the system's temporary folder holding one run's temporary files: `corslab-run-<owner pid>-<random>`. */
export const RUN_FOLDER_PREFIX = 'corslab-run-';
/** The Docker label on every container a run starts (servers/runtimes/docker); its value starts with the owner's pid. */
export const CONTAINER_LABEL = 'corslab.run';
/** The Docker label naming the machine whose harness started a container: a pid means something only there. */
export const HOST_LABEL = 'corslab.host';

const WATCHDOG = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

interface Hold {
  label: string;
  folder: string;
  watchdog: ChildProcess;
  holders: number;
  /** A holder's cleanup did not finish: the watchdog sweeps instead of being told "done". */
  dirty: boolean;
  previous: { run: string | undefined; tmpdir: string | undefined };
  onExit: () => void;
}

let held: Hold | undefined;

/** A run's hold on the lifeline; release it once, at the very end of the run's cleanup. */
export interface LifelineHold {
  /** CORSLAB_RUN's value. */
  readonly label: string;
  /** The run's temporary folder (TMPDIR while held). */
  readonly folder: string;
  /** `clean`: every step of the run's cleanup succeeded, so the watchdog is told "done"; otherwise it sweeps. */
  release(outcome: { clean: boolean }): Promise<void>;
}

export function holdLifeline(): LifelineHold {
  const hold = (held ??= startHold());
  hold.holders++;
  let released = false;
  return {
    label: hold.label,
    folder: hold.folder,
    async release({ clean }) {
      if (released) return;
      released = true;
      if (!clean) hold.dirty = true;
      if (--hold.holders > 0) return;
      held = undefined;
      await endHold(hold);
    },
  };
}

/** A process group the run started (spawnOwned's children): the watchdog ends it if the harness cannot. */
export function watchGroup(pgid: number): void {
  const start = held && processInfo(pgid)?.start;
  if (start !== undefined) tell(`group ${pgid} ${start}`);
}

/** A folder of the run's outside its temporary folder (a Next.js copy in the project's .cache): removed if the harness cannot. */
export function watchFolder(dir: string): void {
  tell(`folder ${dir}`);
}

/** Docker containers labelled `corslab.run=<value>` are the run's: removed if the harness cannot. */
export function watchContainers(labelValue: string): void {
  tell(`containers ${CONTAINER_LABEL}=${labelValue}`);
}

/** The run label of the current hold (for the Docker runtime's container label), or a fresh one outside a run. */
export function runLabel(): string {
  return held?.label ?? newLabel();
}

function newLabel(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

function tell(line: string): void {
  const stdin = held?.watchdog.stdin;
  if (stdin && !stdin.destroyed) stdin.write(`${line}\n`);
}

function startHold(): Hold {
  const label = newLabel();
  const previous = { run: process.env[RUN_ENV], tmpdir: process.env.TMPDIR };
  // Synchronous, like the rest: a hold is taken once per run, and nothing may start before it is in place.
  const folder = mkdtempSync(path.join(os.tmpdir(), `${RUN_FOLDER_PREFIX}${process.pid}-`));
  // A proxy's workers may run as another user (nginx's as nobody when started by root): they must reach their folders inside.
  chmodSync(folder, 0o755);
  process.env[RUN_ENV] = label;
  process.env.TMPDIR = folder;
  const { NODE_OPTIONS: _, ...env } = process.env;
  const self = processInfo(process.pid);
  // Its own process group and session: a Ctrl-C to the harness's terminal, or a kill of the harness's group, does not reach it.
  const watchdog = spawn(process.execPath, [WATCHDOG, String(process.pid), String(self?.start ?? 0), label, String(defaults.lifelineScanMs), folder], {
    stdio: ['pipe', 'ignore', 'inherit'],
    detached: true,
    env,
  });
  watchdog.on('error', () => {});
  watchdog.stdin?.on('error', () => {});
  watchdog.unref();
  (watchdog.stdin as { unref?: () => void } | null)?.unref?.();
  const hold: Hold = { label, folder, watchdog, holders: 0, dirty: false, previous, onExit: () => exitSweep(hold) };
  process.on('exit', hold.onExit);
  return hold;
}

async function endHold(hold: Hold): Promise<void> {
  restore(hold);
  process.off('exit', hold.onExit);
  // Whatever still carries the run's label outlived its stop: a process whose parent died during the run
  // (a MiniBrowser whose WebKitWebDriver was killed is handed to init, out of every tree the run stops). It ends with the run.
  for (const p of processTable()) {
    if (p.pid === process.pid || p.pid === hold.watchdog.pid || environmentValue(p.pid, RUN_ENV) !== hold.label) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  await rm(hold.folder, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  const exited = new Promise<void>((resolve) => {
    if (hold.watchdog.exitCode !== null || hold.watchdog.signalCode !== null) resolve();
    hold.watchdog.once('exit', () => resolve());
  });
  // "done" only when the run stopped everything itself; otherwise closing the pipe makes the watchdog sweep.
  if (!hold.dirty) hold.watchdog.stdin?.write('done\n');
  hold.watchdog.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
  clearTimeout(timer);
}

function restore(hold: Hold): void {
  for (const [name, value] of [
    [RUN_ENV, hold.previous.run],
    ['TMPDIR', hold.previous.tmpdir],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/**
 * The harness exits while a run is held: it did not stop its run (a second
 * Ctrl-C, a stop that ran out of time, process.exit from somewhere). Every
 * process below it or carrying its label is killed and the run's folder
 * removed, here and now; the watchdog, whose pipe closes with this process,
 * sweeps whatever this missed (containers, a process that left the tree).
 */
function exitSweep(hold: Hold): void {
  const table = processTable();
  const watchdog = hold.watchdog.pid;
  const victims = new Set(descendantsOf(process.pid, table).map((p) => p.pid));
  for (const p of table) if (p.pid !== process.pid && environmentValue(p.pid, RUN_ENV) === hold.label) victims.add(p.pid);
  victims.delete(watchdog ?? -1);
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  try {
    rmSync(hold.folder, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // The watchdog tries again.
  }
  restore(hold);
}
