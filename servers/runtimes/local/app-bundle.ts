import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot } from '../../../harness/system/project.ts';

/**
 * The app child's entry (app-main.ts) and the project's code it loads,
 * bundled into one plain JavaScript file, so that the child runs without
 * tsx. tsx compiles TypeScript through module hooks that run in a worker
 * thread, and Node's permission model refuses worker threads unless
 * `--allow-worker` is given, which would let the scenario's code start
 * workers of its own. npm packages stay outside the bundle (loaded from
 * node_modules, as in the harness).
 *
 * The bundle is cached by its content in `.cache/corslab-app/`, two levels
 * below the project, where harness/system/project.ts's `../..` is the
 * project as it is from its own file. esbuild is tsx's own dependency.
 */
const BUNDLE_DIR = path.join(projectRoot, '.cache/corslab-app');
const ENTRY = path.join(projectRoot, 'servers/runtimes/local/app-main.ts');

let bundled: Promise<string> | undefined;

/** The bundle's path, built once per process (about 0.2 s; unchanged sources give the same file). */
export function appMainBundle(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as typeof import('esbuild');
    const result = await esbuild.build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    const file = path.join(BUNDLE_DIR, `app-main-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      await mkdir(BUNDLE_DIR, { recursive: true });
      const partial = `${file}.${process.pid}.tmp`;
      await writeFile(partial, code);
      await rename(partial, file);
    }
    return file;
  })();
  bundled.catch(() => (bundled = undefined));
  return bundled;
}
