/**
 * The Docker runtime, for real: the stacks in containers (the local images
 * scripts/build-images.sh makes, pointed at with --image as a user would),
 * real Chromium, real wire. Where no Docker engine is reachable (a machine
 * without Docker) these tests do not run, and say why; the local runtime's
 * tests are unaffected.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../servers/runtimes/catalog.ts';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { runLab } from '../../harness/run/run.ts';
import { HtmlReporter } from '../../harness/reporters/html/html-reporter.ts';
import { launchReportBrowser } from '../../harness/reporters/html/report-browser.ts';
import { RUN_LABEL } from '../../servers/runtimes/docker/engine.ts';
import { LOCAL_IMAGES, LOCAL_IMAGE_OPTIONS, dockerTestSetup } from '../../servers/runtimes/docker/local-images.ts';
import type { CellResult, RunResults } from '../../harness/results/types.ts';
import { exchangeAt } from '../../harness/results/exchanges.ts';

const setup = await dockerTestSetup();
if (!setup.ready) process.stderr.write(`\nDocker runtime tests did NOT run: ${setup.reason}\n\n`);
const title = setup.ready ? 'the Docker runtime' : `the Docker runtime (did not run: ${setup.reason})`;

/** Proxied and app scenarios of the default suite: both proxies, answers at each layer, an upstream that is down, Next.js. */
const COMPARED = /nginx-add-header|nginx-layer-both|nginx-article-map|apache-layer|apache-preflight-rewrite|apache-upstream-down|trailing-slash|put-needs-preflight|next-route-with-options/;

/** The containers of any corslab run still on the engine. */
function leftContainers(): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** What a cell's verdict rests on, for comparing runtimes. */
function outcome(c: CellResult): string {
  const o = c.observed;
  return JSON.stringify({ verdict: c.verdict, result: o?.result, preflight: exchangeAt(o, 'preflight')?.response?.status ?? null, status: exchangeAt(o, 'actual')?.response?.status ?? null, reachedHandler: o?.reachedHandler, error: c.error });
}

describe.skipIf(!setup.ready)(title, () => {
  const scenariosPromise = loadScenarios(['scenarios'], 'scenarios');
  let local: RunResults;
  let docker: RunResults;

  beforeAll(async () => {
    const scenarios = await scenariosPromise;
    // One after the other: the comparison is about behaviour, not about two runs sharing the machine.
    local = await runLab({ scenarios, engines: ['chromium'], grep: COMPARED, reporters: [], requireEngines: true, requireStacks: true });
    docker = await runLab({
      scenarios,
      engines: ['chromium'],
      grep: COMPARED,
      reporters: [],
      requireEngines: true,
      requireStacks: true,
      runtime: resolveSettings(undefined, { runtime: 'docker', image: LOCAL_IMAGE_OPTIONS }),
    });
  }, 600_000);

  it('runs the same versions as the local runtime (Debian 12 nginx and Apache, this machine\'s Node)', () => {
    const versions = (r: RunResults) => Object.fromEntries(r.environment.stacks.map((s) => [s.name, s.packages]));
    expect(versions(docker)).toEqual(versions(local));
    expect(local.environment.runtime).toBe('local');
    expect(docker.environment.runtime).toBe('docker');
  });

  it('gives the same verdicts, and the same observations, as the local runtime', () => {
    const byId = new Map(local.cells.map((c) => [c.id, c]));
    expect(docker.cells.map((c) => c.id).sort()).toEqual(local.cells.map((c) => c.id).sort());
    const differences = docker.cells.flatMap((c) => {
      const there = byId.get(c.id)!;
      return outcome(c) === outcome(there) ? [] : [`${c.id}\n    local:  ${outcome(there)}\n    docker: ${outcome(c)}`];
    });
    if (differences.length > 0) process.stderr.write(`The runtimes differ on ${differences.length} cell(s):\n  ${differences.join('\n  ')}\n`);
    expect(differences).toEqual([]);
    expect(docker.cells.length).toBeGreaterThan(40);
    expect(docker.summary.error).toBe(0);
    expect(docker.cells.some((c) => c.stack.startsWith('nginx>')) && docker.cells.some((c) => c.stack.startsWith('apache>')) && docker.cells.some((c) => c.stack === 'next')).toBe(true);
  });

  it('records the image and its digest for every stack', () => {
    for (const stack of docker.environment.stacks) {
      const refs = stack.images!.map((i) => i.ref);
      expect(refs).toContain(LOCAL_IMAGES.node);
      if (stack.name.startsWith('nginx>')) expect(refs).toContain(LOCAL_IMAGES.nginx);
      if (stack.name.startsWith('apache>')) expect(refs).toContain(LOCAL_IMAGES.apache);
      for (const image of stack.images!) expect(image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect(local.environment.stacks.every((s) => s.images === undefined)).toBe(true);
  });

  it('shows the images with their digests in the HTML report', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-docker-report-'));
    const browser = await launchReportBrowser();
    try {
      await new HtmlReporter(dir).onRunEnd(docker);
      const page = await browser.newPage();
      await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
      await page.locator('html[data-ready="true"]').waitFor({ timeout: 10_000 });
      // The environment is folded under its summary line (text, not rendered text).
      const shown = await page.locator('ul.images li').allTextContents();
      const nginx = docker.environment.stacks.find((s) => s.name.startsWith('nginx>'))!.images![0]!;
      expect(shown.some((t) => t.includes(LOCAL_IMAGES.nginx) && t.includes(nginx.id))).toBe(true);
      expect(shown.some((t) => t.includes(LOCAL_IMAGES.node))).toBe(true);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no container behind', () => {
    expect(leftContainers()).toEqual([]);
  });

  it('puts two nginx images side by side, as two columns', async () => {
    const scenarios = await scenariosPromise;
    const results = await runLab({
      scenarios,
      engines: ['chromium'],
      grep: /nginx-add-header-always/,
      reporters: [],
      requireEngines: true,
      runtime: resolveSettings(undefined, { runtime: 'docker', image: [`nginx=${LOCAL_IMAGES.nginx}`, `nginx=${LOCAL_IMAGES.nginxTrixie}`, `node=${LOCAL_IMAGES.node}`] }),
    });
    const columns = results.environment.stacks.map((s) => [s.name, s.label, s.packages.nginx, s.images![0]!.ref]);
    expect(columns).toEqual([
      ['nginx@1.22-bookworm>express-manual', 'nginx 1.22-bookworm → Express (hand-written)', '1.22.1', LOCAL_IMAGES.nginx],
      ['nginx@1.26-trixie>express-manual', 'nginx 1.26-trixie → Express (hand-written)', expect.stringMatching(/^1\.26\./), LOCAL_IMAGES.nginxTrixie],
    ]);
    // `expectFor` and `--stack` speak of nginx>express-manual; both columns are judged by it.
    expect(new Set(results.cells.map((c) => c.stack)).size).toBe(2);
    expect(results.summary.fail + results.summary.error).toBe(0);
    expect(results.scenarios[0]!.stacks).toEqual(['nginx@1.22-bookworm>express-manual', 'nginx@1.26-trixie>express-manual']);
    expect(leftContainers()).toEqual([]);
  }, 300_000);

  it('removes every container on Ctrl-C, with the runtime set in corslab.config.json', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'corslab-docker-cli-'));
    const root = process.cwd();
    try {
      await writeFile(path.join(cwd, 'corslab.config.json'), JSON.stringify({ runtime: 'docker', images: { nginx: LOCAL_IMAGES.nginx, apache: LOCAL_IMAGES.apache, node: LOCAL_IMAGES.node } }));
      const child = spawn(process.execPath, [path.join(root, 'bin/corslab.js'), 'run', path.join(root, 'scenarios/proxies'), '-e', 'chromium', '-r', 'terminal', '-o', path.join(cwd, 'out')], {
        cwd,
        env: { ...process.env, CORSLAB_SKIP_SETUP: '1', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // Interrupt once the run's containers are up (the first cell has run), as a person pressing Ctrl-C would.
      const deadline = Date.now() + 120_000;
      while (!/\d+\/\d+ cells/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(leftContainers().length).toBeGreaterThan(0);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(output).toMatch(/stopping every server and browser this run started/);
      expect(leftContainers()).toEqual([]);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 300_000);

  it('refuses a bad image setting before anything starts, naming where it came from', async () => {
    const run = spawnSync(process.execPath, ['bin/corslab.js', 'run', 'scenarios/origins', '--runtime', 'docker', '--image', 'nginx=nginx:1.27;id'], { encoding: 'utf8', env: { ...process.env, CORSLAB_SKIP_SETUP: '1' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('corslab: --image nginx=nginx:1.27;id: "nginx:1.27;id" is not an image reference');
    expect(run.stdout).toBe('');
  });

  afterAll(() => {
    expect(leftContainers()).toEqual([]);
  });
});
