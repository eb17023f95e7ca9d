/**
 * Every fault bounded, nothing left behind (issue 17). Each test injects one
 * fault into a real run of tests/fixtures/faults (two scenarios of six slow
 * probes, on Express alone and behind nginx, every probe expected allowed):
 * a process of the run killed, or a signal to the harness at one phase. It
 * checks that the run ended as it should (completed with its reports and
 * exit 1, or stopped with 130/143), that no cell was mislabeled (a cell a
 * fault reached is an error, never a fail), that the errors say what died,
 * and that nothing is left: no process of the run's group, with its label or
 * seen below it, and no folder in its TMPDIR.
 *
 * The figures are printed at the end (faults injected, runs completed, cells
 * mislabeled, processes and folders left).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chromiumDriver } from '../../harness/browsers/chromium/chromium-driver.ts';
import { firefoxDriver } from '../../harness/browsers/firefox/firefox-driver.ts';
import { webkitDriver } from '../../harness/browsers/webkit/webkit-driver.ts';
import { locateProxies } from '../../servers/proxies/locate.ts';
import { loadScenarios } from '../../harness/scenarios/load.ts';
import { FIXTURE, FaultRun, mislabeled, type Ended, type Leftovers } from './fault-run.ts';
import { processInfo } from '../../harness/system/procs.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = await loadScenarios([FIXTURE], FIXTURE);
const nginx = (await locateProxies(fixture)).nginx;
const [chromium, firefox, webkit] = await Promise.all([chromiumDriver.locate(), firefoxDriver.locate(), webkitDriver.locate()]);
// The WebKit cases kill WebKitGTK's own processes; Playwright's WebKit build has none of them.
const webkitGtk = webkit.available && path.basename(webkit.executable) === 'MiniBrowser';
/** One probe at a time per page, so that the cells last long enough for a fault to land among them. */
const RUN = (engine: string) => [FIXTURE, '--engine', engine, '--concurrency', '1', '--reporter', 'terminal,json,html,junit'];

interface Figure {
  fault: string;
  ended: Ended;
  completed: boolean;
  cells: number;
  errors: number;
  mislabeled: number;
  left: Leftovers;
}
const figures: Figure[] = [];
let current: FaultRun | undefined;

afterEach(() => {
  current?.dispose();
  current = undefined;
});

afterAll(() => {
  if (figures.length === 0) return;
  const sum = (f: (x: Figure) => number) => figures.reduce((n, x) => n + f(x), 0);
  const lines = figures.map(
    (f) =>
      `  ${f.fault.padEnd(44)} exit ${String(f.ended.code ?? f.ended.signal).padEnd(7)} ${(f.ended.ms / 1000).toFixed(1).padStart(5)} s  ${f.completed ? 'completed' : 'stopped  '}  cells ${f.cells} (${f.errors} error, ${f.mislabeled} mislabeled)  left ${f.left.processes.length} processes, ${f.left.folders.length} folders (${f.left.ms} ms after exit)`,
  );
  process.stdout.write(
    `\nFault suite: ${figures.length} faults injected, ${figures.filter((f) => f.completed).length} runs completed, ${sum((f) => f.mislabeled)} cells mislabeled, ${sum((f) => f.left.processes.length)} processes and ${sum((f) => f.left.folders.length)} folders left\n${lines.join('\n')}\n`,
  );
});

function start(args: readonly string[], command: 'run' | 'validate' = 'run', env: Record<string, string> = {}): FaultRun {
  current = new FaultRun(args, command, env);
  return current;
}

/** The run completed in spite of the fault: its reports are written, it exits 1, the fault's cells are errors that say what died. */
async function expectCompleted(fault: string, run: FaultRun, died: RegExp, cells = 12): Promise<void> {
  const ended = await run.ended;
  const left = await run.leftovers();
  const results = run.results();
  const errors = results?.cells.filter((c) => c.verdict === 'error') ?? [];
  const wrong = results ? mislabeled(results) : [];
  figures.push({ fault, ended, completed: results !== undefined, cells: results?.cells.length ?? 0, errors: errors.length, mislabeled: wrong.length, left });
  expect(results, `results.json of a run that should have completed\n${run.stderr}`).toBeDefined();
  expect(run.stdout).toMatch(new RegExp(`^Summary: ${cells} cells`, 'm'));
  expect(results!.cells).toHaveLength(cells);
  expect(wrong).toEqual([]);
  expect(errors.length, 'the fault made at least one cell an error').toBeGreaterThan(0);
  expect(errors.filter((c) => !died.test(c.error ?? '')).map((c) => `${c.id}: ${c.error}`)).toEqual([]);
  expect(ended.code).toBe(1);
  expect(left.processes).toEqual([]);
  expect(left.folders).toEqual([]);
}

/** The run was stopped by a signal: it exits as that signal says (or died of it, before its handler was there), and leaves nothing. */
async function expectStopped(fault: string, run: FaultRun, signal: NodeJS.Signals, options: { finishedFirst?: boolean } = {}): Promise<void> {
  const ended = await run.ended;
  const left = await run.leftovers();
  const results = run.results();
  const wrong = results ? mislabeled(results) : [];
  figures.push({ fault, ended, completed: false, cells: results?.cells.length ?? 0, errors: results?.cells.filter((c) => c.verdict === 'error').length ?? 0, mislabeled: wrong.length, left });
  const codes = [signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : -1, ...(options.finishedFirst ? [0] : [])];
  if (ended.signal === null) expect(codes, `exit code ${ended.code}\n${run.stderr}`).toContain(ended.code);
  else expect(ended.signal).toBe(signal);
  expect(wrong).toEqual([]);
  expect(left.processes).toEqual([]);
  expect(left.folders).toEqual([]);
}

/** By the executable (the first word), not anywhere in the line: the harness's own `--engine chromium` is in its children's lines between fork and exec. */
const executable = (line: string) => path.basename(line.split(' ')[0] ?? '');
const CHROMIUM = /^(chromium|chrome|headless_shell)$/;
const FIREFOX = /^firefox(-esr|-bin)?$/;
const isRenderer = (line: string) => CHROMIUM.test(executable(line)) && line.includes('--type=renderer');
const isBrowser = (name: RegExp) => (line: string) => name.test(executable(line)) && !line.includes('--type=') && !line.includes('-contentproc');

describe.skipIf(!chromium.available || !nginx?.available)('faults in a Chromium run are bounded and leave nothing', () => {
  it('a killed renderer makes the cells on its pages errors that say so, and the run completes (issue 17: it hung)', async () => {
    const run = start(RUN('chromium'));
    await run.cellsDone(2);
    const renderers = await run.process('a Chromium renderer', isRenderer);
    for (const p of renderers) process.kill(p.pid, 'SIGKILL');
    await expectCompleted('Chromium renderers killed during cells', run, /Chromium page at .* crashed \(its renderer process died\)/);
  });

  it('a killed browser makes the rest of its cells errors that say so', async () => {
    const run = start(RUN('chromium'));
    await run.cellsDone(2);
    const [browser] = await run.process('the Chromium browser', isBrowser(CHROMIUM));
    process.kill(browser!.pid, 'SIGKILL');
    await expectCompleted('Chromium browser killed during cells', run, /the Chromium browser exited during the run/);
  });

  it('a killed nginx makes its scenario\'s cells errors that name it; the cells without it pass', async () => {
    const run = start(RUN('chromium'));
    await run.cellsDone(1);
    const [master] = await run.process('the nginx master', (line) => line.startsWith('nginx: master'));
    // The whole group (read now: the scan saw the process first right after its fork, before its setsid): a master killed alone leaves its workers serving.
    const group = processInfo(master!.pid)!.pgrp;
    // Its group's leader: the master, or the bubblewrap that runs it confined (servers/runtimes/local/confine.ts).
    expect(group === master!.pid || processInfo(group)?.comm === 'bwrap', `the group's leader (${group}) is the master or bwrap`).toBe(true);
    process.kill(-group, 'SIGKILL');
    await expectCompleted('nginx killed during cells', run, /nginx \(corslab-nginx-\w+, pid \d+\) exited during the run \(killed by SIGKILL\)/);
    expect(run.results()!.cells.filter((c) => c.stack === 'express-manual' && c.verdict !== 'pass')).toEqual([]);
  });

  it("a killed Express process (an app stack's child process) makes the rest of its cells errors that name it", async () => {
    const run = start(RUN('chromium'));
    await run.cellsDone(1);
    const [app] = await run.process("the express-manual stack's process", (line) => /\/app-main(-[0-9a-f]+\.mjs|\.ts)\b/.test(line));
    process.kill(app!.pid, 'SIGKILL');
    await expectCompleted('Express process killed during cells', run, /the express-manual stack's process \(pid \d+\) was killed by SIGKILL during the run/);
  });

  it("a scenario's code that exits its process, or loops forever in a handler, makes that stack's cells errors; the run completes (issue 17: it exited 0, or hung)", async () => {
    const run = start(['tests/fixtures/faults-code', '--engine', 'chromium', '--concurrency', '1']);
    await expectCompleted(
      "a scenario's code exits, another loops",
      run,
      /the express-manual stack's process \(pid \d+\) exited with code 0 during the run|the fastify-cors stack's process \(pid \d+\) stopped answering: its event loop was blocked for more than \d+ ms/,
      8,
    );
    const results = run.results()!;
    // The two requests before the fault were answered as usual.
    expect(results.cells.filter((c) => c.verdict === 'pass').map((c) => `${c.stack} ${c.probeName}`).sort()).toEqual(['express-manual one', 'express-manual two', 'fastify-cors one', 'fastify-cors two']);
    expect(results.environment.confinement?.apps).toMatch(/^a child process per stack/);
  });

  it('a killed Next.js server (the app stack in a process of its own) makes the rest of its cells errors that name it', async () => {
    // The first run of this fixture builds its app (about 20 s here); later runs take it from .cache/next.
    const run = start(['tests/fixtures/faults-next', '--engine', 'chromium', '--concurrency', '1']);
    await run.cellsDone(1);
    // `next start` writes its title over its command line: "next-server (v16.4.6)".
    const [server] = await run.process('next start', (line) => line.startsWith('next-server'));
    const group = processInfo(server!.pid)!.pgrp;
    expect(group).toBe(server!.pid);
    process.kill(-group, 'SIGKILL');
    await expectCompleted('Next.js server killed during cells', run, /next start \(run-\d+-[0-9a-f]+, pid \d+\) exited during the run \(killed by SIGKILL\)/, 6);
  });

  it('SIGKILL of the harness during cells: the lifeline ends every process and removes every folder within seconds', async () => {
    const run = start(RUN('chromium'));
    await run.cellsDone(2);
    run.signal('SIGKILL');
    const ended = await run.ended;
    const left = await run.leftovers(6_000);
    figures.push({ fault: 'SIGKILL of the harness during cells', ended, completed: false, cells: 0, errors: 0, mislabeled: 0, left });
    expect(ended.signal).toBe('SIGKILL');
    expect(left.processes).toEqual([]);
    expect(left.folders).toEqual([]);
    expect(left.ms).toBeLessThan(5_000);
  });

  it('when the lifeline dies with the harness, `corslab clean` finds what is left by its label and removes it', async () => {
    // Confined, nginx dies with the harness (bubblewrap's --die-with-parent) and the app stacks' processes when their channel closes:
    // unconfined, nginx is what outlives both for clean to find.
    const run = start(RUN('chromium'), 'run', { CORSLAB_CONFINE: 'off' });
    await run.cellsDone(1);
    const [watchdog] = await run.process('the lifeline', (line) => line.includes('watchdog.mjs'));
    await run.process('the nginx master', (line) => line.startsWith('nginx: master'));
    process.kill(watchdog!.pid, 'SIGKILL');
    run.signal('SIGKILL');
    await run.ended;
    const clean = (...args: string[]) => promisify(execFile)(process.execPath, [path.join(root, 'bin/corslab.js'), 'clean', ...args], { cwd: root, env: { ...process.env, TMPDIR: run.tmp } });
    const listed = await clean('--dry-run');
    expect(listed.stdout).toMatch(/would remove process \d+ \(nginx: master process/);
    expect(listed.stdout).toContain(`would remove folder ${run.tmp}/corslab-run-${run.pid}-`);
    const removed = await clean();
    expect(removed.stdout).toMatch(/removed process \d+ \(nginx: master process/);
    const left = await run.leftovers(3_000);
    figures.push({ fault: 'SIGKILL of harness and lifeline, then clean', ended: await run.ended, completed: false, cells: 0, errors: 0, mislabeled: 0, left });
    expect(left.processes).toEqual([]);
    expect(left.folders).toEqual([]);
    expect((await clean('--dry-run')).stdout).toContain('nothing is left');
  });

  it('when the lifeline dies with the harness, confined nginx and the app stacks\' processes die with it; `corslab clean` removes the folder', async () => {
    const run = start(RUN('chromium'));
    await run.cellsDone(1);
    const [watchdog] = await run.process('the lifeline', (line) => line.includes('watchdog.mjs'));
    await run.process('the nginx master', (line) => line.startsWith('nginx: master'));
    process.kill(watchdog!.pid, 'SIGKILL');
    run.signal('SIGKILL');
    await run.ended;
    const left = await run.leftovers(3_000);
    figures.push({ fault: 'SIGKILL of harness and lifeline (confined)', ended: await run.ended, completed: false, cells: 0, errors: 0, mislabeled: 0, left: { ...left, folders: [] } });
    expect(left.processes).toEqual([]);
    await promisify(execFile)(process.execPath, [path.join(root, 'bin/corslab.js'), 'clean'], { cwd: root, env: { ...process.env, TMPDIR: run.tmp } });
    expect((await run.leftovers(1_000)).folders).toEqual([]);
  });

  describe.each(['SIGINT', 'SIGTERM'] as const)('%s during `corslab validate` stops it and leaves nothing', (signal) => {
    it('while it reads the scenario files', async () => {
      const run = start([], 'validate');
      await run.until('a scenario file being read', () => /\/(scenarios|curriculum)\/.+\.yaml$/m.test(openFiles(run.pid)));
      run.signal(signal);
      await expectStopped(`${signal} during validate (reading files)`, run, signal);
    });

    it("while it runs the proxies' config tests", async () => {
      const run = start([], 'validate');
      await run.process('a config test', (line) => / -t /.test(line) && /nginx|apache2|httpd/.test(line), 60_000);
      run.signal(signal);
      await expectStopped(`${signal} during validate (config tests)`, run, signal);
    });
  });

  describe.each(['SIGINT', 'SIGTERM'] as const)('%s at each phase stops the run and leaves nothing', (signal) => {
    it('during validation (the default scenarios and the curriculum being read)', async () => {
      const run = start(['--engine', 'chromium', '--grep', '^$no-cell']);
      // The loader has a scenario or curriculum file open.
      await run.until('a scenario file being read', () => /\/(scenarios|curriculum)\/.+\.yaml$/m.test(openFiles(run.pid)));
      run.signal(signal);
      await expectStopped(`${signal} during validation`, run, signal);
      expect(run.results()).toBeUndefined();
    });

    it('during server start', async () => {
      const run = start(RUN('chromium'));
      await run.process('nginx starting', (line) => line.startsWith('nginx: master') || line.includes('/usr/sbin/nginx'), 60_000);
      run.signal(signal);
      await expectStopped(`${signal} during server start`, run, signal);
    });

    it('during engine launch', async () => {
      const run = start(RUN('chromium'));
      await run.process('Chromium launching', isBrowser(CHROMIUM), 60_000);
      run.signal(signal);
      await expectStopped(`${signal} during engine launch`, run, signal);
    });

    it('during cells', async () => {
      const run = start(RUN('chromium'));
      await run.cellsDone(2);
      run.signal(signal);
      await expectStopped(`${signal} during cells`, run, signal);
      expect(run.stderr).toContain(`corslab: ${signal}: stopping every server and browser this run started`);
    });

    it('during report writing', async () => {
      const run = start(RUN('chromium'));
      await run.until('the summary', () => /^Summary:/m.test(run.stdout), 60_000);
      run.signal(signal);
      await expectStopped(`${signal} during report writing`, run, signal, { finishedFirst: true });
    });
  });
});

describe.skipIf(!firefox.available || !nginx?.available)('a fault in a Firefox run is bounded and leaves nothing', () => {
  it('a killed Firefox makes the rest of its cells errors that say so', async () => {
    const run = start(RUN('firefox'));
    await run.cellsDone(2);
    const browsers = await run.process('the Firefox browser', isBrowser(FIREFOX));
    for (const p of browsers) process.kill(p.pid, 'SIGKILL');
    await expectCompleted('Firefox browser killed during cells', run, /the Firefox browser exited during the run/);
  });
});

describe.skipIf(!webkitGtk || !nginx?.available)('faults in a WebKitGTK run are bounded and leave nothing', () => {
  it('a killed WebKitWebDriver makes the rest of its cells errors that name it', async () => {
    const run = start(RUN('webkit'));
    await run.cellsDone(2);
    const drivers = await run.process('WebKitWebDriver', (line) => line.startsWith('/usr/bin/WebKitWebDriver'));
    for (const p of drivers) process.kill(p.pid, 'SIGKILL');
    await expectCompleted('WebKitWebDriver killed during cells', run, /WebKitWebDriver \(pid \d+\) exited during the run \(SIGKILL\)/);
  });

  it('a killed MiniBrowser makes the rest of its cells errors that name it', async () => {
    const run = start(RUN('webkit'));
    await run.cellsDone(2);
    const browsers = await run.process('MiniBrowser', (line) => line.includes('/MiniBrowser '));
    for (const p of browsers) process.kill(p.pid, 'SIGKILL');
    await expectCompleted('MiniBrowser killed during cells', run, /MiniBrowser \(pid \d+\) exited during the run/);
  });
});

/** The files a process has open, one path a line. */
function openFiles(pid: number): string {
  try {
    return readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .join('\n');
  } catch {
    return '';
  }
}
