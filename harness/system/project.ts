import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CORS Lab's own package folder (where its package.json is), with a trailing
 * slash: this repository, or `node_modules/corslab` where it is installed,
 * whether this file runs from the TypeScript sources or compiled in dist/.
 * Found once by walking up, so that moving a file never changes where it is.
 */
export const projectRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'corslab') return `${dir}${path.sep}`;
    if (path.dirname(dir) === dir) throw new Error(`corslab: no package.json of corslab above ${from}`);
  }
}

/** Installed as a dependency (inside a node_modules folder), not run from its own repository. */
export const installedAsDependency = projectRoot.split(path.sep).includes('node_modules');

/** Resolves packages the way CORS Lab's own code does: from its package folder, whatever the node_modules layout (plain, hoisted, symlinked, pnpm). */
export const packageRequire = createRequire(path.join(projectRoot, 'package.json'));

/** The folder of an npm package as it resolves from CORS Lab (its real path, symlinks followed). */
export function packageDir(name: string): string {
  try {
    return path.dirname(packageRequire.resolve(`${name}/package.json`));
  } catch {
    // A package whose `exports` hide package.json: walk up from its entry point to its own manifest.
    for (let dir = path.dirname(packageRequire.resolve(name)); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
      const manifest = path.join(dir, 'package.json');
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    }
    throw new Error(`cannot find the package.json of ${name}`);
  }
}

/** The version of an npm package as it resolves from CORS Lab (not as any package.json asks for it), or `unknown`. */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** This tool's own version, from its package.json. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(`${projectRoot}package.json`, 'utf8')) as { version: string }).version;
}

/** What CORS Lab keeps between runs: Next.js builds, and the CA the run's https origins are signed with. */
export type CacheKind = 'next' | 'ca';

/**
 * Where a cache lives. In this repository, its git-ignored `.cache/`
 * (`.cache/next`, `.cache/corslab/ca`). Installed as a dependency, never
 * inside node_modules (a reinstall wipes the package's folder, and Next.js
 * applies no `jsconfig.json` paths to an app that lives in node_modules, so
 * its builds fail there): in the user's cache folder,
 * `$XDG_CACHE_HOME/corslab/<kind>` (`~/.cache/corslab/<kind>`), shared by
 * the user's projects (Next builds are keyed by their content, the node_modules
 * layout included). `CORSLAB_CACHE_DIR` overrides both: `<it>/<kind>`.
 */
export function cacheDir(kind: CacheKind, env: NodeJS.ProcessEnv = process.env, installed = installedAsDependency): string {
  if (env.CORSLAB_CACHE_DIR) return path.resolve(env.CORSLAB_CACHE_DIR, kind);
  if (!installed) return kind === 'next' ? path.join(projectRoot, '.cache', 'next') : path.join(projectRoot, '.cache', 'corslab', kind);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'corslab', kind);
}
