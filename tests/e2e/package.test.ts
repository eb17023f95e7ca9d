/**
 * CORS Lab as a user gets it: `npm pack`, the tarball installed into a new
 * project of its own, and there the three ways of the README's "Use it in your
 * project": `npx corslab init` and `npx corslab run` (Express, Fastify and
 * Next.js in Chromium), a script on the typed API (type-checked against the
 * package's .d.ts, run on plain Node), and a Vitest file on `corslab/vitest`
 * with one passing and one failing scenario.
 *
 * Offline: no registry is reachable here, and npm's cache does not hold the
 * dependencies, so `npm install <tarball> --offline` is tried first and, when it
 * cannot complete, the tarball is unpacked as node_modules/corslab and each of
 * this repository's node_modules entries is linked beside it (a symlinked
 * layout, which Next.js's Turbopack refuses unless its root holds both; see
 * servers/apps/next/cache-dir.ts).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineDriver } from '../../harness/browsers/catalog.ts';
import type { RunResults } from '../../harness/results/types.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const chromium = await engineDriver('chromium')!.locate();

interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

describe.skipIf(!chromium.available)(`the package, installed in a new project${chromium.available ? '' : ` (not run: ${chromium.available ? '' : chromium.reason})`}`, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'corslab-package-'));
  const project = path.join(tmp, 'project');
  /** The user's cache folder for this test alone: Next builds once, cold, as on a new machine. */
  const cacheHome = path.join(tmp, 'cache');
  const env = { ...process.env, XDG_CACHE_HOME: cacheHome, CORSLAB_CACHE_DIR: '', NO_COLOR: '1', FORCE_COLOR: '0', CI: '' };
  let pack: PackInfo;
  let installStarted: number;
  const figures: string[] = [];

  const inProject = (command: string, args: string[], timeout = 600_000): SpawnSyncReturns<string> => spawnSync(command, args, { cwd: project, env, encoding: 'utf8', timeout });
  const output = (r: SpawnSyncReturns<string>) => `${r.stdout}\n${r.stderr}`;

  beforeAll(() => {
    const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: repo, env, encoding: 'utf8', timeout: 600_000 });
    expect(packed.status, output(packed)).toBe(0);
    pack = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackInfo[])[0]!;
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', scripts: { test: 'vitest run' } }, null, 2)}\n`);
    installStarted = Date.now();
    install(path.join(tmp, pack.filename), project, env);
  }, 900_000);

  afterAll(() => {
    process.stdout.write(`\n[package] ${figures.join('\n[package] ')}\n`);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('packs the compiled package with its types and run-time assets, and no tests, fixtures or screenshots', () => {
    const files = pack.files.map((f) => f.path);
    for (const needed of ['dist/bin/cli.js', 'dist/harness/api/index.js', 'dist/harness/api/index.d.ts', 'dist/harness/api/vitest.js', 'dist/harness/api/vitest.d.ts', 'schema.json', 'dist/harness/system/watchdog.mjs', 'dist/harness/reporters/html/viewer.js', 'dist/servers/apps/next/template/corslab/lab.js', 'README.md']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /(^|\/)tests?\/|fixtures|\.test\.|\.png$|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    figures.push(`package: ${(pack.size / 1024).toFixed(0)} kB packed, ${(pack.unpackedSize / 1024 / 1024).toFixed(2)} MB unpacked, ${pack.entryCount} files`);
  });

  it('corslab init writes the config, a first scenario, the workflow and the npm script, and says what to run next', () => {
    const init = inProject('npx', ['corslab', 'init']);
    expect(init.status, output(init)).toBe(0);
    expect(init.stdout).toContain('wrote corslab.config.js');
    expect(init.stdout).toMatch(/Next:\n {2}npm run test:cors/);
    expect(readFileSync(path.join(project, 'cors/app-reads-api.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/node_modules\/corslab\/schema\.json\n/);
    // The modeline's target is there, and is the scenario schema.
    expect(JSON.parse(readFileSync(path.join(project, 'node_modules/corslab/schema.json'), 'utf8')).properties.probes).toBeDefined();
    expect(JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')).scripts).toEqual({ test: 'vitest run', 'test:cors': 'corslab run' });
    expect(existsSync(path.join(project, '.github/workflows/cors.yml'))).toBe(true);
    // The README shows the config as init writes it.
    expect(README).toContain(`\`\`\`js\n${readFileSync(path.join(project, 'corslab.config.js'), 'utf8')}\`\`\``);
    const again = inProject('npx', ['corslab', 'init']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exist; nothing was written \(--force overwrites\)/);
  });

  it('npm run test:cors runs the first scenario on Express, Fastify and Next.js in Chromium, every cell passing, caches outside the package', () => {
    const before = listFiles(path.join(project, 'node_modules/corslab'));
    const run = inProject('npm', ['run', 'test:cors']);
    const firstReport = Date.now();
    expect(run.status, output(run)).toBe(0);
    figures.push(`from install to the first report: ${((firstReport - installStarted) / 1000).toFixed(1)} s (install, corslab init, corslab run with a cold Next.js build)`);
    const results = JSON.parse(readFileSync(path.join(project, 'reports/cors/results.json'), 'utf8')) as RunResults;
    expect(existsSync(path.join(project, 'reports/cors/index.html'))).toBe(true);
    const stacks = new Set(results.cells.map((c) => c.stack));
    expect([...stacks].sort()).toEqual(['express-cors', 'express-manual', 'fastify-cors', 'next']);
    expect(results.cells.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.error ?? JSON.stringify(c.differences)}`)).toEqual([]);
    expect(results.cells.filter((c) => c.stack === 'next')).toHaveLength(3);
    // Versions from where the packages resolve, not "unknown".
    const packages = Object.assign({}, ...results.environment.stacks.map((s) => s.packages)) as Record<string, string>;
    for (const name of ['express', 'cors', 'fastify', 'next']) expect(packages[name], name).toMatch(/^\d+\.\d+\.\d+/);
    expect(results.environment.playwright).toMatch(/^\d+\.\d+\.\d+/);
    // Next's builds and the run's CA in the user's cache folder; nothing written into the installed package.
    expect(readdirSync(path.join(cacheHome, 'corslab/next')).some((name) => /^[0-9a-f]{24}$/.test(name))).toBe(true);
    expect(listFiles(path.join(project, 'node_modules/corslab'))).toEqual(before);
    expect(existsSync(path.join(project, 'node_modules/.cache'))).toBe(false);
  });

  it('a flag overrides the config file, and a mistyped key in it is refused with the file, the key and the nearest one', () => {
    const listed = inProject('npx', ['corslab', 'run', '--list', '-s', 'express-cors']);
    expect(listed.status, output(listed)).toBe(0);
    expect(listed.stdout).toMatch(/3 cells/);
    writeFileSync(path.join(project, 'corslab.config.js'), readFileSync(path.join(project, 'corslab.config.js'), 'utf8').replace('engines:', 'engine:'));
    const refused = inProject('npx', ['corslab', 'run', '--list']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/corslab\.config\.js: unknown field `engine`; did you mean `engines`\?/);
    writeFileSync(path.join(project, 'corslab.config.js'), readFileSync(path.join(project, 'corslab.config.js'), 'utf8').replace('engine:', 'engines:'));
  });

  it('a script on the typed API type-checks against the .d.ts and runs on plain Node', () => {
    writeFileSync(path.join(project, 'check-cors.mjs'), readmeExample('check-cors.mjs'));
    const tsc = inProject(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--allowJs', '--checkJs', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'check-cors.mjs']);
    expect(tsc.status, output(tsc)).toBe(0);
    const started = Date.now();
    const script = inProject(process.execPath, ['check-cors.mjs']);
    expect(script.status, output(script)).toBe(0);
    const line = JSON.parse(script.stdout.trim().split('\n').at(-1)!) as { scenarios: number; probes: number; summary: { total: number; pass: number }; failed: number };
    expect(line).toMatchObject({ scenarios: 1, probes: 3, summary: { total: 3, pass: 3 }, failed: 0 });
    expect(existsSync(path.join(project, 'reports/api/results.json'))).toBe(true);
    figures.push(`the typed API's run (3 cells, Express + cors, Chromium): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // A type error in the consumer's use of the API is caught by its .d.ts.
    writeFileSync(path.join(project, 'wrong.mjs'), `// @ts-check\nimport { run } from 'corslab';\nawait run({ probeTimeoutMs: 'soon', engine: ['chromium'] });\n`);
    const wrong = inProject(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '--noEmit', '--allowJs', '--checkJs', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'wrong.mjs']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.mjs\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it('a Vitest file on corslab/vitest: one test per probe, the failing one naming the difference, the scenario file and line, the reason and the fix; -t filters', () => {
    mkdirSync(path.join(project, 'cors-vitest'));
    writeFileSync(path.join(project, 'cors-vitest/allowed.yaml'), SCENARIO('"{app}"', 'allowed'));
    writeFileSync(path.join(project, 'cors-vitest/wrong-origin.yaml'), SCENARIO('"https://other.example.com"', 'allowed'));
    writeFileSync(path.join(project, 'cors.test.mjs'), readmeExample('cors.test.mjs'));
    const vitest = inProject(process.execPath, [path.join(project, 'node_modules/vitest/vitest.mjs'), 'run', 'cors.test.mjs', '--reporter=json', '--outputFile=vitest.json']);
    expect(vitest.status, output(vitest)).toBe(1);
    const report = JSON.parse(readFileSync(path.join(project, 'vitest.json'), 'utf8')) as { testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[] };
    const tests = report.testResults.flatMap((f) => f.assertionResults);
    expect(tests.map((t) => [t.fullName, t.status])).toEqual([
      ['CORS Lab: cors-vitest/ cors-vitest/allowed: The app reads the API GET {api}/items (cors-vitest/allowed.yaml:7)', 'passed'],
      ['CORS Lab: cors-vitest/ cors-vitest/wrong-origin: The app reads the API GET {api}/items (cors-vitest/wrong-origin.yaml:7)', 'failed'],
    ]);
    const message = tests[1]!.failureMessages.join('\n');
    expect(message).toContain('1 of 1 cells did not pass: cors-vitest/wrong-origin.yaml:7 > GET {api}/items');
    expect(message).toContain('FAIL [express-cors, chromium]');
    expect(message).toContain('result: expected "allowed", observed "blocked"');
    expect(message).toMatch(/why: blocked: Access-Control-Allow-Origin is `https:\/\/other\.example\.com`/);
    expect(message).toMatch(/fix: /);
    figures.push(`the failing Vitest test's message:\n${message}`);
    const filtered = inProject(process.execPath, [path.join(project, 'node_modules/vitest/vitest.mjs'), 'run', 'cors.test.mjs', '-t', 'allowed.yaml']);
    expect(filtered.status, output(filtered)).toBe(0);
    expect(output(filtered)).toMatch(/1 passed \| 1 skipped/);
  });
});

const README = readFileSync(path.join(repo, 'README.md'), 'utf8');

/** A code block of the README's "Use it in your project" whose first line is `// <name>`, without that line: the examples there are the ones this test runs. */
function readmeExample(name: string): string {
  const section = README.slice(README.indexOf('## Use it in your project'));
  const block = new RegExp(`\`\`\`js\n// ${name.replace('.', '\\.')}\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!block) throw new Error(`README.md has no example \`// ${name}\` under "Use it in your project"`);
  return block[1]!;
}

/** A one-probe scenario whose policy allows `origin`, expecting `result` for the app's GET. */
const SCENARIO = (origin: string, result: string) => `# yaml-language-server: $schema=../node_modules/corslab/schema.json
title: The app reads the API
lesson: A regression check written in a consumer's project.
server:
  policy: { origin: ${origin} }
probes:
  - fetch: { url: "{api}/items" }
    expect: { preflight: false, reachedHandler: true, result: ${result} }
`;

/**
 * Installs the tarball: npm offline first; when npm's cache cannot satisfy it
 * (the case here), unpacked as node_modules/corslab with this repository's
 * node_modules entries linked beside it, and the bins npm would link.
 */
function install(tarball: string, project: string, env: NodeJS.ProcessEnv): void {
  const npm = spawnSync('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--no-save'], { cwd: project, env, encoding: 'utf8', timeout: 300_000 });
  if (npm.status === 0 && existsSync(path.join(project, 'node_modules/vitest'))) return;
  rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
  const modules = path.join(project, 'node_modules');
  mkdirSync(path.join(modules, 'corslab'), { recursive: true });
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', path.join(modules, 'corslab'), '--strip-components=1'], { encoding: 'utf8' });
  expect(tar.status, tar.stderr).toBe(0);
  for (const name of readdirSync(path.join(repo, 'node_modules'))) {
    if (name.startsWith('.') || name === 'corslab') continue;
    symlinkSync(path.join(repo, 'node_modules', name), path.join(modules, name));
  }
  mkdirSync(path.join(modules, '.bin'));
  const bin = JSON.parse(readFileSync(path.join(modules, 'corslab/package.json'), 'utf8')).bin.corslab as string;
  chmodSync(path.join(modules, 'corslab', bin), 0o755);
  symlinkSync(path.join('..', 'corslab', bin), path.join(modules, '.bin/corslab'));
  symlinkSync(path.join('..', 'vitest', 'vitest.mjs'), path.join(modules, '.bin/vitest'));
}

/** Every file below a folder with its size and modification time, links not followed. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      const info = statSync(file);
      return `${path.relative(dir, file)} ${info.size} ${info.mtimeMs}`;
    })
    .sort();
}
