import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseScenario } from '../scenarios/load.ts';
import { ScenarioValidationError } from '../scenarios/errors.ts';
import { checkOwnApps } from './own-app-check.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** A project folder with a package.json, the module files given and a scenario file naming `server.app`. */
async function project(files: Record<string, string>, app: string): Promise<string> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-own-app-'));
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const scenario = path.join(dir, 's.yaml');
  await writeFile(scenario, `title: t\nlesson: l\nserver:\n  app: ${app}\nprobes:\n  - fetch: { url: "{apiOrigin}/x" }\n    expect: { result: allowed }\n`);
  return scenario;
}

describe("server.app is checked before anything starts, at the scenario's line and column", () => {
  const problems = async (scenario: string) => {
    return (await parseScenario(await readFile(scenario, 'utf8'), scenario, dir)).problems;
  };

  it('a module that does not exist', async () => {
    const scenario = await project({}, '{ module: ./missing.js }');
    expect(await problems(scenario)).toEqual([expect.objectContaining({ line: 4, column: 18, field: 'server.app.module', message: expect.stringMatching(/`\.\/missing\.js` does not exist/) })]);
  });

  it('a module outside the project folder', async () => {
    const scenario = await project({}, '{ module: ../outside.js }');
    expect(await problems(scenario)).toEqual([expect.objectContaining({ field: 'server.app.module', message: expect.stringMatching(/outside the scenario's project folder/) })]);
  });

  it('a module that is no JavaScript or TypeScript file', async () => {
    const scenario = await project({ 'app.json': '{}' }, '{ module: ./app.json }');
    expect(await problems(scenario)).toEqual([expect.objectContaining({ field: 'server.app.module' })]);
  });

  it('{api} in a probe: the app has no lab mount', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-own-app-'));
    await writeFile(path.join(dir, 'app.js'), 'export default (req, res) => res.end()');
    const scenario = path.join(dir, 's.yaml');
    await writeFile(scenario, 'title: t\nlesson: l\nserver:\n  app: { module: ./app.js }\nprobes:\n  - fetch: { url: "{api}/x" }\n    expect: { result: allowed }\n');
    expect(await problems(scenario)).toEqual([expect.objectContaining({ line: 6, field: 'probes[0].fetch.url', message: expect.stringMatching(/\{apiOrigin\}\/your\/path/) })]);
  });

  it('a missing export, at `export`', async () => {
    const scenario = await project({ 'app.js': 'export const other = 1;' }, '{ module: ./app.js, export: api }');
    const parsed = await parseScenario(await readFile(scenario, 'utf8'), scenario, dir);
    expect(parsed.problems).toEqual([]);
    const error = await checkOwnApps([parsed.scenario!]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioValidationError);
    expect((error as ScenarioValidationError).problems).toEqual([
      expect.objectContaining({ file: scenario, line: 4, column: 36, field: 'server.app.export', message: expect.stringMatching(/has no export `api` \(it exports `other`\)/) }),
    ]);
  });

  it('an export that is no app', async () => {
    const scenario = await project({ 'app.js': 'export default 42;' }, '{ module: ./app.js }');
    const parsed = await parseScenario(await readFile(scenario, 'utf8'), scenario, dir);
    const error = (await checkOwnApps([parsed.scenario!]).catch((e: unknown) => e)) as ScenarioValidationError;
    expect(error.problems).toEqual([expect.objectContaining({ field: 'server.app.module', message: expect.stringMatching(/is a number, which is none of: an Express app/) })]);
  });
});

describe("server.nginx.conf is checked before anything starts, at the conf file's line", () => {
  const withConf = async (conf: string, server = '  app: { module: ./app.js }\n  nginx: { conf: ./nginx.conf }\n') => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-own-conf-'));
    await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
    await writeFile(path.join(dir, 'app.js'), 'export default (req, res) => res.end();');
    await writeFile(path.join(dir, 'nginx.conf'), conf);
    const scenario = path.join(dir, 's.yaml');
    await writeFile(scenario, `title: t\nlesson: l\nserver:\n${server}probes:\n  - fetch: { url: "{apiOrigin}/x" }\n    expect: { result: allowed }\n`);
    return { scenario, conf: path.relative(process.cwd(), path.join(dir, 'nginx.conf')), parsed: await parseScenario(await readFile(scenario, 'utf8'), scenario, dir) };
  };

  it('a directive that reaches another host, at its line in nginx.conf', async () => {
    const { parsed, conf } = await withConf('events {}\nhttp {\n  resolver 1.1.1.1;\n}\n');
    expect(parsed.problems).toEqual([expect.objectContaining({ file: conf, line: 3, column: 1, field: 'server.nginx.conf', message: expect.stringMatching(/`resolver` is refused: it contacts a DNS server/) })]);
  });

  it('snippets beside a conf, Next.js behind it, {api} in a probe', async () => {
    const { parsed } = await withConf('events {}\n', '  nginx: { conf: ./nginx.conf, location: "add_header X y;", apps: [next] }\n');
    expect(parsed.problems.map((p) => p.field).sort()).toEqual(['server.nginx.apps[0]', 'server.nginx.location']);
    dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-own-conf-'));
    await writeFile(path.join(dir, 'nginx.conf'), 'events {}\n');
    const scenario = path.join(dir, 's.yaml');
    await writeFile(scenario, 'title: t\nlesson: l\nserver:\n  nginx: { conf: ./nginx.conf }\nprobes:\n  - fetch: { url: "{api}/x" }\n    expect: { result: allowed }\n');
    expect((await parseScenario(await readFile(scenario, 'utf8'), scenario, dir)).problems).toEqual([expect.objectContaining({ line: 6, field: 'probes[0].fetch.url', message: expect.stringMatching(/routes its own paths/) })]);
  });

  it('a conf outside the project', async () => {
    expect((await withConf('events {}\n', '  app: { module: ./app.js }\n  nginx: { conf: ../nginx.conf }\n')).parsed.problems).toEqual([expect.objectContaining({ message: expect.stringMatching(/outside the scenario's project folder/) })]);
  });

  it("an httpd.conf's refusal, at its line (a continued line counts from its first)", async () => {
    const { parsed, conf } = await withConf('Listen 80\nErrorLog \\\n  "|/usr/bin/logger"\n', '  app: { module: ./app.js }\n  apache: { conf: ./nginx.conf }\n');
    expect(parsed.problems).toEqual([expect.objectContaining({ file: conf, line: 2, field: 'server.apache.conf', message: expect.stringMatching(/a piped log runs a program/) })]);
  });

  it("nginx -t of the rewritten file names the user's file and line", async () => {
    const { locateProxies } = await import('../../servers/proxies/locate.ts');
    const { checkProxyConfigs } = await import('./proxy-check.ts');
    const { parsed, conf } = await withConf('events {}\nhttp {\n  server {\n    listen 80;\n    no_such_directive on;\n  }\n}\n');
    expect(parsed.problems).toEqual([]);
    const locations = await locateProxies([parsed.scenario!]);
    if (!locations.nginx?.available) throw new Error(`nginx is needed for this test: ${JSON.stringify(locations.nginx)}`);
    const error = (await checkProxyConfigs([parsed.scenario!], locations).catch((e: unknown) => e)) as ScenarioValidationError;
    expect(error.problems).toEqual([expect.objectContaining({ file: conf, line: 5, field: 'server.nginx.conf', message: expect.stringMatching(/unknown directive "no_such_directive"/) })]);
  });
});

describe('a file a user config includes', () => {
  const run = async (included: string) => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-own-conf-'));
    await writeFile(path.join(dir, 'package.json'), '{}');
    await writeFile(path.join(dir, 'app.js'), 'export default (req, res) => res.end();');
    await writeFile(path.join(dir, 'nginx.conf'), 'events {}\nhttp {\n  include cors.conf;\n}\n');
    await writeFile(path.join(dir, 'cors.conf'), included);
    const scenario = path.join(dir, 's.yaml');
    await writeFile(scenario, 'title: t\nlesson: l\nserver:\n  app: { module: ./app.js }\n  nginx: { conf: ./nginx.conf }\nprobes:\n  - fetch: { url: "{apiOrigin}/x" }\n    expect: { result: allowed }\n');
    return (await parseScenario(await readFile(scenario, 'utf8'), scenario, dir)).problems;
  };

  it('may hold what runs as it is (headers, a map)', async () => {
    expect(await run('map $http_origin $o { default ""; }\nadd_header Vary Origin always;\n')).toEqual([]);
  });

  it('is refused, at the include, when it holds a line the lab would rewrite or refuse', async () => {
    expect(await run('server {\n  listen 8080;\n}\n')).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/includes .*cors\.conf, whose line 2 the lab cannot leave as it is/) })]);
    expect(await run('resolver 10.0.0.1;\n')).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/whose line 1 .*DNS/) })]);
  });
});
