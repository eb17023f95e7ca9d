import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.ts';

describe('a unified diff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', 'f')).toBe('');
  });

  it('writes removals before additions, with three lines of context, as diff -u does', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n';
    const after = 'a\nb\nX\nd\ne\nf\ng\nh\ni\nY\nk\n';
    expect(unifiedDiff(before, after, 'f.yaml')).toBe('--- f.yaml\n+++ f.yaml\n@@ -1,11 +1,11 @@\n a\n b\n-c\n+X\n d\n e\n f\n g\n h\n i\n-j\n+Y\n k\n');
  });

  it('makes a hunk of each change far from the others', () => {
    const lines = Array.from({ length: 16 }, (_, i) => `${i + 1}`);
    const after = [...lines.slice(0, 4), 'four', ...lines.slice(4, 13), 'x', ...lines.slice(14)];
    expect(unifiedDiff(`${lines.join('\n')}\n`, `${after.join('\n')}\n`, 'f')).toBe(
      '--- f\n+++ f\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+four\n 5\n 6\n 7\n@@ -11,6 +12,6 @@\n 11\n 12\n 13\n-14\n+x\n 15\n 16\n',
    );
  });

  it('numbers an addition to an empty text from 0', () => {
    expect(unifiedDiff('', 'a\n', 'f')).toBe('--- f\n+++ f\n@@ -0,0 +1 @@\n+a\n');
  });
});
