import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConfigFile } from '../config/settings.ts';
import { readConfigFile } from '../../servers/runtimes/catalog.ts';
import { runConfigOf } from './config-file.ts';
import { parseRunArgs } from './options.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-config-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(name: string, text: string) {
  await writeFile(path.join(dir, name), text);
  return readConfigFile(path.join(dir, name));
}

describe('corslab.config.(ts|mts|js|mjs|json)', () => {
  it('reads the default export of a .mjs config, and its run settings through the flags’ own checks', async () => {
    const file = await read('corslab.config.mjs', `export default { scenarios: 'cors/', engines: ['chromium'], probeTimeoutMs: 5000, requireEngines: true, origins: { app: 'https://app.example.com' } }`);
    expect(file!.config.scenarios).toEqual(['cors/']);
    expect(file!.config.origins).toEqual({ app: 'https://app.example.com' });
    expect(runConfigOf(file)).toEqual({ engines: ['chromium'], probeTimeoutMs: 5000, requireEngines: true });
  });

  it('loads a .ts config through tsx, types and all', async () => {
    const file = await read('corslab.config.ts', `const engines: ('chromium' | 'firefox')[] = ['firefox'];\nexport default { engines, outputDir: 'reports/cors' satisfies string };\n`);
    expect(runConfigOf(file)).toEqual({ engines: ['firefox'], outputDir: 'reports/cors' });
  });

  it('lets a flag win over the file', async () => {
    const file = await read('corslab.config.mjs', `export default { engines: ['firefox'], reporters: ['json'] }`);
    const config = { ...runConfigOf(file), ...parseRunArgs(['-e', 'chromium']).config };
    expect(config).toEqual({ engines: ['chromium'], reporters: ['json'] });
  });

  it('refuses an unknown key with the file, the key and the nearest one', async () => {
    await expect(read('corslab.config.js', `export default { engine: ['chromium'] }`)).rejects.toThrow(/corslab\.config\.js: unknown field `engine`; did you mean `engines`\?/);
    await expect(read('corslab.config.json', `{"timout": 5}`)).rejects.toThrow(/corslab\.config\.json: unknown field `timout`/);
  });

  it('refuses a bad value naming the file and the key, as the flag would', async () => {
    const engines = await read('corslab.config.mjs', `export default { engines: ['chrome'] }`);
    expect(() => runConfigOf(engines)).toThrow(/corslab\.config\.mjs engines: unknown engine "chrome"; known: chromium/);
    const timeout = await read('corslab.config.mjs', `export default { probeTimeoutMs: 'soon' }`);
    expect(() => runConfigOf(timeout)).toThrow(/corslab\.config\.mjs probeTimeoutMs: must be a whole number of at least 1, got "soon"/);
    const toggle = await read('corslab.config.mjs', `export default { requireEngines: 'yes' }`);
    expect(() => runConfigOf(toggle)).toThrow(/corslab\.config\.mjs requireEngines: must be true or false, got "yes"/);
  });

  it('says what is wrong with a file that has no default export or does not load', async () => {
    await expect(read('corslab.config.mjs', `export const config = {}`)).rejects.toThrow(/corslab\.config\.mjs: has no default export; write `export default defineConfig/);
    await expect(read('corslab.config.mjs', `export default {`)).rejects.toThrow(/corslab\.config\.mjs: could not be loaded/);
  });

  it('finds the one config file of a folder, and refuses two', async () => {
    expect(findConfigFile(dir)).toBeUndefined();
    await writeFile(path.join(dir, 'corslab.config.json'), '{}');
    expect(findConfigFile(dir)).toBe(path.join(dir, 'corslab.config.json'));
    await writeFile(path.join(dir, 'corslab.config.ts'), 'export default {}');
    expect(() => findConfigFile(dir)).toThrow(/corslab\.config\.ts and corslab\.config\.json are both in/);
  });
});
