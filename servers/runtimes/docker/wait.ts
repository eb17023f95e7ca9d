import { connect } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { listeningPorts } from '../../../harness/system/server-process.ts';
import type { WaitStrategy } from 'testcontainers';

/** The part of dockerode's Container the strategies use: its state, and what it printed. */
interface InspectableContainer {
  id: string;
  inspect(): Promise<{ State: { Running: boolean; ExitCode: number; Pid: number } }>;
  logs(options: { stdout: boolean; stderr: boolean; tail: number }): Promise<Buffer | NodeJS.ReadableStream>;
}

/**
 * Readiness for containers on the host's network, where testcontainers'
 * own strategies (mapped ports, health checks) have nothing to look at. Like
 * theirs, a timeout says what was awaited and for how long; and a container
 * that exits first fails at once with the end of its output.
 */
abstract class LabWaitStrategy implements WaitStrategy {
  protected startupTimeoutMs = 60_000;
  private timeoutSet = false;

  /** "nginx (corslab-nginx-x1y2) in corslab-local/nginx:1.22-bookworm". */
  constructor(protected readonly what: string) {}

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }

  abstract waitUntilReady(container: unknown): Promise<void>;

  /** Rejects when the container is no longer running, with what it printed last. */
  protected async failIfExited(container: InspectableContainer): Promise<void> {
    const state = (await container.inspect()).State;
    if (state.Running) return;
    throw new Error(`${this.what} exited (${state.ExitCode}) before it was ready: ${(await lastOutput(container)) || 'no output'}`);
  }
}

/**
 * Every port accepts connections on 127.0.0.1, and the listening socket is
 * the container's: with host networking its processes are this machine's
 * processes, so /proc says whose socket a port is, as spawnListening checks
 * for local servers. Where /proc cannot tell (not root, not Linux), a port
 * that accepts connections has to do.
 */
export class PortsListening extends LabWaitStrategy {
  constructor(
    what: string,
    private readonly ports: number[],
  ) {
    super(what);
  }

  async waitUntilReady(raw: unknown): Promise<void> {
    const container = raw as InspectableContainer;
    const deadline = Date.now() + this.startupTimeoutMs;
    const canOwn = await readFile('/proc/net/tcp', 'utf8').then(() => true, () => false);
    for (;;) {
      await this.failIfExited(container);
      const pid = canOwn ? (await container.inspect()).State.Pid : 0;
      const owned = pid > 0 && (await readable(pid)) ? await listeningPorts(pid) : undefined;
      const waiting: number[] = [];
      for (const port of this.ports) {
        // Where /proc tells, only the container's own socket counts: another program on the port (an app that took it first) is not this server.
        const ready = owned ? owned.has(port) : await accepts(port);
        if (!ready) waiting.push(port);
      }
      if (waiting.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${this.what} did not listen on 127.0.0.1:${waiting.join(', ')} within ${this.startupTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/**
 * The process in the container reports that it is ready through a side
 * channel on 127.0.0.1 (servers/runtimes/docker/channel.ts): the app stacks pick
 * their own port, so only they can say which it is.
 */
export class Reported<T> extends LabWaitStrategy {
  private value: T | undefined;

  constructor(
    what: string,
    /** What is awaited, for the timeout's message: "its report on the side channel that it listens". */
    private readonly awaited: string,
    private readonly report: Promise<T>,
  ) {
    super(what);
    report.catch(() => {});
  }

  async waitUntilReady(raw: unknown): Promise<void> {
    const container = raw as InspectableContainer;
    const deadline = Date.now() + this.startupTimeoutMs;
    let done = false;
    void this.report.then(
      (v) => ((this.value = v), (done = true)),
      () => (done = true),
    );
    while (!done) {
      await this.failIfExited(container);
      if (Date.now() > deadline) throw new Error(`${this.what}: ${this.awaited} did not come within ${this.startupTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    this.value = await this.report;
  }

  /** The report, once waitUntilReady resolved. */
  result(): T {
    return this.value as T;
  }
}

/** Whether this process may read another's file descriptors (root, or the same user): else /proc cannot say whose a socket is. */
async function readable(pid: number): Promise<boolean> {
  return readdir(`/proc/${pid}/fd`).then(() => true, () => false);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The container's last lines of output (Docker's log stream, its 8-byte frame headers removed). */
export async function lastOutput(container: InspectableContainer, lines = 20): Promise<string> {
  try {
    const logs = await container.logs({ stdout: true, stderr: true, tail: lines });
    const buffer = Buffer.isBuffer(logs) ? logs : Buffer.alloc(0);
    return demux(buffer).trim();
  } catch {
    return '';
  }
}

function demux(buffer: Buffer): string {
  // Without a TTY each chunk is [stream, 0, 0, 0, size (4 bytes, big-endian)] + payload.
  const parts: string[] = [];
  let at = 0;
  while (at + 8 <= buffer.length && buffer[at]! <= 2 && buffer[at + 1] === 0) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, at + 8 + size).toString('utf8'));
    at += 8 + size;
  }
  return at === 0 ? buffer.toString('utf8') : parts.join('');
}
