// `npm run build` (and `prepack`): the package's compiled JavaScript and
// .d.ts in dist/ (tsconfig.build.json), the files the harness reads at run
// time beside the modules that read them (each finds its own through
// `new URL('./…', import.meta.url)`), and schema.json at the package's top,
// where a consumer's modeline points: node_modules/corslab/schema.json.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const started = Date.now();

/** Read at run time, relative to the module that reads them. */
export const ASSETS = [
  'harness/reporters/html/viewer.js',
  'harness/reporters/html/viewer.css',
  'harness/system/watchdog.mjs',
  'harness/cli/hands-on.html',
  'servers/apps/next/template',
  'scenarios/schema.json',
];

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
for (const asset of ASSETS) cpSync(path.join(root, asset), path.join(root, 'dist', asset), { recursive: true });
cpSync(path.join(root, 'scenarios/schema.json'), path.join(root, 'schema.json'));
// The package's `bin` (npm marks it executable on install; a plain unpacked copy needs it too).
chmodSync(path.join(root, 'dist/bin/cli.js'), 0o755);
process.stdout.write(`corslab build: dist/ and schema.json in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
