import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { containersLabelled, dockerConfigured, removeContainer } from './docker-api.ts';
import { CONTAINER_LABEL, HOST_LABEL, RUN_ENV, RUN_FOLDER_PREFIX } from './lifeline.ts';
import { cacheDir } from './project.ts';
import { bootTimeMs, commandLine, descendantsOf, environmentValue, isRunning, processInfo, processTable, startedAtMs, type ProcessInfo } from './procs.ts';

/**
 * What runs left behind, found by label, for `corslab clean`. Everything a
 * run makes names its owner, the harness's pid (harness/system/lifeline.ts):
 *
 *   processes    CORSLAB_RUN=<pid>-<random> in their environment, or a command
 *                line naming a run's folder (Chromium and nginx write their
 *                process titles over their environment); and then
 *                every process below one of those, and every member of a
 *                process group led by one of those
 *   folders      corslab-run-<pid>-* in the system's temporary folder, and the
 *                Next.js copies .cache/next/run-<pid>-* and builds
 *                .cache/next/<hash>.building-<pid>-* (servers/apps/next/cache-dir.ts)
 *   containers   the Docker label corslab.run=<pid>-<random>, with corslab.host
 *                naming this machine (another machine's pids mean nothing here)
 *
 * Something is left behind when its owner is gone: no process runs with that
 * pid, or the one that does started after the thing was made (the pid was
 * reused). A live run's things are never touched.
 */
export type Leftover =
  | { kind: 'process'; pid: number; start: number; what: string; owner: number; run: string }
  | { kind: 'folder'; path: string; owner: number }
  | { kind: 'container'; id: string; what: string; owner: number; run: string };

export interface FoundLeftovers {
  leftovers: Leftover[];
  /** What could not be looked at, in a sentence each (Docker not answering). */
  notes: string[];
}

export interface LeftoverPlaces {
  /** Default: the system's temporary folder (os.tmpdir()). */
  tmpRoot?: string;
  /** Default: the project's .cache/next. */
  nextCache?: string;
  /** Default: whether a Docker engine is configured. */
  docker?: boolean;
}

const LABEL_VALUE = /^(\d+)-[0-9a-f]+$/;
const RUN_FOLDER = new RegExp(`${RUN_FOLDER_PREFIX}(\\d+)-`);
const NEXT_FOLDER = /^run-(\d+)-|\.building-(\d+)-/;

export async function findLeftovers(places: LeftoverPlaces = {}): Promise<FoundLeftovers> {
  const notes: string[] = [];
  const leftovers: Leftover[] = [...findProcesses(), ...findFolders(places)];
  if (places.docker ?? dockerConfigured()) {
    try {
      leftovers.push(...(await findContainers()));
    } catch (error) {
      notes.push(`Docker containers were not checked: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { leftovers, notes };
}

/** Whether the run owned by `pid` is gone, for something of it made (or started) at `madeAtMs`. */
function ownerGone(pid: number, madeAtMs: number, boot: number): boolean {
  const owner = processInfo(pid);
  if (!owner) return true;
  // A process started after the thing was made cannot be the one that made it. (A tick of slack: start times are in 10 ms.)
  return startedAtMs(owner, boot) > madeAtMs + 10;
}

function findProcesses(): Leftover[] {
  const table = processTable();
  const boot = bootTimeMs() ?? 0;
  const mine = new Set([process.pid, ...ancestors(process.pid)]);
  const found = new Map<number, Leftover & { kind: 'process' }>();
  const add = (p: ProcessInfo, owner: number, run: string) => {
    if (!mine.has(p.pid) && !found.has(p.pid)) found.set(p.pid, { kind: 'process', pid: p.pid, start: p.start, what: describe(p), owner, run });
  };
  for (const p of table) {
    if (mine.has(p.pid)) continue;
    const mark = ownerMark(p.pid);
    if (!mark || mark.owner === p.pid) continue;
    if (ownerGone(mark.owner, startedAtMs(p, boot), boot)) add(p, mark.owner, mark.run);
  }
  // What a found process started (a zygote, a renderer) and the rest of its group (nginx's workers), when it leads one.
  for (const leader of [...found.values()]) {
    for (const p of descendantsOf(leader.pid, table)) add(p, leader.owner, leader.run);
    if (processInfo(leader.pid)?.pgrp === leader.pid) for (const p of table) if (p.pgrp === leader.pid) add(p, leader.owner, leader.run);
  }
  return [...found.values()];
}

/** The run a process belongs to, by its label, or by a command line that names a run's folder (nginx's title: `nginx: master process ... -p <run folder>/...`). */
function ownerMark(pid: number): { owner: number; run: string } | undefined {
  const label = environmentValue(pid, RUN_ENV);
  const labelled = label && LABEL_VALUE.exec(label);
  if (labelled) return { owner: Number(labelled[1]), run: label };
  const inFolder = RUN_FOLDER.exec(commandLine(pid));
  return inFolder ? { owner: Number(inFolder[1]), run: `${RUN_FOLDER_PREFIX}${inFolder[1]}-*` } : undefined;
}

function ancestors(pid: number): number[] {
  const found: number[] = [];
  for (let p = processInfo(pid); p && p.ppid > 0; p = processInfo(p.ppid)) found.push(p.ppid);
  return found;
}

function describe(p: ProcessInfo): string {
  const line = commandLine(p.pid) || p.comm;
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

function findFolders(places: LeftoverPlaces): Leftover[] {
  const boot = bootTimeMs() ?? 0;
  const scan = (dir: string, pattern: RegExp) =>
    entries(dir).flatMap((name): Leftover[] => {
      const match = pattern.exec(name);
      if (!match) return [];
      const owner = Number(match[1] ?? match[2]);
      const full = path.join(dir, name);
      const info = statOf(full);
      if (!info) return [];
      // Made when it was born; where the file system keeps no birth time, it was at least there when last changed.
      const madeAt = info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs;
      return ownerGone(owner, madeAt, boot) ? [{ kind: 'folder', path: full, owner }] : [];
    });
  return [
    ...scan(places.tmpRoot ?? os.tmpdir(), new RegExp(`^${RUN_FOLDER_PREFIX}(\\d+)-`)),
    ...scan(places.nextCache ?? cacheDir('next'), NEXT_FOLDER),
  ];
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function statOf(file: string): { birthtimeMs: number; mtimeMs: number } | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

async function findContainers(): Promise<Leftover[]> {
  const boot = bootTimeMs() ?? 0;
  const here = os.hostname();
  return (await containersLabelled(CONTAINER_LABEL)).flatMap((c): Leftover[] => {
    const run = c.labels[CONTAINER_LABEL] ?? '';
    const labelled = LABEL_VALUE.exec(run);
    const host = c.labels[HOST_LABEL];
    if (!labelled || (host !== undefined && host !== here)) return [];
    const owner = Number(labelled[1]);
    // Created is in whole seconds: a second of slack.
    return ownerGone(owner, c.created + 1_000, boot) ? [{ kind: 'container', id: c.id, what: `${c.name} (${c.labels['corslab.what'] ?? c.state})`, owner, run }] : [];
  });
}

/** Removes what was found: processes TERM, then KILL after `graceMs` (each checked to be the same process first); folders; containers. */
export async function removeLeftovers(leftovers: readonly Leftover[], graceMs = 1_500): Promise<{ removed: Leftover[]; failed: { leftover: Leftover; reason: string }[] }> {
  const removed: Leftover[] = [];
  const failed: { leftover: Leftover; reason: string }[] = [];
  const processes = leftovers.filter((l): l is Leftover & { kind: 'process' } => l.kind === 'process');
  const signal = (name: NodeJS.Signals) => {
    for (const p of processes) {
      if (!isRunning(p.pid, p.start)) continue;
      try {
        process.kill(p.pid, name);
      } catch {
        // Gone meanwhile.
      }
    }
  };
  const stillRunning = () => processes.filter((p) => isRunning(p.pid, p.start));
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && stillRunning().length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  signal('SIGKILL');
  const killDeadline = Date.now() + 1_000;
  while (Date.now() < killDeadline && stillRunning().length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const survivors = new Set(stillRunning());
  for (const p of processes) {
    if (survivors.has(p)) failed.push({ leftover: p, reason: 'still running after SIGKILL' });
    else removed.push(p);
  }
  for (const leftover of leftovers) {
    try {
      if (leftover.kind === 'folder') await rm(leftover.path, { recursive: true, force: true, maxRetries: 3 });
      else if (leftover.kind === 'container') await removeContainer(leftover.id);
      else continue;
      removed.push(leftover);
    } catch (error) {
      failed.push({ leftover, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { removed, failed };
}

/** One line for people: "process 1234 (nginx: master process …) of run 5678-ab12cd34". */
export function describeLeftover(leftover: Leftover): string {
  if (leftover.kind === 'process') return `process ${leftover.pid} (${leftover.what}) of run ${leftover.run}`;
  if (leftover.kind === 'container') return `container ${leftover.id.slice(0, 12)} ${leftover.what} of run ${leftover.run}`;
  return `folder ${leftover.path}`;
}
