import { describe, expect, it } from 'vitest';
import { colorEnabled } from './color.ts';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('colour', () => {
  it('is on for a terminal and off for a pipe, by default', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('is off with NO_COLOR set to anything but nothing (https://no-color.org)', () => {
    for (const value of ['1', '0', 'true', 'yes']) expect(colorEnabled(tty, { NO_COLOR: value }), value).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('is on with FORCE_COLOR even for a pipe, off with FORCE_COLOR=0 or false, and FORCE_COLOR wins over NO_COLOR as in Node', () => {
    for (const value of ['1', '2', '3', 'true', '']) expect(colorEnabled(pipe, { FORCE_COLOR: value }), value).toBe(true);
    for (const value of ['0', 'false']) expect(colorEnabled(tty, { FORCE_COLOR: value }), value).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
  });
});
