import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnOwned } from '../../../harness/system/children.ts';
import { packageDir, packageVersion } from '../../../harness/system/project.ts';
import { detokenizeOrigins, partFile, type GeneratedApp } from './app.ts';
import type { LabOrigins } from '../../../harness/core/origins.ts';
import { CACHE_DIR, linkPackages, turbopackRoot } from './cache-dir.ts';
import { watchFolder } from '../../../harness/system/lifeline.ts';

export { CACHE_DIR };

/** Builds kept (the most recently used; a full `npm test` makes about a dozen sets); each is 5-7 MB. */
const KEEP_BUILDS = 16;
/** `next build` of a few dozen routes takes 2-10 s here; a slow machine under load gets plenty of room. */
const BUILD_TIMEOUT_MS = 300_000;

/**
 * Whose run a copy or a half-done build belongs to, in its folder name, so
 * pruneCache can tell a dead run's leftovers. In a Docker container
 * (servers/runtimes/docker/app-main.ts) this process's pid means nothing on the
 * host, which shares the folder: the harness passes its own pid, and only
 * the host prunes (a container cannot see which of the host's runs are alive).
 */
const OWNER_PID = Number(process.env.CORSLAB_OWNER_PID) || process.pid;
const MAY_PRUNE = !process.env.CORSLAB_OWNER_PID;

/** Next's own CLI, run with this Node. */
export const NEXT_BIN = path.join(packageDir('next'), 'dist', 'bin', 'next');

export function installedVersion(name: 'next' | 'react'): string {
  return packageVersion(name);
}

/**
 * The environment of every Next process: telemetry off, and nothing that
 * could make Next reach for the network (the machine has only loopback).
 * The app is JavaScript on purpose: Next treats any .ts file in app/ or pages/
 * as a TypeScript project and then installs typescript and @types/react with
 * the package manager when they are missing.
 */
export function nextEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    // Next patches package-lock.json from the registry when its SWC binary fails to load.
    NEXT_IGNORE_INCORRECT_LOCKFILE: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
}

/** The build's content address: every generated file (path and bytes) and the versions of Next and React that build it. */
export function cacheKey(files: ReadonlyMap<string, string>, versions: { next: string; react: string }): string {
  const hash = createHash('sha256');
  hash.update(`next@${versions.next}\0react@${versions.react}\0`);
  for (const name of [...files.keys()].sort()) hash.update(`${name}\0${files.get(name)}\0`);
  return hash.digest('hex').slice(0, 24);
}

export type BuildOutcome =
  | { ok: true; dir: string; key: string; built: boolean; ms: number }
  /** Scenario id -> what Next said about its files. */
  | { ok: false; key: string; blamed: Map<string, string>; output: string; logFile?: string };

interface FailureRecord {
  blamed: Record<string, string>;
}

const inFlight = new Map<string, Promise<BuildOutcome>>();
let buildsStarted = 0;

/** How many times this process has run `next build` (a cache hit runs none). */
export function nextBuildCount(): number {
  return buildsStarted;
}

/**
 * The built app for these files: from the cache when the same files were
 * built before (by this process or an earlier run), else `next build` once.
 */
export function buildApp(app: GeneratedApp): Promise<BuildOutcome> {
  const key = cacheKey(app.files, { next: installedVersion('next'), react: installedVersion('react') });
  let outcome = inFlight.get(key);
  if (!outcome) {
    outcome = buildOrReuse(app, key).finally(() => inFlight.delete(key));
    inFlight.set(key, outcome);
  }
  return outcome;
}

async function buildOrReuse(app: GeneratedApp, key: string): Promise<BuildOutcome> {
  const dir = path.join(CACHE_DIR, key);
  if (existsSync(path.join(dir, '.next', 'BUILD_ID'))) {
    const now = new Date();
    await utimes(dir, now, now).catch(() => {});
    return { ok: true, dir, key, built: false, ms: 0 };
  }
  const failed = path.join(CACHE_DIR, `${key}.failed.json`);
  if (existsSync(failed)) {
    const record = JSON.parse(await readFile(failed, 'utf8')) as FailureRecord;
    return { ok: false, key, blamed: new Map(Object.entries(record.blamed)), output: '' };
  }
  await mkdir(CACHE_DIR, { recursive: true });
  await pruneCache();
  const work = path.join(CACHE_DIR, `${key}.building-${OWNER_PID}-${randomBytes(3).toString('hex')}`);
  // Outside the run's temporary folder (the build must see the project's node_modules): the lifeline removes it if the harness dies mid-build.
  watchFolder(work);
  try {
    for (const [name, content] of app.files) {
      await mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await writeFile(path.join(work, name), content);
    }
    await linkPackages(work);
    const started = Date.now();
    buildsStarted++;
    const { code, output } = await runBuild(work);
    const ms = Date.now() - started;
    if (code !== 0) {
      const blamed = blameScenarios(output, app, path.relative(turbopackRoot(), work));
      const logFile = path.join(CACHE_DIR, `${key}.failed.log`);
      await writeFile(logFile, output);
      // Only a failure that Next pinned on scenarios' files is certain to happen again; anything else (killed, out of memory) is retried next time.
      if (blamed.size > 0) await writeFile(path.join(CACHE_DIR, `${key}.failed.json`), JSON.stringify({ blamed: Object.fromEntries(blamed) } satisfies FailureRecord, null, 2));
      return { ok: false, key, blamed, output, logFile };
    }
    // The bundler's own cache is of no use to a content-addressed build: the next set of sources builds in a new folder.
    await rm(path.join(work, '.next', 'cache'), { recursive: true, force: true });
    await writeFile(path.join(work, 'corslab-build.json'), JSON.stringify({ next: installedVersion('next'), react: installedVersion('react'), builtAt: new Date().toISOString(), buildMs: ms, scenarios: [...app.scenarios.values()] }, null, 2));
    try {
      await rename(work, dir);
    } catch (error) {
      // Another run built the same files at the same time and got there first: use its build.
      if (!existsSync(path.join(dir, '.next', 'BUILD_ID'))) throw error;
    }
    return { ok: true, dir, key, built: true, ms };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function runBuild(dir: string): Promise<{ code: number | null; output: string }> {
  const child = spawnOwned(process.execPath, [NEXT_BIN, 'build'], { cwd: dir, env: nextEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.process.stdout?.setEncoding('utf8');
  child.process.stdout?.on('data', (chunk: string) => (output += chunk));
  child.process.stderr?.on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      output += `\n[corslab] next build did not finish within ${BUILD_TIMEOUT_MS / 1000} s and was stopped\n`;
      void child.stop();
    }, BUILD_TIMEOUT_MS);
    child.process.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: stripAnsi(output) });
    });
    child.process.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `could not run next build: ${error.message}` });
    });
  });
}

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

const FIELD: Record<string, string> = { route: 'server.next.route', pagesApi: 'server.next.pagesApi', middleware: 'server.next.middleware', headers: 'server.next.headers' };

/**
 * The scenarios a failed build names, each with what Next said about it. Next
 * names files (`./.cache/next/<build>/app/s/<scenario>/[[...path]]/route.js:4:1`,
 * `app/s/<scenario>/...`) or routes (`/s/<scenario>/[[...path]]`, a header
 * source): every one of them carries `/s/<scenario>`.
 */
export function blameScenarios(output: string, app: GeneratedApp, buildDirFromRoot: string): Map<string, string> {
  const text = output.replaceAll(`./${buildDirFromRoot}/`, '').replaceAll(`${buildDirFromRoot}/`, '');
  const lines = text.split('\n');
  const blamed = new Map<string, string>();
  for (const [prefix, scenarioId] of app.scenarios) {
    const mention = new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[/"'\\s:\\]]|$)`);
    const at = lines.findIndex((line) => mention.test(line));
    if (at === -1) continue;
    const folder = prefix.replace(/^\/s\//, '');
    const part = (['route', 'pagesApi', 'middleware'] as const).find((p) => text.includes(partFile(p, folder))) ?? 'headers';
    // The error's own lines: from the mention (a file with its line, or "Failed to collect ... for <route>") to the next blank line.
    let end = lines.findIndex((line, i) => i > at && line.trim() === '');
    if (end === -1) end = lines.length;
    const excerpt = lines
      .slice(at, Math.min(end, at + 14))
      .map((l) => l.trimEnd())
      .filter((l) => !/^\s*(at ignore-listed frames.*|[{}])?$/.test(l));
    const file = part === 'headers' ? 'next.config.mjs' : partFile(part, folder);
    blamed.set(scenarioId, `${FIELD[part]} did not build${excerpt[0]?.includes(file) ? '' : ` (${file})`}: ${excerpt.join('\n')}`);
  }
  return blamed;
}

/**
 * A running copy of a build with this run's origins written in. The build
 * itself stays untouched for the next run; the copy lives beside it (module
 * resolution must find the project's node_modules) and is removed at the end.
 */
export async function makeInstance(buildDir: string, origins: LabOrigins): Promise<string> {
  await pruneCache();
  const dir = path.join(CACHE_DIR, `run-${OWNER_PID}-${randomBytes(4).toString('hex')}`);
  watchFolder(dir);
  await copyWithOrigins(buildDir, dir, origins);
  return dir;
}

/**
 * The build's files copied to `dir`, each read once and written once, with
 * the run's origins in place of the marker where a file has it; symbolic
 * links (the build's node_modules) stay links. Several files at a time: a
 * build has about 1,600 files, and fs.cp with a second pass to rewrite them
 * took 4 s of the run's start here (issue 20).
 */
async function copyWithOrigins(buildDir: string, dir: string, origins: LabOrigins): Promise<void> {
  const marker = Buffer.from('corslab-origin.invalid');
  const entries = await readdir(buildDir, { recursive: true, withFileTypes: true });
  await mkdir(dir, { recursive: true });
  for (const entry of entries) if (entry.isDirectory()) await mkdir(path.join(dir, path.relative(buildDir, path.join(entry.parentPath, entry.name))), { recursive: true });
  const files = entries.filter((e) => e.isFile() || e.isSymbolicLink());
  let next = 0;
  const copyOne = async () => {
    while (next < files.length) {
      const entry = files[next++]!;
      const from = path.join(entry.parentPath, entry.name);
      const to = path.join(dir, path.relative(buildDir, from));
      if (entry.isSymbolicLink()) {
        await symlink(await readlink(from), to);
        continue;
      }
      const bytes = await readFile(from);
      await writeFile(to, bytes.includes(marker) ? detokenizeOrigins(bytes.toString('utf8'), origins) : bytes);
    }
  };
  await Promise.all(Array.from({ length: 16 }, copyOne));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes what dead runs left (copies, half-done builds) and all but the most recently used builds. */
export async function pruneCache(): Promise<void> {
  if (!MAY_PRUNE) return;
  const names = await readdir(CACHE_DIR).catch(() => [] as string[]);
  const builds: { name: string; used: number }[] = [];
  for (const name of names) {
    const owner = /^run-(\d+)-|\.building-(\d+)-/.exec(name);
    if (owner) {
      if (!alive(Number(owner[1] ?? owner[2]))) await rm(path.join(CACHE_DIR, name), { recursive: true, force: true });
      continue;
    }
    const info = await stat(path.join(CACHE_DIR, name)).catch(() => undefined);
    if (info) builds.push({ name, used: info.mtimeMs });
  }
  const keys = [...new Set(builds.map((b) => b.name.replace(/\.failed\.(json|log)$/, '')))];
  const lastUsed = (key: string) => Math.max(...builds.filter((b) => b.name === key || b.name.startsWith(`${key}.`)).map((b) => b.used));
  const stale = keys.sort((a, b) => lastUsed(b) - lastUsed(a)).slice(KEEP_BUILDS);
  for (const key of stale) {
    for (const b of builds) if (b.name === key || b.name.startsWith(`${key}.`)) await rm(path.join(CACHE_DIR, b.name), { recursive: true, force: true });
  }
}
