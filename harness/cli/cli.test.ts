import { spawnSync } from 'node:child_process';
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
    [['rn'], 'corslab: unknown command "rn" (did you mean `corslab run`?); the commands are run, validate, explain; see `corslab --help`\n'],
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
