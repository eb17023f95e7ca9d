import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, installedAsDependency, packageDir, packageVersion, projectRoot, toolVersion } from './project.ts';

describe("CORS Lab's package folder, caches and versions", () => {
  it('finds its own package.json above this file, in the repository', () => {
    expect(existsSync(`${projectRoot}package.json`)).toBe(true);
    expect(projectRoot.endsWith(path.sep)).toBe(true);
    expect(installedAsDependency).toBe(false);
    expect(toolVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('keeps caches in the repository’s .cache, or under CORSLAB_CACHE_DIR', () => {
    expect(cacheDir('next', {})).toBe(path.join(projectRoot, '.cache', 'next'));
    expect(cacheDir('ca', {})).toBe(path.join(projectRoot, '.cache', 'corslab', 'ca'));
    expect(cacheDir('next', { CORSLAB_CACHE_DIR: '/tmp/x' })).toBe('/tmp/x/next');
  });

  it('installed as a dependency, keeps them in the user’s cache folder, never in node_modules', () => {
    expect(cacheDir('next', { XDG_CACHE_HOME: '/home/u/.xdg' }, true)).toBe('/home/u/.xdg/corslab/next');
    expect(cacheDir('ca', {}, true)).toBe(path.join(os.homedir(), '.cache', 'corslab', 'ca'));
    expect(cacheDir('next', { CORSLAB_CACHE_DIR: 'my-cache' }, true)).toBe(path.resolve('my-cache', 'next'));
  });

  it('reads versions from where the packages resolve, a package that hides its package.json included', () => {
    expect(packageVersion('next')).toMatch(/^16\./);
    expect(packageVersion('@fastify/cors')).toMatch(/^\d+\./);
    expect(packageDir('express')).toBe(path.join(projectRoot, 'node_modules', 'express'));
    expect(packageVersion('no-such-package-here')).toBe('unknown');
  });
});
