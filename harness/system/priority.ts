import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaults } from '../config/defaults.ts';

const NICE = '/usr/bin/nice';
const SETPRIV = '/usr/bin/setpriv';

/**
 * The browsers take a lower CPU priority than the servers under test and the
 * harness (issue 20). On a machine whose cores the cells keep busy, a server
 * that starts or answers late holds up every cell on it: measured on 2 cores,
 * Next.js took 58 s to start while three engines ran cells beside it, against
 * 14 s alone. A browser's work is the cells' own, so it loses nothing of its
 * throughput by waiting for a server that answers its requests. Priority
 * changes how the OS shares the cores, nothing a browser does or sees.
 *
 * A process may always lower its own priority, so this needs no privilege.
 */
export function browserNice(): number {
  const value = Number(process.env.CORSLAB_BROWSER_NICE ?? defaults.browserNice);
  return Number.isInteger(value) && value >= 0 && value <= 19 ? value : defaults.browserNice;
}

/** Lowers a process's priority (its children started later inherit it); where that cannot be done, it stays as it is. */
export function lowerPriority(pid: number | undefined): void {
  const nice = browserNice();
  if (pid === undefined || nice === 0) return;
  try {
    os.setPriority(pid, nice);
  } catch {
    // A process that is already gone, or a system without priorities: nothing to lower.
  }
}

/**
 * An executable that runs `executable` at the browsers' priority: a script
 * that execs `nice`, which execs the browser, so the process Playwright
 * starts (and watches, and stops) is the browser itself, and every process
 * the browser starts (renderers, content processes) inherits the priority.
 * Written to the run's temporary folder; the executable itself where `nice`
 * is missing or the priority is 0.
 */
export function nicedExecutable(executable: string): string {
  const nice = browserNice();
  if (nice === 0 || process.platform !== 'linux' || !existsSync(NICE)) return executable;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'corslab-niced-'));
  const wrapper = path.join(dir, path.basename(executable));
  // Run as root, Chromium raises its own priority again (its browser and GPU processes to -8), which
  // CAP_SYS_NICE allows: without that capability in its bounding set it can only lower it.
  const asRoot = process.getuid?.() === 0 && existsSync(SETPRIV) ? `${SETPRIV} --bounding-set -sys_nice --inh-caps -sys_nice ` : '';
  writeFileSync(wrapper, `#!/bin/sh\nexec ${asRoot}${NICE} -n ${nice} ${shellQuote(executable)} "$@"\n`, { mode: 0o755 });
  return wrapper;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
