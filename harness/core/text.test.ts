import { describe, expect, it } from 'vitest';
import { printable } from './text.ts';

describe('printable text', () => {
  it('shows escape sequences, other controls and bidi overrides as visible escapes', () => {
    expect(printable('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(printable('title\u001b]0;pwned\u0007')).toBe('title\\u001b]0;pwned\\u0007');
    expect(printable('x\u202eevil')).toBe('x\\u202eevil');
    expect(printable('nul\u0000 del\u007f c1\u009b')).toBe('nul\\u0000 del\\u007f c1\\u009b');
  });

  it('keeps line feeds, tabs and ordinary text, accents and emoji included', () => {
    expect(printable('line one\n\tline two: café ✓')).toBe('line one\n\tline two: café ✓');
  });
});
