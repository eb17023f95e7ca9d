import { existsSync } from 'node:fs';

export type Located =
  | { available: true; executable: string; source: 'configured' | 'playwright' | 'system' }
  | { available: false; reason: string };

export interface ExecutableSearch {
  /** Named in the reason when nothing is found: "Chromium", "nginx". */
  what: string;
  /** An environment variable that names the executable; when set, nothing else is looked at. */
  envVar: string;
  /** Playwright's own build, when it has one for this engine (only used if the file exists). */
  bundled?: string;
  /** Where the system's packages put it, in order of preference. */
  candidates: readonly string[];
  /** How to get it, for the reason: "install it with scripts/setup.mjs". */
  install: string;
}

/**
 * One way to find a program the harness drives or starts (a browser, a
 * proxy): the user's choice first, then Playwright's own build, then the
 * system's; or a reason that says where it looked.
 */
export function locateExecutable(search: ExecutableSearch): Located {
  const configured = process.env[search.envVar];
  if (configured) {
    return existsSync(configured)
      ? { available: true, executable: configured, source: 'configured' }
      : { available: false, reason: `${search.envVar} is ${configured}, which does not exist` };
  }
  if (search.bundled && existsSync(search.bundled)) return { available: true, executable: search.bundled, source: 'playwright' };
  const system = search.candidates.find((p) => existsSync(p));
  if (system) return { available: true, executable: system, source: 'system' };
  const looked = `${search.bundled !== undefined ? "Playwright's build and " : ''}${search.candidates.join(', ')}`;
  return { available: false, reason: `no ${search.what} found (looked for ${looked}); ${search.install} or set ${search.envVar}` };
}
