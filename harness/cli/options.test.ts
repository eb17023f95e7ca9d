import { describe, expect, it, vi } from 'vitest';
import { defaults } from '../config/defaults.ts';
import { runOptions } from '../run/config.ts';
import { resolveSettings } from '../../servers/runtimes/catalog.ts';
import { main } from './main.ts';
import { text, toggle, type FlagSpec } from './flags.ts';
import { EXPLAIN_FLAGS, RUN_FLAGS, RUN_OPTIONS, commandHelp, parseRunArgs, type RunFlags } from './options.ts';

describe('the flags of corslab run', () => {
  it('are declared against RunConfig, so a missing, extra or mistyped flag does not compile', () => {
    const { probeTimeoutMs: _timeout, ...withoutTimeout } = RUN_FLAGS;
    // @ts-expect-error RunConfig's probeTimeoutMs has no flag: every key of RunConfig needs one
    const keyWithoutFlag: RunFlags = withoutTimeout;
    // @ts-expect-error `verbose` is not a key of RunConfig: a flag needs a key to set
    const flagWithoutKey: RunFlags = { ...RUN_FLAGS, verbose: { flag: 'verbose', value: toggle(), help: 'say more' } };
    // @ts-expect-error RunConfig's runtime is a runtime's name, and text() gives any string
    const wrongValue: RunFlags = { ...RUN_FLAGS, runtime: { flag: 'runtime', value: text(), help: 'where the stacks run' } };
    expect([keyWithoutFlag, flagWithoutKey, wrongValue]).toHaveLength(3);
  });

  it('have one flag name each, and every flag is in --help with the default from harness/config/defaults.ts', () => {
    const flags = Object.values(RUN_FLAGS).map((spec) => spec.flag);
    expect(new Set(flags).size).toBe(flags.length);
    expect(Object.keys(RUN_OPTIONS)).toEqual(flags);
    const help = commandHelp('run');
    for (const flag of flags) expect(help).toContain(`--${flag}`);
    for (const spec of Object.values(RUN_FLAGS) as FlagSpec<unknown>[]) if (spec.default !== undefined) expect(help).toContain(`Default: ${spec.default}`);
    expect(help).toContain(`--timeout <ms>             how long one probe may take before the cell is an error (never "blocked"). Default: ${defaults.probeTimeoutMs}\n`);
    expect(help).toContain(`--isolated-contexts <n>    `);
    expect(help).toContain(`Default: ${defaults.isolatedContexts}, or --concurrency when lower`);
    expect(help).toContain(`probes in flight per engine on its shared pages. Default: ${defaults.concurrencyPerRun} split between the engines still running (16 each for three)\n`);
    const explain = commandHelp('explain');
    for (const spec of Object.values(EXPLAIN_FLAGS)) expect(explain).toContain(`--${spec.flag}`);
    expect(explain).toContain('-X, --method <method>          the method. Default: GET\n');
  });

  it('give a RunConfig: lists split and checked, numbers read, switches on, absent flags left out', () => {
    expect(parseRunArgs(['--engine', 'chromium', '--help']).help).toBe(true);
    const { paths, config } = parseRunArgs(['scenarios/origins', '-e', 'chromium,firefox', '-e', 'webkit', '-c', '4', '--timeout', '2500', '--isolated-contexts', '2', '--require-stacks', '-g', 'slash']);
    expect(paths).toEqual(['scenarios/origins']);
    expect(config).toEqual({ engines: ['chromium', 'firefox', 'webkit'], grep: 'slash', concurrencyPerPage: 4, isolatedContexts: 2, probeTimeoutMs: 2500, requireStacks: true });
    expect(parseRunArgs(['--runtime', 'docker', '--image', 'nginx=nginx:1.27', '--image', 'node=node:20']).config).toEqual({ runtime: 'docker', images: ['nginx=nginx:1.27', 'node=node:20'] });
  });

  it('become run options with the defaults, a low --concurrency capping the isolated contexts as before', () => {
    const inputs = { scenarios: [], runtime: resolveSettings(undefined, {}) };
    const plain = runOptions({}, inputs);
    expect(plain).toMatchObject({ engines: ['chromium', 'firefox', 'webkit'], requireEngines: false, requireStacks: false, concurrencyPerPage: undefined, isolatedContexts: undefined, probeTimeoutMs: undefined, grep: undefined });
    expect(plain.reporters).toHaveLength(defaults.reporters.length);
    expect(runOptions({ concurrencyPerPage: 2 }, inputs).isolatedContexts).toBe(2);
    expect(runOptions({ concurrencyPerPage: 12 }, inputs).isolatedContexts).toBe(defaults.isolatedContexts);
    expect(runOptions({ concurrencyPerPage: 1, isolatedContexts: 3 }, inputs).isolatedContexts).toBe(3);
    expect(runOptions({ grep: 'Trailing' }, inputs).grep).toEqual(/Trailing/i);
  });

  it('refuse a bad value with exit code 2 and a message that names the flag, before anything starts', async () => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    const cases: [string[], string | RegExp][] = [
      [['--timeout', '0'], 'corslab: --timeout must be a whole number of at least 1, got "0"\n'],
      [['--timeout', '2.5'], 'corslab: --timeout must be a whole number of at least 1, got "2.5"\n'],
      [['--isolated-contexts', 'many'], 'corslab: --isolated-contexts must be a whole number of at least 1, got "many"\n'],
      [['--concurrency=-3'], 'corslab: --concurrency must be a whole number of at least 1, got "-3"\n'],
      [['--grep', '('], /^corslab: --grep is not a valid regular expression: .+\n$/],
      [['--reporter', 'tap'], 'corslab: unknown reporter "tap"; known: terminal, json, html, junit\n'],
      [['--runtime', 'podman'], 'corslab: --runtime must be one of local, docker, got "podman"\n'],
    ];
    for (const [args, message] of cases) {
      stderr = '';
      expect(await main(['run', 'tests/fixtures/invalid', ...args]), args.join(' ')).toBe(2);
      if (typeof message === 'string') expect(stderr).toBe(message);
      else expect(stderr).toMatch(message);
    }
    vi.restoreAllMocks();
  });
});
