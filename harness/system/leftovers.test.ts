import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findLeftovers, removeLeftovers, type Leftover } from './leftovers.ts';
import { processInfo } from './procs.ts';

const started: ChildProcess[] = [];
const containers: string[] = [];
let root: string | undefined;
/** A local image to run a container of (any with `sleep`), where Docker answers: the project's stand-ins (scripts/build-images.sh). */
const image = (() => {
  const listed = spawnSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8', timeout: 10_000 });
  return listed.status === 0 ? listed.stdout.split('\n').find((ref) => ref.startsWith('corslab-local/')) : undefined;
})();

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  const left = containers.splice(0).filter(Boolean);
  if (left.length > 0) spawnSync('docker', ['rm', '-f', ...left]);
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A pid whose process has ended (one that ran `true`). */
function deadPid(): number {
  const { pid } = spawnSync('true');
  return pid!;
}

function sleeper(env: Record<string, string>): ChildProcess {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
  started.push(child);
  return child;
}

async function waitUntil(test: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

const places = () => ({ tmpRoot: root!, nextCache: path.join(root!, 'next'), docker: false });
const ours = (found: readonly Leftover[], pids: number[], folders: string[]) =>
  found.filter((l) => (l.kind === 'process' && pids.includes(l.pid)) || (l.kind === 'folder' && folders.includes(l.path)));

describe('findLeftovers and removeLeftovers (corslab clean)', () => {
  it('find the processes and folders of a run whose harness is gone, by label, and remove them', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'corslab-leftovers-test-'));
    const dead = deadPid();
    const orphan = sleeper({ CORSLAB_RUN: `${dead}-deadbeef` });
    const folder = path.join(root, `corslab-run-${dead}-AbCdEf`);
    const nextCopy = path.join(root, 'next', `run-${dead}-0a1b2c3d`);
    mkdirSync(folder);
    mkdirSync(nextCopy, { recursive: true });
    await waitUntil(() => processInfo(orphan.pid!)?.comm === 'sleep');
    const { leftovers } = await findLeftovers(places());
    const found = ours(leftovers, [orphan.pid!], [folder, nextCopy]);
    expect(found.map((l) => l.kind).sort()).toEqual(['folder', 'folder', 'process']);
    expect(found.find((l) => l.kind === 'process')).toMatchObject({ owner: dead, run: `${dead}-deadbeef` });

    const { removed, failed } = await removeLeftovers(found);
    expect(failed).toEqual([]);
    expect(removed).toHaveLength(3);
    await waitUntil(() => processInfo(orphan.pid!) === undefined);
    expect(processInfo(orphan.pid!)).toBeUndefined();
    expect(existsSync(folder) || existsSync(nextCopy)).toBe(false);
  });

  it("never take a live run's processes or folders", async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'corslab-leftovers-test-'));
    const alive = sleeper({ CORSLAB_RUN: `${process.pid}-cafebabe` });
    const folder = path.join(root, `corslab-run-${process.pid}-AbCdEf`);
    mkdirSync(folder);
    await waitUntil(() => processInfo(alive.pid!)?.comm === 'sleep');
    const { leftovers } = await findLeftovers(places());
    expect(ours(leftovers, [alive.pid!], [folder])).toEqual([]);
  });

  it('take a folder whose pid now belongs to a process started after it was made (a reused pid)', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'corslab-leftovers-test-'));
    const made = path.join(root, 'corslab-run-0-made-first');
    mkdirSync(made);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const later = sleeper({});
    await waitUntil(() => processInfo(later.pid!) !== undefined);
    const folder = path.join(root, `corslab-run-${later.pid}-AbCdEf`);
    renameSync(made, folder);
    const { leftovers } = await findLeftovers(places());
    expect(ours(leftovers, [], [folder])).toEqual([{ kind: 'folder', path: folder, owner: later.pid }]);
  });

  it.skipIf(!image)("find a dead run's Docker containers by label, on this machine only, and remove them", async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'corslab-leftovers-test-'));
    const dead = deadPid();
    const run = (host: string) => spawnSync('docker', ['run', '-d', '--label', `corslab.run=${dead}-deadbeef`, '--label', `corslab.host=${host}`, image!, 'sleep', '300'], { encoding: 'utf8' }).stdout.trim();
    const here = run(os.hostname());
    const elsewhere = run('another-machine');
    containers.push(here, elsewhere);
    const { leftovers } = await findLeftovers({ ...places(), docker: true });
    const found = leftovers.filter((l) => l.kind === 'container' && [here, elsewhere].includes(l.id));
    expect(found.map((l) => (l.kind === 'container' ? l.id : ''))).toEqual([here]);
    const { failed } = await removeLeftovers(found);
    expect(failed).toEqual([]);
    expect(spawnSync('docker', ['ps', '-aq', '--no-trunc', '--filter', `id=${here}`], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });
});
