import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaults } from '../config/defaults.ts';
import { SettingsError } from '../config/settings.ts';
import { runOrigins } from '../run/config.ts';
import { UsageError } from './flags.ts';
import type { InitConfig } from './options.ts';

/** Where `corslab init` puts the first scenario; the config's `scenarios` names it. */
export const INIT_SCENARIO_DIR = 'cors';
export const INIT_OUTPUT_DIR = 'reports/cors';
export const INIT_WORKFLOW = '.github/workflows/cors.yml';
export const INIT_SCRIPT = { name: 'test:cors', command: 'corslab run' } as const;

export interface InitOutcome {
  written: string[];
  /** What was left as it was, and why (an npm script of the same name, no package.json). */
  kept: string[];
  /** What to do next, to print. */
  next: string[];
}

/**
 * `corslab init`: a config file, a first scenario for the user's origins with
 * the schema modeline, an npm script and a GitHub Actions workflow. Refuses,
 * before writing anything, to overwrite a file that exists (unless force).
 */
export async function initProject(config: InitConfig, dir = process.cwd()): Promise<InitOutcome> {
  const origins: Record<string, string> = {};
  try {
    // The same checks as --origin on `corslab run`: a name the scenario can use as {name}, a serialized origin.
    runOrigins({ origins: config.origins ?? [] }, undefined);
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(error.message);
    throw error;
  }
  for (const option of config.origins ?? []) origins[option.slice(0, option.indexOf('='))] = option.slice(option.indexOf('=') + 1);
  const typescript = config.typescript ?? existsSync(path.join(dir, 'tsconfig.json'));
  const configName = typescript ? 'corslab.config.ts' : 'corslab.config.js';
  const files = new Map<string, string>([
    [configName, configText(origins, typescript)],
    [`${INIT_SCENARIO_DIR}/app-reads-api.yaml`, FIRST_SCENARIO],
    [INIT_WORKFLOW, WORKFLOW],
  ]);
  // Another config file beside the new one would make both refused (harness/config/settings.ts findConfigFile): never, --force or not.
  const others = defaults.configFileNames.filter((name) => name !== configName && existsSync(path.join(dir, name)));
  if (others.length > 0) throw new UsageError(`corslab init: ${others.join(', ')} is already here, and a second config file beside it would be refused; nothing was written`);
  const existing = [...files.keys()].filter((name) => existsSync(path.join(dir, name)));
  if (existing.length > 0 && !config.force) throw new UsageError(`corslab init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (--force overwrites)`);
  const written: string[] = [];
  for (const [name, text] of files) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
    written.push(name);
  }
  const kept: string[] = [];
  const script = await addScript(dir);
  if (script === 'added') written.push(`package.json scripts["${INIT_SCRIPT.name}"]`);
  else kept.push(script);
  const run = script === 'added' ? `npm run ${INIT_SCRIPT.name}` : 'npx corslab run';
  return {
    written,
    kept,
    next: [
      `${run}    runs ${INIT_SCENARIO_DIR}/ in Chromium against Express, Fastify and Next.js, and writes ${INIT_OUTPUT_DIR}/index.html`,
      `edit ${INIT_SCENARIO_DIR}/app-reads-api.yaml: server.policy is your CORS setup, each probe a request a page makes and what must happen`,
      `${INIT_WORKFLOW} runs the same in GitHub Actions on every push`,
      `in Vitest: await describeScenarios('${INIT_SCENARIO_DIR}/', { engines: ['chromium'] }) from 'corslab/vitest'`,
    ],
  };
}

/** Adds the npm script unless package.json is missing or already has one of that name (never clobbered, --force or not). */
async function addScript(dir: string): Promise<string> {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return `no package.json here, so no npm script was added (run \`npx corslab run\`)`;
  const text = await readFile(file, 'utf8');
  let manifest: { scripts?: Record<string, string> };
  try {
    manifest = JSON.parse(text) as typeof manifest;
  } catch (error) {
    return `package.json is not valid JSON (${(error as Error).message}), so no npm script was added`;
  }
  const present = manifest.scripts?.[INIT_SCRIPT.name];
  if (present !== undefined) return `package.json already has scripts["${INIT_SCRIPT.name}"] (${JSON.stringify(present)}); it was left as it is`;
  manifest.scripts = { ...manifest.scripts, [INIT_SCRIPT.name]: INIT_SCRIPT.command };
  // The file's own indentation, so the diff is the one line.
  const indent = /^[ \t]+/m.exec(text)?.[0] ?? '  ';
  await writeFile(file, `${JSON.stringify(manifest, null, indent)}\n`);
  return 'added';
}

function configText(origins: Record<string, string>, typescript: boolean): string {
  const originsLine = Object.keys(origins).length
    ? `  // Your origins, by name: {app} and {api} in the scenarios. The lab maps each to a listener on 127.0.0.1.\n  origins: ${JSON.stringify(origins).replace(/"([a-z][a-zA-Z0-9]*)":/g, '$1: ').replace(/,/g, ', ')},\n`
    : `  // Your origins, by name ({app} and {api} in the scenarios); without them the lab's own,\n  // http://app.example.localhost:PORT and http://api.example.localhost:PORT.\n  // origins: { app: 'https://app.example.com', api: 'https://api.example.com' },\n`;
  return `${typescript ? '' : '// @ts-check\n'}import { defineConfig } from 'corslab';

// CORS Lab's settings; every \`corslab run\` flag overrides its key (corslab run --help).
export default defineConfig({
  scenarios: ['${INIT_SCENARIO_DIR}/'],
${originsLine}  engines: ['chromium'],
  outputDir: '${INIT_OUTPUT_DIR}',
});
`;
}

const FIRST_SCENARIO = `# yaml-language-server: $schema=../node_modules/corslab/schema.json
title: The app's page reads the API, and another site's page cannot
lesson: >
  The API allows its own app's origin and no other. A simple GET from the
  app is sent and readable; a PUT with JSON is preflighted first and then
  allowed; the same GET from another site's page reaches the server (CORS
  does not stop a request from being sent) but its response cannot be read.
sources:
  - https://fetch.spec.whatwg.org/#http-cors-protocol
server:
  policy: { origin: "{app}", methods: [GET, PUT], allowedHeaders: [Content-Type] }
probes:
  - name: the app reads the API
    fetch: { url: "{api}/items" }
    expect: { preflight: false, reachedHandler: true, result: allowed, status: 200 }
  - name: the app sends JSON, preflighted
    fetch: { url: "{api}/items/1", method: PUT, headers: { Content-Type: application/json }, body: '{"done":true}' }
    expect: { preflight: true, reachedHandler: true, result: allowed }
  - name: another site's page cannot read it
    from: evil
    fetch: { url: "{api}/items" }
    expect: { preflight: false, reachedHandler: true, result: blocked }
`;

const WORKFLOW = `# CORS Lab: the CORS scenarios in real browsers on every push (written by corslab init).
name: CORS
on: [push, pull_request]
jobs:
  cors:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
          cache: npm
      - run: npm ci
      # Playwright's own Chromium and the system libraries it needs. On a Debian runner or
      # container, Debian's packages work instead: apt-get install -y chromium firefox-esr
      # (and nginx apache2-bin xvfb webkit2gtk-driver for the proxies and WebKit).
      - run: npx playwright-core install --with-deps chromium
      - run: npx corslab run --require-engines
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: cors-report
          path: ${INIT_OUTPUT_DIR}/
`;
