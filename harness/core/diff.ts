/**
 * A unified diff of two texts, line by line (`diff -u`'s format, three
 * lines of context), for showing what `corslab run --update` would write
 * before it writes it. Scenario files are small (defaults.maxScenarioBytes),
 * so the plain longest-common-subsequence table is enough.
 */
export function unifiedDiff(before: string, after: string, file: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change within reach.
    let start = Math.max(0, i - context);
    let end = i;
    while (end < ops.length) {
      if (ops[end]!.kind !== ' ') {
        end++;
        continue;
      }
      let next = end;
      while (next < ops.length && ops[next]!.kind === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const aStart = ops[start]!.a;
    const bStart = ops[start]!.b;
    const aCount = slice.filter((o) => o.kind !== '+').length;
    const bCount = slice.filter((o) => o.kind !== '-').length;
    hunks.push(`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@`, ...slice.map((o) => `${o.kind}${o.text}`));
    i = stop;
    start = stop;
  }
  return [`--- ${file}`, `+++ ${file}`, ...hunks, ''].join('\n');
}

interface Op {
  kind: ' ' | '-' | '+';
  text: string;
  /** The 1-based line in each text where this op is, or would be. */
  a: number;
  b: number;
}

const range = (start: number, count: number) => (count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`);

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ kind: ' ', text: a[i++]!, a: i, b: ++j });
    // Deletions first, as diff -u writes them.
    else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: '-', text: a[i++]!, a: i, b: j + 1 });
    else ops.push({ kind: '+', text: b[j++]!, a: i + 1, b: j });
  }
  return ops;
}
