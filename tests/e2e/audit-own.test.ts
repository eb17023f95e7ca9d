/**
 * `corslab audit --app` and `--nginx-conf`: a user's app module and a user's
 * whole nginx.conf audited with no YAML, in real browsers (a server the user
 * runs, `--target`, is tests/e2e/audit.test.ts). The examples a user copies
 * (examples/) must give no finding; then one vulnerable app module per
 * attacker class of the battery (tests/fixtures/audit-classes/) must be
 * reported exploitable exactly where an attacker page really read a response
 * the browser had sent the session cookie with, and the safe one must give
 * no finding at all.
 *
 * Whether a browser sends the cookie is the browser's own business, and
 * differs by engine and by site-ness (the cookie is `SameSite=None; Secure`:
 * a same-site attacker, https://evil.mycompany.com, gets it in every engine;
 * a cross-site one only where the engine does not block third-party cookies
 * in its contexts). So the expected findings are derived from the cells'
 * observations in the same run, never written per engine; what is written
 * here is which pages each bug lets read at all, which the module's code decides.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CellResult, RunResults, SecurityFinding } from '../../harness/results/types.ts';

const APP = 'https://app.mycompany.com';
/** Every engine: WebKitGTK's MiniBrowser sends third-party cookies, so it is where the cross-site classes are really exploitable. */
const ENGINES = ['chromium', 'firefox', 'webkit'];
const BATTERY = ['dot', 'evil', 'http', 'prefix', 'sandboxed', 'sibling', 'special', 'sub', 'suffix'];

function corslab(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...env } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/corslab.js', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function results(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as RunResults;
}

const made: string[] = [];
async function tmp(prefix: string, inside = os.tmpdir()): Promise<string> {
  await mkdir(inside, { recursive: true });
  const dir = await mkdtemp(path.join(inside, `corslab-${prefix}-`));
  made.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** An attacker cell where the page read the answer to a request the browser sent the session cookie with. */
function readWithCookie(cell: CellResult): boolean {
  return cell.from !== 'app' && cell.observed?.result === 'allowed' && (cell.observed.cookiesSent ?? []).includes('corslab_session');
}

/** What the audit found, per engine, for the terminal and the README's table. */
function perEngine(saved: RunResults): string {
  return ENGINES.map((engine) => {
    const exploitable = saved.cells.filter((c) => c.engine === engine && readWithCookie(c)).map((c) => c.from);
    const read = saved.cells.filter((c) => c.engine === engine && c.from !== 'app' && c.observed?.result === 'allowed' && !readWithCookie(c)).map((c) => c.from);
    return `${engine}: exploitable [${exploitable.join(', ')}], read without a cookie [${read.join(', ')}]`;
  }).join('; ');
}

/**
 * The findings of a run hold against its cells: a finding is exploitable in
 * an engine exactly when one of its cells there is an attacker page that read
 * a credentialed response, and every such cell is in an exploitable finding.
 */
function expectFindingsMatchCells(saved: RunResults): void {
  const cell = (id: string) => saved.cells.find((c) => c.id === id)!;
  for (const finding of saved.securityFindings) {
    for (const engine of ENGINES) {
      const really = finding.cells.map(cell).some((c) => c.engine === engine && readWithCookie(c));
      expect(finding.exploitedIn.includes(engine), `${finding.id} ${finding.text} in ${engine}`).toBe(really);
    }
  }
  for (const c of saved.cells.filter(readWithCookie)) {
    expect(saved.securityFindings.some((f) => f.cells.includes(c.id) && f.exploitedIn.includes(c.engine)), `${c.from} in ${c.engine}`).toBe(true);
  }
}

describe('corslab audit --app (the Express example)', () => {
  it('finds nothing, exits 0, and --save writes a scenario with the module relative to it that validate accepts and run reproduces', async () => {
    // Inside the project: the module must stay inside the saved scenario's project folder.
    const dir = await tmp('audit-express', path.resolve('.scratch'));
    const saved = path.join(dir, 'audit.yaml');
    const out = path.join(dir, 'out');
    const audit = await corslab(['audit', '--app', 'examples/express/app.js', '--path', '/api/items', '--origin', APP, '--credentials', '--read', 'X-Total-Count', '-e', ENGINES.join(','), '-o', out, '--save', saved]);
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toContain('Audit of app ./examples/express/app.js');
    expect(audit.stdout).toContain(`declared requests: ${ENGINES.length} of ${ENGINES.length} cells allowed and readable as asked`);
    expect(audit.stdout).toContain('no attacker page could read a response');
    expect(audit.stdout).toContain('findings: none');
    const first = await results(out);
    console.info(`examples/express/app.js: ${perEngine(first)}`);
    expect(first.securityFindings).toEqual([]);
    expect([...new Set(first.cells.map((c) => c.stack))]).toEqual(['app@app.js']);
    expect(first.cells.filter((c) => c.from !== 'app').map((c) => c.from).sort()).toEqual(ENGINES.flatMap(() => BATTERY).sort());
    expect(first.cells.every((c) => c.verdict === 'pass')).toBe(true);
    // The page read the app's own answer, through the app's own route.
    for (const c of first.cells.filter((c) => c.from === 'app')) expect(c.observed!.exchanges.at(-1)!.response!.body).toContain('"name":"first"');

    const text = await readFile(saved, 'utf8');
    expect(text).toContain(`module: ${path.relative(dir, path.resolve('examples/express/app.js'))}`);
    expect(text).toContain('url: "{apiOrigin}/api/items"');
    const validate = await corslab(['validate', saved]);
    expect(validate.status, validate.stdout + validate.stderr).toBe(0);
    const again = path.join(dir, 'again');
    const run = await corslab(['run', saved, '-e', 'chromium', '-o', again, '-r', 'json']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const second = await results(again);
    const chromium = first.cells.filter((c) => c.engine === 'chromium');
    expect(second.cells.map((c) => [c.from, c.verdict, c.observed?.result])).toEqual(chromium.map((c) => [c.from, c.verdict, c.observed?.result]));
  }, 240_000);

  it('refuses bad input with the flag named, before anything starts (exit 2)', async () => {
    const both = await corslab(['audit', '--target', 'http://127.0.0.1:3000/api', '--app', 'examples/express/app.js', '--origin', APP]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--target: give either --target (a server you run) or --app / --nginx-conf');
    const none = await corslab(['audit', '--origin', APP]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--target or --app: give the server to audit');
    const missing = await corslab(['audit', '--app', 'examples/express/nope.js', '--origin', APP]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--app examples/express/nope.js: not a file');
    const outside = await corslab(['audit', '--app', 'examples/express/app.js', '--origin', APP, '--save', path.join(await tmp('audit-outside'), 'audit.yaml')]);
    expect(outside.status).toBe(2);
    expect(outside.stderr).toMatch(/--app examples\/express\/app\.js: is outside the project folder .* the app module must be inside it/);
    const noExport = await corslab(['audit', '--app', 'examples/express/app.js:nope', '--path', '/api/items', '--origin', APP, '-e', 'chromium', '-o', await tmp('audit-no-export')]);
    expect(noExport.status).toBe(2);
    expect(noExport.stderr).toContain('--app examples/express/app.js:nope: cannot be loaded: ');
    expect(noExport.stderr).toContain('has no export `nope` (it exports `default`)');
    const badPath = await corslab(['audit', '--nginx-conf', 'examples/nginx/nginx.conf', '--path', 'api/items', '--origin', APP]);
    expect(badPath.status).toBe(2);
    expect(badPath.stderr).toContain('--path api/items: not a path');
  }, 60_000);
});

describe('corslab audit --nginx-conf (the nginx example)', () => {
  it('in front of the example app: the CORS headers come from nginx, the answer from the app, and nothing is found', async () => {
    const out = await tmp('audit-nginx');
    const audit = await corslab(['audit', '--nginx-conf', 'examples/nginx/nginx.conf', '--app', 'examples/nginx/app.js', '--path', '/api/items', '--origin', APP, '--credentials', '--read', 'X-Total-Count', '-e', ENGINES.join(','), '-o', out]);
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toContain('Audit of nginx.conf ./examples/nginx/nginx.conf in front of app ./examples/nginx/app.js');
    expect(audit.stdout).toContain('findings: none');
    const saved = await results(out);
    console.info(`examples/nginx/nginx.conf + app.js: ${perEngine(saved)}`);
    expect(saved.securityFindings).toEqual([]);
    expect([...new Set(saved.cells.map((c) => c.stack))]).toEqual(['nginx>app@app.js']);
    expect(saved.cells.every((c) => c.verdict === 'pass')).toBe(true);
    for (const c of saved.cells.filter((c) => c.from === 'app')) {
      const response = c.observed!.exchanges.at(-1)!.response!;
      expect(response.body).toContain('"name":"first"');
      expect(response.headers.some(([n, v]) => n.toLowerCase() === 'access-control-allow-origin' && v === APP)).toBe(true);
    }
  }, 240_000);

  it("alone, in front of the lab's handler, which answers at the path the config routes", async () => {
    const out = await tmp('audit-nginx-lab');
    const audit = await corslab(['audit', '--nginx-conf', 'examples/nginx/nginx.conf', '--path', '/api/items', '--origin', APP, '--credentials', '-e', 'chromium', '-o', out]);
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toContain("Audit of nginx.conf ./examples/nginx/nginx.conf in front of the lab's handler");
    const saved = await results(out);
    expect(saved.securityFindings).toEqual([]);
    expect([...new Set(saved.cells.map((c) => c.stack))]).toEqual(['nginx>express-manual']);
    const [declared] = saved.cells.filter((c) => c.from === 'app');
    expect(declared!.observed!.reachedHandler).toBe(true);
    expect(declared!.observed!.result).toBe('allowed');
  }, 120_000);
});

describe('corslab audit --nginx-conf, a vulnerable nginx.conf', () => {
  it('an allow-list regular expression for any subdomain, in front of the lab\'s handler: the subdomain pages are exploitable where the browser sent the cookie, exit 1', async () => {
    const out = await tmp('audit-nginx-vulnerable');
    const audit = await corslab(['audit', '--nginx-conf', 'tests/fixtures/audit-classes/nginx-any-subdomain.conf', '--path', '/api/items', '--origin', APP, '--credentials', '-e', ENGINES.join(','), '-o', out]);
    const saved = await results(out);
    console.info(`nginx-any-subdomain.conf: ${perEngine(saved)}`);
    expect(saved.cells.filter((c) => c.verdict === 'error')).toEqual([]);
    for (const engine of ENGINES) {
      expect(saved.cells.filter((c) => c.engine === engine && c.from !== 'app' && c.observed?.result === 'allowed').map((c) => c.from).sort(), engine).toEqual(['prefix', 'sibling', 'sub']);
    }
    expectFindingsMatchCells(saved);
    // The headers are nginx's: the lab's handler behind it sends none without a policy.
    const read = saved.cells.find((c) => c.from === 'sub')!.observed!.exchanges.at(-1)!.response!;
    expect(read.headers.find(([n]) => n.toLowerCase() === 'access-control-allow-origin')?.[1]).toBe('https://x.app.mycompany.com');
    expect([...new Set(saved.cells.map((c) => c.stack))]).toEqual(['nginx>express-manual']);
    for (const page of ['prefix', 'sibling', 'sub']) expect(saved.securityFindings.some((f) => f.exploitedIn.length > 0 && saved.cells.some((c) => c.from === page && f.cells.includes(c.id))), page).toBe(true);
    expect(audit.status, audit.stdout + audit.stderr).toBe(1);
  }, 240_000);
});

/**
 * Each vulnerable module, and the attacker pages its check lets in
 * (the battery's names: harness/scenarios/audit-scenario.ts).
 */
const CLASSES: Record<string, string[]> = {
  'reflect-any': BATTERY,
  'null-allowed': ['sandboxed'],
  'ends-with': ['dot', 'http', 'prefix', 'sibling', 'sub'],
  'starts-with': ['special', 'suffix'],
  'unescaped-dot': ['dot'],
  'any-scheme': ['http'],
  'any-subdomain': ['prefix', 'sibling', 'sub'],
  safe: [],
};

describe('corslab audit --app, one vulnerable module per attacker class, and the safe one', () => {
  for (const [module, lets] of Object.entries(CLASSES)) {
    it(`${module}.js: ${lets.length === 0 ? 'no finding at all, exit 0' : `exploitable where the browser read a credentialed response from ${lets.join(', ')}, exit 1`}`, async () => {
      const out = await tmp(`audit-${module}`);
      const audit = await corslab(['audit', '--app', `tests/fixtures/audit-classes/${module}.js`, '--path', '/api/items', '--origin', APP, '--credentials', '-e', ENGINES.join(','), '-o', out]);
      const saved = await results(out);
      console.info(`${module}.js: ${perEngine(saved)}`);
      // Nothing could not be observed: an error is never counted as blocked.
      expect(saved.cells.filter((c) => c.verdict === 'error').map((c) => `${c.from} ${c.engine}: ${c.error}`)).toEqual([]);
      expect(saved.cells.filter((c) => c.from === 'app').every((c) => c.verdict === 'pass')).toBe(true);
      // The module's check lets exactly these pages read, in every engine (the check is the server's).
      for (const engine of ENGINES) {
        expect(saved.cells.filter((c) => c.engine === engine && c.from !== 'app' && c.observed?.result === 'allowed').map((c) => c.from).sort(), engine).toEqual([...lets].sort());
      }
      expectFindingsMatchCells(saved);
      if (lets.length === 0) {
        expect(audit.status, audit.stdout + audit.stderr).toBe(0);
        expect(saved.securityFindings).toEqual([]);
        expect(audit.stdout).toContain('findings: none');
        return;
      }
      // Each page it lets in is a finding (credentials: true, so each is high), and in at least one engine
      // the browser sent the cookie from it: exploitable somewhere, whatever the page's site.
      for (const page of lets) {
        const cells = saved.cells.filter((c) => c.from === page);
        const findings: SecurityFinding[] = saved.securityFindings.filter((f) => cells.some((c) => f.cells.includes(c.id)) && f.severity === 'high');
        expect(findings.length, page).toBeGreaterThan(0);
        expect(findings.some((f) => f.exploitedIn.length > 0), `${page} exploitable in some engine`).toBe(true);
      }
      expect(audit.status, audit.stdout + audit.stderr).toBe(1);
      expect(audit.stdout).toMatch(/EXPLOITABLE in [a-z, ]+: an attacker page read a credentialed response/);
    }, 240_000);
  }
});
