import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * CORS Lab's own folder (where package.json and node_modules are), with a
 * trailing slash. Computed here once, so that moving a file never changes
 * where the project is.
 */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The installed version of an npm package of this project. */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${projectRoot}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** This tool's own version, from package.json. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(`${projectRoot}package.json`, 'utf8')) as { version: string }).version;
}
