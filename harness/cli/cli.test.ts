import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';
import { commandHelp, helpText } from './options.ts';
import { engineDriver } from '../browsers/catalog.ts';
import { PageServer } from '../../servers/page/page-server.ts';

const app = 'https://app.example.com';
const api = 'https://api.example.com/items';

/** The corslab command as a user runs it (a process of its own: slow, so only where the process matters), without colour unless `env` asks for it. */
function spawned(args: string[], env: Record<string, string> = {}) {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...rest } = process.env;
  return spawnSync(process.execPath, ['bin/corslab.js', ...args], { encoding: 'utf8', env: { ...rest, ...env } });
}

/** main() in this process, with what it wrote and the colour variables `env` sets (FORCE_COLOR, NO_COLOR, TERM; no others). */
async function corslab(args: string[], env: Record<string, string> = {}) {
  const saved = { FORCE_COLOR: process.env.FORCE_COLOR, NO_COLOR: process.env.NO_COLOR, TERM: process.env.TERM };
  for (const key of Object.keys(saved)) delete process.env[key];
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { status: await main(args), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('corslab explain', () => {
  it('is a command that exits 0, and 2 on bad input', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['explain', '--origin', app, '--url', api, '-X', 'PUT', '--stack', 'express-cors'])).toBe(0);
    expect(out).toContain("app.use(cors({ origin: 'https://app.example.com', methods: ['PUT'] }))");
    expect(await main(['explain', '--url', api])).toBe(2);
    expect(await main(['explain', '--origin', app, '--url', api, '--credentials', 'always'])).toBe(2);
    expect(await main(['explain', '--origin', 'not an origin', '--url', api])).toBe(2);
    expect(await main(['explain', '--origin', app, '--url', api, '-H', 'no colon'])).toBe(2);
    vi.restoreAllMocks();
  });
});

describe('help', () => {
  it.each([
    [['--help'], helpText()],
    [['-h'], helpText()],
    [['help'], helpText()],
    [['run', '--help'], commandHelp('run')],
    [['run', 'scenarios/origins', '-e', 'chromium', '-h'], commandHelp('run')],
    [['help', 'run'], commandHelp('run')],
    [['validate', '--help'], commandHelp('validate')],
    [['explain', '--help'], commandHelp('explain')],
    [['explain', '-h'], commandHelp('explain')],
  ])('corslab %j prints its help on stdout and exits 0', async (args, text) => {
    const result = await corslab(args);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(text);
    expect(result.status).toBe(0);
  });

  it('is what the command prints, exit code 0', () => {
    const result = spawned(['run', '--help']);
    expect(result).toMatchObject({ status: 0, stdout: commandHelp('run'), stderr: '' });
  });

  it('of a command names every option with its default, the timeout included', async () => {
    const run = (await corslab(['run', '--help'])).stdout;
    expect(run).toMatch(/^Usage: corslab run \[paths\.\.\.\] \[options\]\n/);
    expect(run).toContain('--timeout <ms>             how long one probe may take before the cell is an error (never "blocked"). Default: 10000\n');
    expect(run).toContain('-h, --help                     this help\n');
    expect((await corslab(['explain', '--help'])).stdout).toContain('--credentials <mode>       omit, same-origin or include. Default: same-origin\n');
  });
});

describe('a mistyped command or option', () => {
  it.each([
    [['run', '--engin', 'chromium'], 'corslab: unknown option --engin for run (did you mean --engine?); see `corslab run --help`\n'],
    [['run', '--timout=5'], 'corslab: unknown option --timout for run (did you mean --timeout?); see `corslab run --help`\n'],
    [['run', '--colour'], 'corslab: unknown option --colour for run; see `corslab run --help`\n'],
    [['run', '-q'], 'corslab: unknown option -q for run (short options: -e, -s, -g, -r, -o, -c, -w, -u, -h); see `corslab run --help`\n'],
    [['explain', '--orign', app], 'corslab: unknown option --orign for explain (did you mean --origin?); see `corslab explain --help`\n'],
    [['validate', '--engine', 'chromium'], 'corslab: unknown option --engine for validate; see `corslab validate --help`\n'],
    [['run', '--engine'], 'corslab: --engine needs a value; see `corslab run --help`\n'],
    [['run', '--engine', '--grep', 'x'], 'corslab: --engine needs a value, got the option --grep (write --engine=--grep if that is the value); see `corslab run --help`\n'],
    [['run', '--require-engines=yes'], 'corslab: --require-engines is a switch and takes no value, got "yes"; see `corslab run --help`\n'],
    [['explain', 'extra'], 'corslab: explain takes no paths or other arguments, got "extra"; see `corslab explain --help`\n'],
    [['rn'], 'corslab: unknown command "rn" (did you mean `corslab run`?); the commands are run, validate, explain, audit, merge, browser-server, clean, init; see `corslab --help`\n'],
    [['--engine', 'chromium'], 'corslab: --engine is not a command; it is an option of run: `corslab run --engine ...`; see `corslab --help`\n'],
  ])('corslab %j says so in one line, with the nearest name, and exits 2', async (args, message) => {
    const result = await corslab(args);
    expect(result.stderr).toBe(message);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(2);
  });

  it('is what the command prints, exit code 2 and no stack trace', () => {
    const result = spawned(['run', '--engin', 'chromium']);
    expect(result).toMatchObject({ status: 2, stdout: '', stderr: 'corslab: unknown option --engin for run (did you mean --engine?); see `corslab run --help`\n' });
  });

  it('corslab with no command prints the help and exits 2', async () => {
    const result = await corslab([]);
    expect(result.stdout).toBe(helpText());
    expect(result.status).toBe(2);
  });
});

describe("the CLI's own messages", () => {
  const error = ['run', '--engin', 'chromium'];
  it('are red with FORCE_COLOR although stderr is not a terminal, and plain with FORCE_COLOR=0', async () => {
    expect(spawned(error, { FORCE_COLOR: '1' }).stderr).toMatch(/^\u001b\[31mcorslab:\u001b\[0m unknown option --engin/);
    expect((await corslab(error, { FORCE_COLOR: '0' })).stderr).toMatch(/^corslab: unknown option --engin/);
    expect((await corslab(['run', '--help'], { FORCE_COLOR: '1' })).stdout).toMatch(/^\u001b\[1mUsage:\u001b\[0m corslab run/);
  });

  it('are plain with NO_COLOR, even on a terminal', async () => {
    const tty = process.stderr.isTTY;
    process.stderr.isTTY = true;
    try {
      expect((await corslab(error, { NO_COLOR: '1' })).stderr).not.toContain('\u001b');
      expect((await corslab(error, {})).stderr).toContain('\u001b[31m');
    } finally {
      process.stderr.isTTY = tty;
    }
    expect((await corslab(['--help'], { NO_COLOR: '1' })).stdout).not.toContain('\u001b');
  });
});

describe('corslab run --list', () => {
  it('prints the cells by scenario and probe, with a count, and starts nothing', async () => {
    const locate = vi.spyOn(engineDriver('chromium')!, 'locate');
    const listen = vi.spyOn(PageServer.prototype, 'listen');
    const result = await corslab(['run', 'scenarios/origins/trailing-slash.yaml', 'scenarios/origins/missing-allow-origin.yaml', '-e', 'chromium,firefox', '-s', 'express-cors,next', '--list', '-o', '/nonexistent/never-written']);
    expect(locate).not.toHaveBeenCalled();
    expect(listen).not.toHaveBeenCalled();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('scenarios/origins/trailing-slash.yaml (origins/trailing-slash)\n  :14  GET {api}/items  [express-cors, next] x [chromium, firefox]  4 cells\n');
    expect(result.stdout).toMatch(/^scenarios\/origins\/missing-allow-origin\.yaml \(origins\/missing-allow-origin\)\n/m);
    expect(result.stdout).toMatch(/\n\d+ cells: 2 scenarios, \d+ probes, 2 stacks, 2 engines\.\nNothing was started/);
  });

  it('is bad input when no cell matches', async () => {
    const result = await corslab(['run', 'scenarios/origins', '--list', '-g', 'no such probe anywhere']);
    expect(result).toMatchObject({ status: 2, stdout: '', stderr: 'corslab: no cell matches the given scenarios and filters\n' });
  });
});

describe('corslab run --last-failed', () => {
  it('says where it looked when there are no previous results, and exits 2', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'corslab-last-'));
    const result = await corslab(['run', 'scenarios/origins', '--last-failed', '-o', out]);
    expect(result).toMatchObject({ status: 2, stdout: '', stderr: `corslab: --last-failed: there are no previous results in ${out}/results.json; run once without --last-failed (with the json reporter and the same --output) first\n` });
  });

  it('says that nothing failed last time, and exits 0 without starting anything', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'corslab-last-'));
    await writeFile(path.join(out, 'results.json'), JSON.stringify({ startedAt: '2026-01-02T03:04:05.000Z', cells: [{ id: 'origins/trailing-slash#0@next/chromium', verdict: 'pass' }] }));
    const listen = vi.spyOn(PageServer.prototype, 'listen');
    const result = await corslab(['run', 'scenarios/origins', '--last-failed', '-o', out]);
    expect(listen).not.toHaveBeenCalled();
    expect(result).toMatchObject({ status: 0, stderr: `corslab: --last-failed: no cell failed or errored in the previous run (${out}/results.json, started 2026-01-02T03:04:05.000Z); nothing to run\n` });
  });

  it('lists the cells that failed last time with --list', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'corslab-last-'));
    const ids = ['origins/trailing-slash#0@next/chromium', 'origins/trailing-slash#0@express-cors/webkit', 'removed/scenario#0@next/chromium'];
    await writeFile(path.join(out, 'results.json'), JSON.stringify({ startedAt: 'then', cells: ids.map((id) => ({ id, verdict: 'fail' })) }));
    const result = await corslab(['run', 'scenarios/origins', '--last-failed', '--list', '-o', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('  :14  GET {api}/items  express-cors [webkit]; next [chromium]  2 cells\n');
    expect((await corslab(['run', 'scenarios/origins', '--last-failed', '--list', '-o', out, '-e', 'firefox'])).stderr).toContain(
      'corslab: --last-failed: none of the 3 cells that failed or errored last time is planned by these scenarios and filters\n',
    );
  });
});

describe('corslab run --list --shard', () => {
  it('lists each shard with its count out of the whole, the shards adding up to it, and starts nothing', async () => {
    const listen = vi.spyOn(PageServer.prototype, 'listen');
    const count = (text: string) => Number(/^(\d+) cells?\b/m.exec(text.split('\n').at(-3)!)![1]);
    const whole = await corslab(['run', 'scenarios/origins', '--list']);
    const shards = [];
    for (const i of [1, 2, 3]) shards.push(await corslab(['run', 'scenarios/origins', '--list', '--shard', `${i}/3`]));
    expect(listen).not.toHaveBeenCalled();
    expect(shards.map((s) => s.status)).toEqual([0, 0, 0]);
    expect(shards.reduce((n, s) => n + count(s.stdout), 0)).toBe(count(whole.stdout));
    expect(shards[1]!.stdout).toContain(`(shard 2/3 of ${count(whole.stdout)} planned cells)`);
  });

  it.each([
    ['0/2', 'corslab: --shard must have an INDEX from 1 to 2 (shards are counted from 1), got "0/2" (did you mean 1/2?)\n'],
    ['3/2', 'corslab: --shard must have an INDEX from 1 to 2 (shards are counted from 1), got "3/2" (did you mean 2/2?)\n'],
    ['a/b', 'corslab: --shard must be INDEX/TOTAL with whole numbers, such as 1/4, got "a/b"\n'],
  ])('refuses --shard %s as bad input', async (value, message) => {
    expect(await corslab(['run', 'scenarios/origins', '--list', '--shard', value])).toMatchObject({ status: 2, stderr: message });
  });

  it('says so when a shard has no cell', async () => {
    const result = await corslab(['run', 'scenarios/origins/trailing-slash.yaml', '-s', 'express-cors', '-e', 'chromium', '--list', '--shard', '2/2']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--shard 2/2: this shard has no cell');
  });
});

describe('flags that do not go together', () => {
  it.each([
    [['--list', '--watch'], 'corslab: --list starts nothing, so it does not go with --watch\n'],
    [['--list', '--update', '--max-failures', '2'], 'corslab: --list starts nothing, so it does not go with --update or --max-failures\n'],
    [['--shard', '1/2', '--watch'], 'corslab: --shard 1/2 does not go with --watch: a rerun of the changed files is not a part of the first run\'s plan; watch without --shard\n'],
    [['--dry-run'], 'corslab: --dry-run goes with --update: `corslab run --update --dry-run` shows what would be written, and writes nothing\n'],
  ])('corslab run %j is bad input', async (args, message) => {
    expect(await corslab(['run', 'scenarios/origins', ...args])).toMatchObject({ status: 2, stderr: message });
  });
});
