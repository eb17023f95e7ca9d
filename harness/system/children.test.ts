import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnOwned } from './children.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('spawnOwned', () => {
  it('stops the child together with what it started, as WebKitWebDriver starts MiniBrowser', async () => {
    // The shell prints the pid of a grandchild, then waits on it.
    const child = spawnOwned('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const grandchild = await new Promise<number>((resolve) => child.process.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))));
    expect(alive(grandchild)).toBe(true);
    await child.stop(1_000);
    expect(child.process.exitCode !== null || child.process.signalCode !== null).toBe(true);
    // Killed, then reaped by the shell's exit: either way it is no longer running. A loaded
    // machine can take a moment to finish a killed process, so this waits for it (2 s at most).
    const deadline = Date.now() + 2_000;
    while (alive(grandchild) && !isZombie(grandchild) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(alive(grandchild) && !isZombie(grandchild)).toBe(false);
  });

  it('says how it died when it exited without being stopped, and nothing once stopped', async () => {
    const killed = spawnOwned('sleep', ['30']);
    expect(killed.died()).toBeUndefined();
    process.kill(killed.process.pid!, 'SIGKILL');
    await new Promise((resolve) => killed.process.once('exit', resolve));
    expect(killed.died()).toBe('killed by SIGKILL');
    const stopped = spawnOwned('sleep', ['30']);
    await stopped.stop(1_000);
    expect(stopped.died()).toBeUndefined();
  });

  it('keeps the last lines of stderr for error messages', async () => {
    const child = spawnOwned('sh', ['-c', 'echo "cannot open display" >&2; exit 1']);
    await new Promise((resolve) => child.process.once('close', resolve));
    expect(child.stderr()).toContain('cannot open display');
  });
});

function isZombie(pid: number): boolean {
  try {
    return /\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
