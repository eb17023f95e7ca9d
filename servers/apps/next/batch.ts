import path from 'node:path';
import { generateApp, tokenizeAnswers, tokenizeOrigins, ORIGIN_TOKENS } from './app.ts';
import { buildApp } from './build.ts';
import type { LabOrigins } from '../../../harness/core/origins.ts';
import type { ScenarioMount } from '../app-stack.ts';

/** What one stack gets from a shared build. */
export interface SharedBuild {
  /** The built app, or none when every scenario of the batch failed to build. */
  dir?: string;
  /** This stack's scenarios that are not in the build, and why. */
  setupErrors: Map<string, string>;
}

interface Member {
  mounts: ScenarioMount[];
  resolve(build: SharedBuild): void;
  reject(error: Error): void;
}

interface Batch {
  members: Member[];
  /** Prefix -> the mount it serves, with this run's origins replaced by tokens. */
  mounts: Map<string, ScenarioMount>;
  timer: NodeJS.Timeout;
}

/**
 * How long a batch waits for another Next stack to join it. startLab starts
 * every stack of a run at once (`next`, `nginx>next`, ...), so their calls
 * arrive within milliseconds of each other.
 */
const JOIN_WINDOW_MS = 100;

let open: Batch | undefined;

/**
 * The build for one stack's scenarios, shared with every other Next stack
 * started at the same time: a run makes one Next app and one build, however
 * many Next columns it has. Their scenarios do not collide: a scenario that
 * configures a proxy runs only behind it, and one that runs behind two
 * proxies renders the same app code for both. A stack whose scenario does
 * render differently at the same path gets a build of its own.
 */
export function buildTogether(mounts: readonly ScenarioMount[], origins: LabOrigins): Promise<SharedBuild> {
  // Each stack has its own API origin; with origins as tokens, the same scenario is the same code in every stack.
  const tokenized = mounts.map((m): ScenarioMount => ({ scenarioId: m.scenarioId, prefix: m.prefix, code: tokenizeOrigins(m.code, origins), ...tokenizeAnswers(m, origins) }));
  return new Promise((resolve, reject) => {
    const member: Member = { mounts: tokenized, resolve, reject };
    if (!open || !fits(open, tokenized)) open = newBatch();
    const batch = open;
    batch.members.push(member);
    for (const m of tokenized) batch.mounts.set(m.prefix, m);
    clearTimeout(batch.timer);
    batch.timer = setTimeout(() => {
      if (open === batch) open = undefined;
      void runBatch(batch);
    }, JOIN_WINDOW_MS);
  });
}

function newBatch(): Batch {
  return { members: [], mounts: new Map(), timer: setTimeout(() => {}, 0) };
}

function fits(batch: Batch, mounts: readonly ScenarioMount[]): boolean {
  return mounts.every((m) => {
    const there = batch.mounts.get(m.prefix);
    return !there || (there.code === m.code && answersText(there) === answersText(m));
  });
}

/** What a mount's handler answers, as text to compare. */
function answersText(mount: ScenarioMount): string {
  return JSON.stringify([mount.response, mount.responses ?? {}]);
}

/**
 * Builds the batch's app. A scenario whose files do not build is set aside
 * with what Next said about it, and the others are built again without it.
 */
async function runBatch(batch: Batch): Promise<void> {
  const errors = new Map<string, string>();
  let mounts = [...batch.mounts.values()];
  let dir: string | undefined;
  try {
    while (mounts.length > 0) {
      // The mounts already carry tokens, so the tokens stand in for the origins.
      const generated = generateApp(mounts, ORIGIN_TOKENS);
      for (const [id, error] of generated.errors) errors.set(id, error);
      mounts = mounts.filter((m) => !generated.errors.has(m.scenarioId));
      if (mounts.length === 0) break;
      const outcome = await buildApp(generated.app);
      if (outcome.ok) {
        if (outcome.built) process.stderr.write(`corslab: built the Next.js app for ${generated.app.scenarios.size} scenario(s) in ${(outcome.ms / 1000).toFixed(1)} s (${path.relative(process.cwd(), outcome.dir) || outcome.dir})\n`);
        dir = outcome.dir;
        break;
      }
      if (outcome.blamed.size === 0) {
        const tail = outcome.output.trim().split('\n').slice(-25).join('\n');
        throw new Error(`next build failed, and its output names no scenario's file${outcome.logFile ? ` (full log: ${path.relative(process.cwd(), outcome.logFile)})` : ''}:\n${tail}`);
      }
      for (const [id, error] of outcome.blamed) errors.set(id, error);
      process.stderr.write(`corslab: ${[...outcome.blamed.keys()].join(', ')}: its Next.js files did not build, so its cells are errors and the others go on without it${outcome.logFile ? ` (Next's output: ${path.relative(process.cwd(), outcome.logFile)})` : ''}\n`);
      mounts = mounts.filter((m) => !outcome.blamed.has(m.scenarioId));
    }
  } catch (error) {
    for (const member of batch.members) member.reject(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  for (const member of batch.members) {
    const own = new Map(member.mounts.flatMap((m) => (errors.has(m.scenarioId) ? [[m.scenarioId, errors.get(m.scenarioId)!] as const] : [])));
    member.resolve({ ...(dir ? { dir } : {}), setupErrors: own });
  }
}
