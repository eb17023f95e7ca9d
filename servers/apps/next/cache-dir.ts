import { realpathSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, packageDir } from '../../../harness/system/project.ts';

/**
 * Builds live in a cache folder (harness/system/project.ts cacheDir: this
 * repository's git-ignored .cache/next, or the consumer project's
 * node_modules/.cache/corslab/next), not in the system's temporary folder: a
 * cache has to outlive the run (a temporary folder may be emptied by the OS).
 * Each build folder links next, react and react-dom in its own node_modules
 * (linkPackages), and Turbopack's root holds both (turbopackRoot).
 *
 *   <hash>/                        a built app: its sources, node_modules/ (links), .next (without .next/cache), corslab-build.json
 *   <hash>.failed.json, .log       a set that failed to build, the scenarios it was blamed on, Next's output
 *   <hash>.building-<pid>-<rand>/  a build under way, renamed to <hash>/ when it succeeds
 *   run-<pid>-<rand>/              a running copy of a build with one run's origins written in
 */
export const CACHE_DIR = cacheDir('next');

/** What the generated app imports; each build folder links them in its own node_modules (linkPackages). */
export const APP_PACKAGES = ['next', 'react', 'react-dom'] as const;

/**
 * Turbopack's root (`turbopack.root`, and `outputFileTracingRoot` for the
 * file tracing): Turbopack reads no file outside it, and refuses a `next`
 * package outside it ("Could not find the Next.js package"). So it is the
 * deepest folder that holds both the build folders and the real folders of
 * next, react and react-dom wherever they resolve from CORS Lab: this
 * repository in a plain layout, and for an installed package the consumer's
 * project (hoisted), a pnpm store's parent, or `/` when node_modules is
 * symlinked from elsewhere.
 * https://nextjs.org/docs/app/api-reference/config/next-config-js/turbopack#root-directory
 */
export function turbopackRoot(cache = CACHE_DIR, packages: readonly string[] = APP_PACKAGES.map((name) => packageDir(name))): string {
  const folders = [existingRealPath(cache), ...packages.map(existingRealPath)];
  return folders.reduce(commonAncestor);
}

/** Links next, react and react-dom into a build folder's node_modules, so the app resolves them wherever CORS Lab does (not only by walking up from the cache). */
export async function linkPackages(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  for (const name of APP_PACKAGES) await symlink(packageDir(name), path.join(dir, 'node_modules', name), 'dir');
}

/** The real path of a folder, or of its deepest existing parent with the rest appended (the cache may not exist yet). */
function existingRealPath(dir: string): string {
  const rest: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      return path.join(realpathSync(at), ...rest);
    } catch {
      if (path.dirname(at) === at) return path.resolve(dir);
      rest.unshift(path.basename(at));
    }
  }
}

function commonAncestor(a: string, b: string): string {
  const x = a.split(path.sep);
  const y = b.split(path.sep);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join(path.sep) || path.sep;
}
