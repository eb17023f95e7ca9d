import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadScenarios } from '../scenarios/load.ts';
import { readConfigFile } from '../../servers/runtimes/catalog.ts';
import { initProject } from './init.ts';
import { parseInitArgs } from './options.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-init-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('corslab init', () => {
  it('writes a config with the given origins, a valid first scenario with the modeline, the workflow and the npm script', async () => {
    await writeFile(path.join(dir, 'package.json'), '{\n    "name": "app",\n    "scripts": { "test": "vitest" }\n}\n');
    const outcome = await initProject(parseInitArgs(['--origin', 'app=http://localhost:5173', '--origin', 'api=https://api.example.com']).config, dir);
    expect(outcome.written).toEqual(['corslab.config.js', 'cors/app-reads-api.yaml', '.github/workflows/cors.yml', 'package.json scripts["test:cors"]']);
    const config = await readFile(path.join(dir, 'corslab.config.js'), 'utf8');
    expect(config).toContain("import { defineConfig } from 'corslab';");
    expect(config).toContain('origins: {app: "http://localhost:5173", api: "https://api.example.com"}');
    const scenario = await readFile(path.join(dir, 'cors/app-reads-api.yaml'), 'utf8');
    expect(scenario.split('\n')[0]).toBe('# yaml-language-server: $schema=../node_modules/corslab/schema.json');
    const [loaded] = await loadScenarios([path.join(dir, 'cors')], path.join(dir, 'cors'), { under: { app: 'http://localhost:5173', api: 'https://api.example.com' } });
    expect(loaded!.probes).toHaveLength(3);
    const manifest = await readFile(path.join(dir, 'package.json'), 'utf8');
    expect(JSON.parse(manifest).scripts).toEqual({ test: 'vitest', 'test:cors': 'corslab run' });
    expect(manifest).toContain('\n    "scripts"');
    expect(await readFile(path.join(dir, '.github/workflows/cors.yml'), 'utf8')).toMatch(/npx playwright-core install --with-deps chromium[\s\S]*npx corslab run --require-engines/);
    expect(outcome.next[0]).toMatch(/^npm run test:cors/);
  });

  it('writes a config the config loader reads (without the defineConfig import, which needs the installed package)', async () => {
    await initProject({}, dir);
    const text = await readFile(path.join(dir, 'corslab.config.js'), 'utf8');
    await writeFile(path.join(dir, 'corslab.config.mjs'), text.replace("import { defineConfig } from 'corslab';", 'const defineConfig = (c) => c;'));
    const read = await readConfigFile(path.join(dir, 'corslab.config.mjs'));
    expect(read!.config).toEqual({ scenarios: ['cors/'], run: { engines: ['chromium'], outputDir: 'reports/cors' } });
  });

  it('writes corslab.config.ts where a tsconfig.json is, and no script without a package.json', async () => {
    await writeFile(path.join(dir, 'tsconfig.json'), '{}');
    const outcome = await initProject({}, dir);
    expect(outcome.written[0]).toBe('corslab.config.ts');
    expect(outcome.kept).toEqual(['no package.json here, so no npm script was added (run `npx corslab run`)']);
  });

  it('refuses to overwrite a file without --force and writes nothing, and never replaces a script', async () => {
    await writeFile(path.join(dir, 'package.json'), '{"scripts": {"test:cors": "my own"}}');
    await initProject({}, dir);
    await writeFile(path.join(dir, 'cors/app-reads-api.yaml'), 'mine');
    await expect(initProject({}, dir)).rejects.toThrow(/corslab\.config\.js, cors\/app-reads-api\.yaml, \.github\/workflows\/cors\.yml already exist; nothing was written \(--force overwrites\)/);
    expect(await readFile(path.join(dir, 'cors/app-reads-api.yaml'), 'utf8')).toBe('mine');
    const forced = await initProject({ force: true }, dir);
    expect(await readFile(path.join(dir, 'cors/app-reads-api.yaml'), 'utf8')).toContain('title:');
    expect(forced.kept[0]).toMatch(/already has scripts\["test:cors"\] \("my own"\); it was left as it is/);
    expect(JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).scripts['test:cors']).toBe('my own');
  });

  it('refuses a bad origin as corslab run would', async () => {
    await expect(initProject({ origins: ['app=https://app.example.com/'] }, dir)).rejects.toThrow(/--origin app=https:\/\/app\.example\.com\/:/);
  });
});
