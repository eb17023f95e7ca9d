import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../harness/cli/main.ts';
import { parseScenario } from '../harness/scenarios/load.ts';
import { AUDIT_FLAGS, EXPLAIN_OPTIONS, RUN_OPTIONS } from '../harness/cli/options.ts';
import { appStackNames } from '../servers/apps/catalog.ts';
import { proxyNames } from '../servers/proxies/catalog.ts';

/**
 * Whether the README shows a line the CLI printed. Its copy may lag behind
 * the catalogs by the stacks and proxies added since, which are missing
 * from an `(allowed: ...)` list; nothing else may differ.
 */
function shows(shown: string, printed: readonly string[]): boolean {
  const allowed = /\(allowed: ([^)]*)\)$/;
  const extensions = new Set<string>([...appStackNames(), ...proxyNames()]);
  return printed.some((line) => {
    const [a, b] = [allowed.exec(shown), allowed.exec(line)];
    if (!a || !b) return line === shown;
    if (line.slice(0, b.index) !== shown.slice(0, a.index)) return false;
    const [inReadme, inOutput] = [a[1]!.split(', '), b[1]!.split(', ')];
    const added = inOutput.filter((n) => !inReadme.includes(n));
    return JSON.stringify(inOutput.filter((n) => inReadme.includes(n))) === JSON.stringify(inReadme) && added.every((n) => extensions.has(n));
  });
}

const readme = readFileSync('README.md', 'utf8');

// The README's examples are checked like code, so they cannot drift from the format.
describe('the README', () => {
  it('shows the two quick-start commands', () => {
    const quickStart = readme.split('## Quick start')[1]!.split('\n## ')[0]!;
    expect(quickStart).toMatch(/^npm start\b/m);
    expect(quickStart).toMatch(/^npm test\b/m);
  });

  it('has scenario examples that are valid scenarios', async () => {
    const examples = [...readme.matchAll(/```yaml\n(# yaml-language-server[\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThan(0);
    for (const text of examples) {
      const { problems } = await parseScenario(text, 'README.md', 'scenarios');
      expect(problems).toEqual([]);
    }
  });

  it('shows the validation errors the CLI really prints', async () => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    await main(['validate', 'tests/fixtures/invalid']);
    vi.restoreAllMocks();
    const shown = [...readme.matchAll(/^ {3}(tests\/fixtures\/invalid\/\S+\.yaml:.*)$/gm)].map((m) => m[1]!);
    expect(shown.length).toBe(4);
    for (const line of shown) expect(shows(line, stderr.split('\n')), `${line}\nis not among the lines the CLI printed:\n${stderr}`).toBe(true);
  });

  it('names scenario files that exist', () => {
    for (const [file] of readme.matchAll(/scenarios\/[a-z-]+\/[a-z0-9-]+\.yaml/g)) expect(existsSync(file), file).toBe(true);
  });

  it('quotes the trailing-slash scenario as it is on disk', () => {
    expect(readme).toContain(readFileSync('scenarios/origins/trailing-slash.yaml', 'utf8').trimEnd());
  });

  it('shows the refusal of a mistyped option as the CLI prints it', async () => {
    const shown = /\$ node bin\/corslab\.js (run --engin chromium)\n(corslab: unknown option.*)\n/.exec(readme);
    expect(shown).not.toBeNull();
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    const saved = process.env.FORCE_COLOR;
    delete process.env.FORCE_COLOR;
    try {
      expect(await main(shown![1]!.split(' '))).toBe(2);
    } finally {
      vi.restoreAllMocks();
      if (saved !== undefined) process.env.FORCE_COLOR = saved;
    }
    expect(stderr).toBe(`${shown![2]}\n`);
  });

  it('documents every option of corslab run, corslab explain and corslab audit', () => {
    for (const name of [...Object.keys(RUN_OPTIONS), ...Object.keys(EXPLAIN_OPTIONS), ...Object.values(AUDIT_FLAGS).map((f) => f.flag)]) expect(readme).toContain(`--${name}`);
  });
});
