/**
 * A real `corslab run` as a child process, for the fault suite: in a process
 * group of its own (its pid is the group's id), with a temporary folder of
 * its own (TMPDIR), its descendants watched from /proc while it runs, so
 * that the victim of a fault is found among ITS processes and whatever it
 * leaves is counted by its group, its label (CORSLAB_RUN=<pid>-...) and its
 * folders, never by a name another session's processes could share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessScanner, commandLine, descendantsOf, environmentValue, isRunning, processTable, type ProcessInfo } from '../../harness/system/procs.ts';
import type { RunResults } from '../../harness/results/types.ts';

const root = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(root, 'bin/corslab.js');
export const FIXTURE = 'tests/fixtures/faults';

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From spawn to exit. */
  ms: number;
}

export interface Leftovers {
  processes: string[];
  folders: string[];
  /** From the harness's exit until nothing was left (or until the wait gave up). */
  ms: number;
}

export class FaultRun {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly tmp: string;
  readonly output: string;
  stdout = '';
  stderr = '';
  readonly ended: Promise<Ended>;
  /** Every process seen below the harness while it ran, by pid, with its start time. */
  private readonly seen = new Map<number, ProcessInfo>();
  private readonly watcher: NodeJS.Timeout;
  private readonly scanner = new ProcessScanner();
  private readonly started = Date.now();
  private endedAt = 0;

  constructor(args: readonly string[], command: 'run' | 'validate' = 'run', extraEnv: Record<string, string> = {}) {
    this.tmp = mkdtempSync(path.join(os.tmpdir(), 'corslab-faults-'));
    this.output = path.join(this.tmp, '..', `${path.basename(this.tmp)}-reports`);
    const { CORSLAB_RUN: _, ...env } = process.env;
    this.child = spawn(process.execPath, [BIN, command, ...args, ...(command === 'run' ? ['--output', this.output] : [])], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, TMPDIR: this.tmp, NO_COLOR: '1', ...extraEnv },
    });
    this.pid = this.child.pid!;
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.ended = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.endedAt = Date.now();
        clearInterval(this.watcher);
        resolve({ code, signal, ms: this.endedAt - this.started });
      });
    });
    this.watcher = setInterval(() => this.look(), 50);
  }

  /** The harness's descendants now (and remembered, for the count of what is left). */
  look(): ProcessInfo[] {
    const now = descendantsOf(this.pid, this.scanner.scan());
    for (const p of now) this.seen.set(p.pid, p);
    return now;
  }

  /** Resolves once `test` holds (checked every 20 ms), rejects after `ms` or if the run ends first. */
  async until<T>(what: string, test: () => T | undefined | false, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = test();
      if (value) return value;
      if (this.endedAt) throw new Error(`the run ended before ${what}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`not seen within ${ms} ms: ${what}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until the progress line says at least `n` cells are done. */
  cellsDone(n: number): Promise<true> {
    return this.until(`${n} cells done`, () => [...this.stdout.matchAll(/^(\d+)\/\d+ cells/gm)].some((m) => Number(m[1]) >= n) || undefined);
  }

  /** Waits for a descendant whose command line matches. */
  process(what: string, match: (commandLine: string, p: ProcessInfo) => boolean, ms?: number): Promise<ProcessInfo[]> {
    return this.until(what, () => {
      const found = this.look().filter((p) => match(commandLine(p.pid), p));
      return found.length > 0 ? found : undefined;
    }, ms);
  }

  /** Sends a signal to the harness (not to its group: the harness is what is tested); false if it had already exited. */
  signal(signal: NodeJS.Signals): boolean {
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  results(): RunResults | undefined {
    const file = path.join(this.output, 'results.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunResults) : undefined;
  }

  /**
   * What the run left, once it ended: processes of its group, with its
   * label, or seen below it, that still run (zombies are not running), and
   * folders in its TMPDIR (but tsx's compile cache, which the loader makes
   * before any run) and Next.js copies named after its pid. Waits up to `ms`
   * for the count to reach zero: the lifeline sweeps after the harness died.
   */
  async leftovers(ms = 8_000): Promise<Leftovers> {
    await this.ended;
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.count();
      if ((found.processes.length === 0 && found.folders.length === 0) || Date.now() > deadline) return { ...found, ms: Date.now() - this.endedAt };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private count(): Omit<Leftovers, 'ms'> {
    const label = `${this.pid}-`;
    const processes = processTable()
      .filter((p) => p.pid !== process.pid && (p.pgrp === this.pid || (this.seen.get(p.pid)?.start === p.start) || environmentValue(p.pid, 'CORSLAB_RUN')?.startsWith(label) || commandLine(p.pid).includes(this.tmp)))
      .map((p) => `${p.pid} ${commandLine(p.pid).slice(0, 120) || p.comm}`);
    const nextCache = path.join(root, '.cache', 'next');
    const folders = [
      ...entries(this.tmp)
        .filter((name) => !/^tsx-\d+$/.test(name))
        .map((name) => path.join(this.tmp, name)),
      ...entries(nextCache)
        .filter((name) => name.startsWith(`run-${this.pid}-`) || name.includes(`.building-${this.pid}-`))
        .map((name) => path.join(nextCache, name)),
    ];
    return { processes, folders };
  }

  /** After the test, whatever happened: nothing of this run may stay (a failed test included). */
  dispose(): void {
    clearInterval(this.watcher);
    const victims = processTable().filter((p) => p.pgrp === this.pid || this.seen.get(p.pid)?.start === p.start || environmentValue(p.pid, 'CORSLAB_RUN')?.startsWith(`${this.pid}-`));
    for (const p of victims) {
      try {
        if (isRunning(p.pid, p.start)) process.kill(p.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(this.tmp, { recursive: true, force: true });
    rmSync(this.output, { recursive: true, force: true });
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Cells a fault made into something other than an error or their clean verdict (every probe of the fixture passes when nothing goes wrong). */
export function mislabeled(results: RunResults): string[] {
  return results.cells.filter((c) => c.verdict === 'fail').map((c) => `${c.id}: ${c.verdict}${c.observed ? ` (observed ${c.observed.result})` : ''}`);
}
