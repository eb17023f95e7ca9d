import path from 'node:path';
import { projectRoot } from '../../../harness/system/project.ts';

/**
 * Builds live in the project, in a git-ignored folder, not in the system's
 * temporary folder: the generated app resolves next, react and the SWC binary
 * from the project's node_modules by walking up the folders (no install, no
 * symlink), Turbopack reads no file outside its root (the project), and a
 * cache has to outlive the run (a temporary folder may be emptied by the OS).
 *
 *   <hash>/                        a built app: its sources, .next (without .next/cache), corslab-build.json
 *   <hash>.failed.json, .log       a set that failed to build, the scenarios it was blamed on, Next's output
 *   <hash>.building-<pid>-<rand>/  a build under way, renamed to <hash>/ when it succeeds
 *   run-<pid>-<rand>/              a running copy of a build with one run's origins written in
 */
export const CACHE_DIR = path.join(projectRoot, '.cache', 'next');
