import { describe, expect, it } from 'vitest';
import { TerminalReporter } from './terminal-reporter.ts';
import { formatProblems } from '../../scenarios/errors.ts';
import type { CellResult, RunResults } from '../../results/types.ts';

function capture(): { stream: { isTTY: boolean; write(text: string): boolean }; text(): string } {
  let out = '';
  return { stream: { isTTY: false, write: (t: string) => ((out += t), true) }, text: () => out };
}

describe('the terminal reporter', () => {
  it('prints a notice from a scenario with its escape sequences made visible', () => {
    const out = capture();
    new TerminalReporter(out.stream).onNotice('stack \u001b]0;pwned\u0007 did not start\u001b[2J');
    expect(out.text()).toBe('note stack \\u001b]0;pwned\\u0007 did not start\\u001b[2J\n');
    expect(out.text()).not.toContain('\u001b');
  });

  it('still colours its own words (and clears its progress line) on a colour terminal', () => {
    const out = capture();
    out.stream.isTTY = true;
    new TerminalReporter(out.stream, {}).onNotice('x\u001b[31m');
    expect(out.text()).toBe('\r\u001b[2K\u001b[33mnote\u001b[0m x\\u001b[31m\n');
  });

  it('colours a CI log with FORCE_COLOR, without redrawing lines, and nothing with FORCE_COLOR=0', () => {
    const forced = capture();
    new TerminalReporter(forced.stream, { FORCE_COLOR: '1' }).onNotice('x');
    expect(forced.text()).toBe('\u001b[33mnote\u001b[0m x\n');
    const off = capture();
    new TerminalReporter(off.stream, { FORCE_COLOR: '0' }).onNotice('x');
    expect(off.text()).toBe('note x\n');
  });

  it('colours nothing with NO_COLOR, even on a terminal', () => {
    const out = capture();
    out.stream.isTTY = true;
    new TerminalReporter(out.stream, { NO_COLOR: '1' }).onNotice('x');
    expect(out.text()).toBe('\r\u001b[2Knote x\n');
  });
});

describe('scenario problems as printed', () => {
  it('show a field name with escape sequences, and a message with a line break, on one visible line', () => {
    const text = formatProblems([{ file: 'a.yaml', line: 2, column: 3, field: 'probes[0].\u001b[31mred', message: 'unknown field\nsecond line' }]);
    expect(text).toBe('a.yaml:2:3  probes[0].\\u001b[31mred  unknown field\\nsecond line');
  });
});

/** Results with just what the summary reads. */
function results(cells: Partial<CellResult>[]): RunResults {
  const full = cells.map((c, i) => ({ id: `c${i}`, scenario: 'origins/trailing-slash', probe: 0, probeName: 'GET {api}/items', stack: 'express-cors', engine: 'chromium', differences: [], verdict: 'pass', ...c }));
  const count = (v: string) => full.filter((c) => c.verdict === v).length;
  return {
    scenarios: [
      { id: 'origins/trailing-slash', file: 'scenarios/origins/trailing-slash.yaml', probes: [{ line: 14 }] },
      { id: 'origins/null-origin', file: 'scenarios/origins/null-origin.yaml', probes: [{ line: 12 }, { line: 20 }] },
    ],
    cells: full,
    engineDisagreements: [],
    securityFindings: [],
    summary: { total: full.length, pass: count('pass'), fail: count('fail'), error: count('error'), modelDisagreements: 0 },
    durationMs: 1000,
    environment: { stacks: [] },
  } as unknown as RunResults;
}

describe('the summary', () => {
  it('names the scenario file and the line of the probe on every FAIL and ERROR line', () => {
    const out = capture();
    new TerminalReporter(out.stream, {}).onRunEnd(
      results([
        { verdict: 'fail', differences: [{ field: 'result', expected: 'blocked', observed: 'allowed' }] },
        { verdict: 'error', scenario: 'origins/null-origin', probe: 1, probeName: 'GET from the sandboxed page', engine: 'firefox', error: 'the engine did not return' },
      ]),
    );
    expect(out.text()).toContain('\nFAIL scenarios/origins/trailing-slash.yaml:14 > GET {api}/items [express-cors, chromium]\n  result: expected "blocked", observed "allowed"\n');
    expect(out.text()).toContain('\nERROR scenarios/origins/null-origin.yaml:20 > GET from the sandboxed page [express-cors, firefox]\n  the engine did not return\n');
  });

  it('prints an error shared by many cells once, with how many and where', () => {
    const out = capture();
    const build = 'Next.js did not start: next build failed:\n  Type error: x is not assignable\n  at app/s/x/route.ts:3';
    const cells = ['origins/trailing-slash', 'origins/null-origin'].flatMap((scenario) =>
      ['chromium', 'firefox'].map((engine) => ({ verdict: 'error' as const, scenario, stack: 'next' as const, engine: engine as 'chromium', error: build })),
    );
    new TerminalReporter(out.stream, {}).onRunEnd(results(cells));
    const text = out.text();
    expect(text.split('next build failed')).toHaveLength(2);
    expect(text).toContain(
      '\nERROR in 4 cells: Next.js did not start: next build failed:\n    Type error: x is not assignable\n    at app/s/x/route.ts:3\n  2 scenarios on next in chromium, firefox:\n    scenarios/origins/trailing-slash.yaml\n    scenarios/origins/null-origin.yaml\n',
    );
  });

  it('names an error a notice already printed in full in one line', () => {
    const out = capture();
    const reporter = new TerminalReporter(out.stream, {});
    const error = 'Next.js did not start: next build failed:\n  Type error';
    reporter.onNotice(error);
    reporter.onRunEnd(results([1, 2, 3].map(() => ({ verdict: 'error', stack: 'next', error }))));
    expect(out.text().split('Type error')).toHaveLength(2);
    expect(out.text()).toContain('\nERROR in 3 cells: Next.js did not start: next build failed: (in full above)\n  1 scenario on next in chromium:\n');
  });
});
