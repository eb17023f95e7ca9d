/**
 * The offline commands load no server framework. `corslab explain` and
 * `corslab validate` need what the stacks and proxies know (names, rendering,
 * fixes, the scenario schema), never their servers: each stack's server
 * module (`servers/apps/<stack>/server.ts`) and each proxy's processes load
 * only when one starts. A module that imported one eagerly would make these
 * commands load Express, Fastify or Next.js, and this test would name it.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The packages that start servers, containers or builds: none belongs in an offline command. */
const SERVER_PACKAGES = ['express', 'cors', 'fastify', '@fastify/cors', 'next', 'testcontainers'];

/** The modules of a stack's server or a proxy's processes, which only starting one may load. */
const SERVER_MODULE = /\/servers\/(?:(?:apps|proxies)\/[^/]+\/(?:server|process)|apps\/express-server)\.ts$/;

/** What a Node process resolved, as its import log (tests/helpers/import-log.mjs) shows it: the npm packages and the project's server modules. */
function packagesLoaded(args: string[]): { status: number | null; packages: Set<string>; serverModules: string[]; stdout: string } {
  const result = spawnSync(process.execPath, ['--import', './tests/helpers/import-log.mjs', ...args], { encoding: 'utf8' });
  const packages = new Set<string>();
  const serverModules = new Set<string>();
  for (const [, url] of result.stderr.matchAll(/^corslab-import: (\S+)$/gm)) {
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url!)?.[1];
    if (name) packages.add(name);
    if (SERVER_MODULE.test(url!)) serverModules.add(url!.replace(/^.*\/servers\//, 'servers/'));
  }
  return { status: result.status, packages, serverModules: [...serverModules], stdout: result.stdout };
}

const loadedServerPackages = (packages: Set<string>) => SERVER_PACKAGES.filter((p) => packages.has(p));

describe('the offline commands', () => {
  it('corslab explain loads no server framework', () => {
    const run = packagesLoaded(['bin/corslab.js', 'explain', '--origin', 'https://app.example.com', '--url', 'https://api.example.com/items', '-X', 'PUT', '--credentials', 'include']);
    expect(run.status).toBe(0);
    // Every stack's fix is rendered, so every definition was loaded, and none of their servers.
    expect(run.stdout).toContain('Express + cors:');
    expect(run.stdout).toContain('Next.js:');
    expect(run.packages.has('yaml') || run.packages.has('ajv')).toBe(true);
    expect(loadedServerPackages(run.packages)).toEqual([]);
    expect(run.serverModules).toEqual([]);
  });

  it('corslab validate loads none either, and only the proxies\' processes that test their configs', () => {
    const run = packagesLoaded(['bin/corslab.js', 'validate', 'tests/fixtures/next']);
    expect(run.status).toBe(0);
    expect(loadedServerPackages(run.packages)).toEqual([]);
    expect(run.serverModules.filter((m) => !m.startsWith('servers/proxies/'))).toEqual([]);
  });

  it('corslab run --list loads none either, and no proxy process', () => {
    const run = packagesLoaded(['bin/corslab.js', 'run', 'tests/fixtures/nginx', '--list']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^\d+ cells: /m);
    expect(loadedServerPackages(run.packages)).toEqual([]);
    expect(run.serverModules).toEqual([]);
  });

  it('would see one that is loaded: the import log names the stack server it imports', () => {
    const run = packagesLoaded(['--import', 'tsx', '--eval', "await import('./servers/apps/fastify-cors/server.ts')"]);
    expect(run.status).toBe(0);
    expect(loadedServerPackages(run.packages)).toEqual(['fastify', '@fastify/cors']);
    expect(run.serverModules).toEqual(['servers/apps/fastify-cors/server.ts']);
  });
});
