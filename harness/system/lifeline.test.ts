import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processInfo } from './procs.ts';
import { projectRoot } from './project.ts';

/**
 * An owner process that holds the lifeline, starts a process group through
 * spawnOwned, a process that leaves its parent (a daemon's double fork, so
 * only the label and the watchdog's scan know it), and prints what it made;
 * then it does what the test says: SIGKILL itself, or release cleanly.
 */
const OWNER = `
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { holdLifeline, watchContainers } from './harness/system/lifeline.ts';
import { spawnOwned } from './harness/system/children.ts';
const hold = holdLifeline();
const owned = spawnOwned('sleep', ['300']);
owned.unref();
// sh forks sleep into the background and exits: the sleep is reparented, out of the owner's tree.
const daemon = spawn('sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
let out = '';
daemon.stdout.on('data', (d) => (out += d));
await new Promise((r) => daemon.on('close', r));
let container = '';
if (process.argv.includes('docker')) {
  watchContainers(hold.label);
  container = execFileSync('docker', ['run', '-d', '--label', 'corslab.run=' + hold.label, '--label', 'corslab.host=' + os.hostname(), process.env.CORSLAB_TEST_IMAGE, 'sleep', '300'], { encoding: 'utf8' }).trim();
}
// Two scans of the watchdog, so that the group and the daemon were seen.
await new Promise((r) => setTimeout(r, 1200));
process.stdout.write(JSON.stringify({ label: hold.label, folder: hold.folder, owned: owned.process.pid, daemon: Number(out.trim()), tmpdir: process.env.TMPDIR, container }) + '\\n');
if (process.argv.includes('release')) {
  owned.process.kill('SIGKILL');
  await hold.release({ clean: true });
  process.stdout.write('released\\n');
} else {
  process.kill(process.pid, 'SIGKILL');
}
`;

interface Made {
  label: string;
  folder: string;
  owned: number;
  daemon: number;
  tmpdir: string;
  container: string;
}

const spawned: number[] = [];
/** A local image to run a container of (any with \`sleep\`), where Docker answers: the project's stand-ins (scripts/build-images.sh). */
const image = dockerImage();

function dockerImage(): string | undefined {
  const listed = spawnSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8', timeout: 10_000 });
  return listed.status === 0 ? listed.stdout.split('\n').find((ref) => ref.startsWith('corslab-local/')) : undefined;
}

function containersOf(label: string): string[] {
  return spawnSync('docker', ['ps', '-aq', '--filter', `label=corslab.run=${label}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
}
let tmp: string | undefined;

afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function owner(mode: 'kill' | 'release', ...more: string[]): Promise<{ made: Made; stdout: string; stderr: string }> {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'corslab-lifeline-test-'));
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', OWNER, mode, ...more], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp, ...(image ? { CORSLAB_TEST_IMAGE: image } : {}) },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise((resolve) => child.on('exit', resolve));
  const made = JSON.parse(stdout.split('\n')[0] ?? '{}') as Made;
  spawned.push(made.owned, made.daemon);
  return { made, stdout, stderr };
}

async function gone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pids.every((pid) => processInfo(pid) === undefined)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('the lifeline', () => {
  it('labels the run and gives it its own temporary folder, named after the owner', async () => {
    const { made } = await owner('release');
    expect(made.label).toMatch(/^\d+-[0-9a-f]{8}$/);
    expect(path.basename(made.folder)).toMatch(new RegExp(`^corslab-run-${made.label.split('-')[0]}-`));
    expect(made.tmpdir).toBe(made.folder);
  });

  it('when the owner is killed with SIGKILL, ends its process groups and the process that left its tree, and removes its folder', async () => {
    const { made } = await owner('kill');
    expect(await gone([made.owned, made.daemon], 5_000)).toBe(true);
    // The folders go after the processes (nothing may write in them any more).
    const deadline = Date.now() + 3_000;
    while (existsSync(made.folder) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(made.folder)).toBe(false);
  });

  it('at a clean release ("done"), the owner ends what still carries its label (a process that left its tree) and removes its folder', async () => {
    const { made, stdout } = await owner('release');
    expect(stdout).toContain('released');
    expect(existsSync(made.folder)).toBe(false);
    // The daemon left the owner's tree (as a browser does whose driver was killed): the run's stop never saw it, its label did.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(processInfo(made.daemon)).toBeUndefined();
  });

  it.skipIf(!image)('when the owner is killed with SIGKILL, removes the Docker containers labelled with its run', async () => {
    const { made } = await owner('kill', 'docker');
    expect(made.container).toMatch(/^[0-9a-f]{64}$/);
    const deadline = Date.now() + 15_000;
    while (containersOf(made.label).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const left = containersOf(made.label);
    if (left.length > 0) spawnSync('docker', ['rm', '-f', ...left]);
    expect(left).toEqual([]);
  });
});
