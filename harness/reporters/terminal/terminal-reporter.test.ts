import { describe, expect, it } from 'vitest';
import { TerminalReporter } from './terminal-reporter.ts';
import { formatProblems } from '../../scenarios/errors.ts';

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
