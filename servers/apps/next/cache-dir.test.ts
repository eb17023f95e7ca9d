import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../harness/system/project.ts';
import { CACHE_DIR, turbopackRoot } from './cache-dir.ts';

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'corslab-turbopack-root-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("Turbopack's root", () => {
  it('is this repository in its plain layout', () => {
    expect(turbopackRoot()).toBe(projectRoot.replace(/\/$/, ''));
    expect(CACHE_DIR.startsWith(projectRoot)).toBe(true);
  });

  it('holds the cache and the real folders of a pnpm layout (links into node_modules/.pnpm)', () => {
    const store = path.join(tmp, 'app/node_modules/.pnpm/next@16.4.6/node_modules/next');
    mkdirSync(store, { recursive: true });
    mkdirSync(path.join(tmp, 'app/node_modules/corslab'), { recursive: true });
    symlinkSync(store, path.join(tmp, 'app/node_modules/next'));
    expect(turbopackRoot(path.join(tmp, 'home/.cache/corslab/next'), [path.join(tmp, 'app/node_modules/next')])).toBe(tmp);
    expect(turbopackRoot(path.join(tmp, 'app/.cache/next'), [path.join(tmp, 'app/node_modules/next')])).toBe(path.join(tmp, 'app'));
  });

  it('is / when node_modules is linked from another tree', () => {
    expect(turbopackRoot('/nonexistent-corslab-test/.cache/corslab/next', [path.join(tmp, 'app/node_modules/next')])).toBe('/');
  });
});
