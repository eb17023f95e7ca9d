import { execFile, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { spawnOwned, type OwnedChild } from './children.ts';
import { waitForPort } from './listen.ts';

/** Runs a proxy's command (its config test) here or in a container; resolves with its exit code and output, never rejects on a non-zero exit. */
export type CommandRunner = (argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

export interface ListeningOptions extends Omit<SpawnOptions, 'detached'> {
  /** Named in errors: "nginx (corslab-nginx-x1y2)". */
  what: string;
  /** Every port the process must accept connections on before it counts as started. */
  ports: number[];
  timeoutMs: number;
}

/**
 * Starts a server process the harness does not run itself (nginx, Apache,
 * `next start`) and resolves once it listens on every port. "It listens"
 * means the listening socket belongs to it: a port that merely accepts
 * connections could belong to another program that took it first, and a
 * run that talked to that program would record someone else's answers. If
 * the process exits first, or takes longer than the timeout, it is stopped
 * and the error says what was awaited and what the process printed.
 */
export async function spawnListening(command: string, args: readonly string[], options: ListeningOptions): Promise<OwnedChild> {
  const { what, ports, timeoutMs, ...spawnOptions } = options;
  const child = spawnOwned(command, args, spawnOptions);
  const exited = new Promise<never>((_, reject) =>
    child.process.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${child.stderr().trim() || 'no output'}`))),
  );
  exited.catch(() => {});
  try {
    await Promise.race([waitUntilListening(child.process.pid!, ports, timeoutMs, what), exited]);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

/** "nginx (corslab-nginx-x1y2, pid 42) exited during the run (killed by SIGKILL)", or undefined while it runs. */
export function describeDeath(what: string, died: string | undefined): string | undefined {
  return died && `${what} exited during the run (${died})`;
}

async function waitUntilListening(pid: number, ports: number[], timeoutMs: number, what: string): Promise<void> {
  if (!(await readFile('/proc/net/tcp', 'utf8').then(() => true, () => false))) {
    // Not Linux: no record of whose socket a port is; a port that accepts connections has to do.
    await Promise.all(ports.map((port) => waitForPort('127.0.0.1', port, timeoutMs, what)));
    return;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listening = await listeningPorts(pid);
    if (ports.every((p) => listening.has(p))) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} did not listen on 127.0.0.1:${ports.filter((p) => !listening.has(p)).join(', ')} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The IPv4 ports a process (or one of its descendants, such as Next's
 * server, or a proxy under bubblewrap) has a listening socket on, read from
 * /proc: the kernel's own record of whose socket it is.
 */
export async function listeningPorts(pid: number): Promise<Set<number>> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const inodes = new Map<string, number>();
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the 10th field is the socket's inode.
    if (fields.length > 9 && fields[3] === '0A') inodes.set(fields[9]!, parseInt(fields[1]!.split(':')[1]!, 16));
  }
  const ports = new Set<number>();
  for (const id of await descendantPids(pid)) {
    const fds = await readdir(`/proc/${id}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${id}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const port = inode ? inodes.get(inode) : undefined;
      if (port !== undefined) ports.add(port);
    }
  }
  return ports;
}

async function childPids(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return children.split(/\s+/).filter(Boolean).map(Number);
}

/** The process and everything below it (a few levels: bubblewrap, its init, the proxy's master, its workers). */
async function descendantPids(pid: number): Promise<number[]> {
  const all = [pid];
  for (let i = 0; i < all.length && all.length < 256; i++) all.push(...(await childPids(all[i]!)));
  return all;
}

/** A command run on this machine: exit code and output, whatever the code. */
export const runHere: CommandRunner = async ([command, ...args]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(command!, args);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string; message?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(e.message ?? error) };
  }
};
