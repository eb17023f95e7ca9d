import type { SpawnOptions } from 'node:child_process';
import { spawnOwned, type OwnedChild } from '../harness/processes/children.ts';
import { waitForPort } from './listen.ts';

export interface ListeningOptions extends Omit<SpawnOptions, 'detached'> {
  /** Named in errors: "nginx (corslab-nginx-x1y2)". */
  what: string;
  /** Every port the process must accept connections on before it counts as started. */
  ports: number[];
  timeoutMs: number;
}

/**
 * Starts a server process the harness does not run itself (nginx, Apache,
 * `next start`) and resolves once it accepts connections on every port. If
 * it exits first, or takes longer than the timeout, it is stopped and the
 * error says what was awaited and what the process printed.
 */
export async function spawnListening(command: string, args: readonly string[], options: ListeningOptions): Promise<OwnedChild> {
  const { what, ports, timeoutMs, ...spawnOptions } = options;
  const child = spawnOwned(command, args, spawnOptions);
  const exited = new Promise<never>((_, reject) =>
    child.process.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${child.stderr().trim() || 'no output'}`))),
  );
  exited.catch(() => {});
  try {
    await Promise.race([Promise.all(ports.map((port) => waitForPort('127.0.0.1', port, timeoutMs, what))), exited]);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}
