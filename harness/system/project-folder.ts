import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder a file a scenario names (an app module, a proxy config) must
 * stay in: the project the scenario belongs to (the nearest folder above it
 * with a package.json or .git), or the scenario's own folder when there is none.
 */
export function projectFolder(scenarioFile: string): string {
  const start = path.resolve(path.dirname(scenarioFile));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** Whether `file` is `folder` or below it. */
export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
