import { readFileSync, readdirSync } from 'node:fs';

/**
 * This machine's processes, read from /proc (Linux). A process is known by
 * its pid and its start time (field 22 of /proc/<pid>/stat, in clock ticks
 * since boot): a pid can be reused once its process is gone, the pair
 * cannot, so nothing is ever signalled on a pid alone.
 *
 * harness/system/watchdog.mjs has its own copy of the few lines it needs:
 * it is a plain Node file with no imports of the project's.
 */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group. */
  pgrp: number;
  /** Clock ticks since boot. */
  start: number;
  /** The executable's name as the kernel keeps it (15 characters at most). */
  comm: string;
}

/** One process's stat line, or undefined when it is gone or a zombie (or not on Linux). */
export function processInfo(pid: number): ProcessInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name is in parentheses and may itself hold spaces and parentheses: fields start after the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // A zombie has ended: nothing of it runs, and only its parent can take it away.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, comm: text.slice(text.indexOf('(') + 1, close), ppid: Number(fields[1]), pgrp: Number(fields[2]), start: Number(fields[19]) };
}

/** Every process that can be read. */
export function processTable(): ProcessInfo[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    const info = processInfo(Number(name));
    return info ? [info] : [];
  });
}

/**
 * The table, read again and again at little cost: each scan lists /proc and
 * reads the stat of new pids only (a new process is always a new pid; a pid
 * missing from one listing is forgotten, so a reused one is read again).
 * Reading every stat took 56 ms for 270 processes on this project's test
 * machine; a scan of new pids takes about one. A process is read once, when
 * first seen: its parent and start time stay right, but its group may have
 * changed since (a child calls setsid() right after fork), so read a
 * process again (processInfo) before signalling its group.
 */
export class ProcessScanner {
  private readonly known = new Map<number, ProcessInfo>();

  scan(): ProcessInfo[] {
    let names: string[];
    try {
      names = readdirSync('/proc');
    } catch {
      return [];
    }
    const present = new Set<number>();
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      present.add(pid);
      if (!this.known.has(pid)) {
        const info = processInfo(pid);
        if (info) this.known.set(pid, info);
      }
    }
    for (const pid of this.known.keys()) if (!present.has(pid)) this.known.delete(pid);
    return [...this.known.values()];
  }
}

/** The processes below `pid` (children, their children, ...), from one reading of the table. */
export function descendantsOf(pid: number, table: readonly ProcessInfo[] = processTable()): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found: ProcessInfo[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      found.push(child);
      stack.push(child.pid);
    }
  }
  return found;
}

/** Whether the process known as (pid, start) still runs. */
export function isRunning(pid: number, start: number): boolean {
  return processInfo(pid)?.start === start;
}

/** The value of one variable in the environment a process started with (/proc/<pid>/environ), or undefined. */
export function environmentValue(pid: number, name: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  return text
    .split('\0')
    .find((entry) => entry.startsWith(prefix))
    ?.slice(prefix.length);
}

/** The command line of a process, arguments joined by spaces (for messages). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * When the machine booted (ms since the epoch), to turn a start time in ticks
 * into a date; undefined off Linux. From /proc/uptime (hundredths of a
 * second), not /proc/stat's btime (whole seconds, too coarse to tell a
 * folder made a moment before a process from one made after it).
 */
export function bootTimeMs(): number | undefined {
  try {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(uptime) ? Date.now() - uptime * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Clock ticks per second (sysconf(_SC_CLK_TCK)). Node cannot ask for it; it
 * has been 100 on every Linux architecture Node runs on (USER_HZ), whatever
 * the kernel's own HZ.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** When a process started, in ms since the epoch (to compare with a file's time). */
export function startedAtMs(info: ProcessInfo, boot = bootTimeMs() ?? 0): number {
  return boot + (info.start * 1000) / CLOCK_TICKS_PER_SECOND;
}
