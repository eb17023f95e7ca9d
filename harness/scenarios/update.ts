/**
 * `corslab run --update`: what each failed cell observed, written into its
 * scenario file as the expectation, like Vitest's `--update` for snapshots.
 *
 * Per probe and field, the observed value goes where the cell's expectation
 * came from: into `expect` when the cells that read it there agree (the
 * most common value when they do not), into the `expectFor` rule that set
 * it, and into a new `expectFor` rule per engine that observed something
 * else. Engines differing is news that must be documented, so a new rule
 * says `why: "observed; TODO: explain"` and `source: TODO`, which the loader
 * refuses until a real source replaces it.
 *
 * The file is edited as text at the nodes that change (located with the
 * `yaml` package's Document API), so every other byte, comments and
 * formatting included, stays as it was; the result is parsed again and
 * checked before anyone writes it.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, parseDocument, stringify, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { baseStack, type EngineName, type StackName } from '../core/names.ts';
import type { Expectation, ExpectationOverride, Probe, Scenario } from '../core/format.ts';
import type { CellResult } from '../results/types.ts';
import { exchangeAt } from '../results/exchanges.ts';
import { READ_FIELDS } from './expectations.ts';

/** What --update writes for a source it cannot know; the loader refuses it until the author replaces it. */
export const SOURCE_TODO = 'TODO';
/** What --update writes for a reason it cannot know. */
export const WHY_TODO = 'observed; TODO: explain';

/** The fields --update can write from an observation. Nested `sent`/`answered` values and `bodyContains` are left to the author. */
const FIELDS = ['result', 'preflight', 'preflights', 'reachedHandler', 'status', 'readable', 'unreadable', 'cookiesSent'] as const;
type Field = (typeof FIELDS)[number];
type Values = Partial<Record<Field, unknown>>;

/** One scenario file's update: its text before and after (equal when nothing changed), and what was left for the author. */
export interface FileUpdate {
  file: string;
  before: string;
  after: string;
  /** Probes whose cells changed, by name. */
  probes: string[];
  /** What could not be written, one sentence each. */
  notes: string[];
}

/** Each scenario file with a failed cell, updated. Cells that errored observed nothing and change nothing. */
export async function planUpdates(scenarios: readonly Scenario[], cells: readonly CellResult[]): Promise<FileUpdate[]> {
  const updates: FileUpdate[] = [];
  for (const scenario of scenarios) {
    const own = cells.filter((c) => c.scenario === scenario.id);
    if (!own.some((c) => c.verdict === 'fail')) continue;
    updates.push(updateText(scenario, await readFile(scenario.file, 'utf8'), own));
  }
  return updates;
}

/** A scenario file's text with its failed cells' observations written in (pure: the file is not read or written). */
export function updateText(scenario: Scenario, text: string, cells: readonly CellResult[]): FileUpdate {
  const notes: string[] = [];
  const doc = parseDocument(text, { keepSourceTokens: true });
  const edits: Edit[] = [];
  const probes: string[] = [];
  scenario.probes.forEach((probe, index) => {
    const ran = cells.filter((c) => c.probe === index && c.verdict !== 'error');
    if (!ran.some((c) => c.verdict === 'fail')) return;
    const name = ran[0]!.probeName;
    const plan = probePlan(probe, ran, (note) => notes.push(`${scenario.file}: ${name}: ${note}`));
    if (!plan.changed) return;
    try {
      edits.push(...probeEdits(doc, text, index, plan));
      probes.push(name);
    } catch (error) {
      notes.push(`${scenario.file}: ${name}: not updated: ${(error as Error).message}`);
    }
  });
  const after = applyEdits(text, edits);
  if (after !== text) {
    // The edit is checked: the new text must say exactly what was meant, or nothing is written.
    const problem = checkEdited(after, scenario, edits);
    if (problem) return { file: scenario.file, before: text, after: text, probes: [], notes: [...notes, `${scenario.file}: not updated, the edit would not read back as meant (${problem}); please report this`] };
  }
  return { file: scenario.file, before: text, after, probes, notes };
}

// ------------------------------------------------------------------
// What to change: values per probe.

interface ProbePlan {
  changed: boolean;
  /** New values of `expect` (undefined: remove the field). */
  expect: Map<Field, unknown>;
  /** New values of existing rules' `expect`, by rule index. */
  rules: Map<number, Map<Field, unknown>>;
  /** New rules, appended to expectFor. */
  added: ExpectationOverride[];
  /** The probe's expect and expectFor after the change, as data (for checking the edit). */
  result: { expect: Expectation; expectFor: ExpectationOverride[] | undefined };
}

function probePlan(probe: Probe, cells: readonly CellResult[], note: (text: string) => void): ProbePlan {
  const corrected = new Map(cells.map((c) => [c.id, observedValues(c, note)]));
  const plan: ProbePlan = { changed: false, expect: new Map(), rules: new Map(), added: [], result: { expect: probe.expect, expectFor: probe.expectFor } };
  /** New rules by selector, so that several fields of one engine share one rule. */
  const newRules = new Map<string, { stack?: StackName[]; engine: EngineName[]; expect: Values }>();
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const field of FIELDS) {
    if (!cells.some((c) => !same(corrected.get(c.id)![field], current(c, field)))) continue;
    // Which part of the probe each cell took the field from: `expect` (-1) or one rule.
    const bySource = new Map<number, CellResult[]>();
    for (const cell of cells) {
      const source = sourceOf(probe, cell, field);
      bySource.set(source, [...(bySource.get(source) ?? []), cell]);
    }
    for (const [source, group] of bySource) {
      const values = group.map((c) => corrected.get(c.id)![field]);
      if (group.every((c, i) => same(values[i], current(c, field)))) continue;
      plan.changed = true;
      const distinct = [...new Map(values.map((v) => [JSON.stringify(v) ?? 'undefined', v])).values()];
      if (distinct.length === 1) {
        if (source === -1) plan.expect.set(field, distinct[0]);
        else plan.rules.set(source, (plan.rules.get(source) ?? new Map()).set(field, distinct[0]));
        continue;
      }
      if (source !== -1) {
        note(`\`${field}\` differs between the cells of expectFor[${source}] (${distinct.map((v) => JSON.stringify(v) ?? 'absent').join(', ')}); left for you to split`);
        continue;
      }
      // The most common value stays general; each engine that saw another gets a rule of its own.
      const count = (v: unknown) => values.filter((x) => same(x, v)).length;
      const general = [...distinct].sort((a, b) => count(b) - count(a) || Number(same(b, current(group[0]!, field))) - Number(same(a, current(group[0]!, field))))[0];
      plan.expect.set(field, general);
      for (const value of distinct.filter((v) => !same(v, general))) {
        const saw = group.filter((c, i) => same(values[i], value));
        for (const engine of [...new Set(saw.map((c) => c.engine))]) {
          const engineCells = group.filter((c) => c.engine === engine);
          const allOfEngine = engineCells.every((c) => same(corrected.get(c.id)![field], value));
          const stacks = allOfEngine ? undefined : [...new Set(saw.filter((c) => c.engine === engine).map((c) => baseStack(c.stack)))];
          const key = `${JSON.stringify(stacks)}|${engine}`;
          const rule = newRules.get(key) ?? { ...(stacks ? { stack: stacks } : {}), engine: [engine], expect: {} };
          rule.expect[field] = value;
          newRules.set(key, rule);
        }
      }
    }
  }
  // Rules with the same stacks and the same values are one rule for several engines.
  const merged = new Map<string, { stack?: StackName[]; engine: EngineName[]; expect: Values }>();
  for (const rule of newRules.values()) {
    const key = JSON.stringify([rule.stack, rule.expect]);
    const there = merged.get(key);
    if (there) there.engine.push(...rule.engine);
    else merged.set(key, { ...rule, engine: [...rule.engine] });
  }
  for (const rule of merged.values()) {
    const expect: Expectation = {};
    for (const [field, value] of Object.entries(rule.expect) as [Field, unknown][]) {
      if (value !== undefined) Object.assign(expect, { [field]: value });
      // A blocked or opaque result already drops what JavaScript would read; any other "absent" cannot be said in a rule.
      else if (!((READ_FIELDS as readonly string[]).includes(field) && expect.result !== undefined && expect.result !== 'allowed') && !(rule.expect.result && rule.expect.result !== 'allowed'))
        note(`${rule.engine.join(', ')} observed no \`${field}\`, which an expectFor rule cannot say; left for you`);
    }
    if (Object.keys(expect).length === 0) continue;
    plan.added.push({
      ...(rule.stack ? { stack: rule.stack.length === 1 ? rule.stack[0]! : rule.stack } : {}),
      engine: rule.engine.length === 1 ? rule.engine[0]! : rule.engine,
      expect,
      why: WHY_TODO,
      source: SOURCE_TODO,
    });
  }
  plan.result = {
    expect: withValues(probe.expect, plan.expect),
    expectFor: probe.expectFor || plan.added.length > 0 ? [...(probe.expectFor ?? []).map((r, i) => (plan.rules.has(i) ? { ...r, expect: withValues(r.expect, plan.rules.get(i)!) } : r)), ...plan.added] : undefined,
  };
  return plan;
}

function withValues(expect: Expectation, values: Map<Field, unknown>): Expectation {
  const out: Record<string, unknown> = { ...expect };
  for (const [field, value] of values) {
    if (value === undefined) delete out[field];
    else out[field] = value;
  }
  return out as Expectation;
}

/** A field as the cell expected it (sorted, for lists). */
function current(cell: CellResult, field: Field): unknown {
  return normalized(cell.expected[field]);
}

const normalized = (value: unknown) => (Array.isArray(value) ? (value.length === 0 ? undefined : [...value].sort()) : value);

/** What the cell's expectation becomes: its fields as expected, with each difference replaced by what was observed. */
function observedValues(cell: CellResult, note: (text: string) => void): Values {
  const values: Values = {};
  for (const field of FIELDS) values[field] = current(cell, field);
  if (cell.verdict !== 'fail') return values;
  const readable = new Set<string>((cell.expected.readable ?? []) as string[]);
  const unreadable = new Set<string>((cell.expected.unreadable ?? []) as string[]);
  const named = (set: Set<string>, lower: string) => [...set].find((n) => n.toLowerCase() === lower);
  const allowed = cell.observed?.result === 'allowed';
  for (const d of cell.differences) {
    const [head, rest] = [d.field.split(/[ .]/)[0]!, d.field.slice(d.field.indexOf(' ') + 1)];
    if (head === 'preflight' || head === 'preflights' || head === 'reachedHandler' || head === 'result' || head === 'status') values[head] = d.observed;
    else if (head === 'cookiesSent') values.cookiesSent = Array.isArray(d.observed) ? normalized(d.observed) : undefined;
    else if (head === 'readable') {
      const name = named(readable, rest) ?? rest;
      readable.delete(name);
      // Not readable although the server sent it: that is what `unreadable` says (of an allowed response).
      if (allowed && ((cell.observed && exchangeAt(cell.observed, 'actual')?.response?.headers) ?? []).some(([n]) => n.toLowerCase() === rest)) unreadable.add(name);
    } else if (head === 'unreadable') {
      const name = named(unreadable, rest) ?? rest;
      unreadable.delete(name);
      if (d.observed === 'readable') readable.add(name);
    } else note(`${cell.engine} on ${cell.stack}: \`${d.field}\` (expected ${JSON.stringify(d.expected)}, observed ${JSON.stringify(d.observed)}) is left for you to edit`);
  }
  values.readable = normalized([...readable]);
  values.unreadable = normalized([...unreadable]);
  return values;
}

/** Where a cell took a field from: the last expectFor rule matching it that states the field (or drops it, for what a blocked result cannot read), else `expect` (-1). */
function sourceOf(probe: Probe, cell: CellResult, field: Field): number {
  let source = -1;
  (probe.expectFor ?? []).forEach((rule, i) => {
    if (!matches(rule.stack, baseStack(cell.stack)) || !matches(rule.engine, cell.engine)) return;
    const drops = (READ_FIELDS as readonly string[]).includes(field) && rule.expect.result !== undefined && rule.expect.result !== 'allowed';
    if (rule.expect[field] !== undefined || drops) source = i;
  });
  return source;
}

const matches = <T extends string>(rule: T | T[] | undefined, value: T) => rule === undefined || (Array.isArray(rule) ? rule.includes(value) : rule === value);

// ------------------------------------------------------------------
// How to change it: text edits at the nodes.

interface Edit {
  start: number;
  end: number;
  text: string;
  /** Which probe, and what it must read back as. */
  probe: number;
  meant: ProbePlan['result'];
}

function probeEdits(doc: Document, text: string, index: number, plan: ProbePlan): Edit[] {
  const edits: Omit<Edit, 'probe' | 'meant'>[] = [];
  const probeNode = doc.getIn(['probes', index], true);
  if (!isMap(probeNode) || probeNode.flow) throw new Error('the probe is written as a flow mapping ({ ... }); edit it by hand');
  if (plan.expect.size > 0) edits.push(...mapEdits(text, mapAt(doc, ['probes', index, 'expect']), plan.expect));
  for (const [rule, values] of plan.rules) edits.push(...mapEdits(text, mapAt(doc, ['probes', index, 'expectFor', rule, 'expect']), values));
  if (plan.added.length > 0) {
    const seq = doc.getIn(['probes', index, 'expectFor'], true);
    if (seq !== undefined) {
      if (!isSeq(seq) || seq.flow || !seq.range || seq.items.length === 0) throw new Error('its expectFor is not a block list; edit it by hand');
      const indent = column(text, (seq.items[0] as Node).range![0]) - 2;
      edits.push({ start: lineEnd(text, contentEnd(text, seq.range[1])), end: lineEnd(text, contentEnd(text, seq.range[1])), text: rulesText(plan.added, indent) });
    } else {
      const pair = pairOf(probeNode, 'expect');
      const indent = column(text, (pair.key as Node).range![0]);
      const at = lineEnd(text, contentEnd(text, (pair.value as Node).range![1]));
      edits.push({ start: at, end: at, text: `${' '.repeat(indent)}expectFor:\n${rulesText(plan.added, indent + 2)}` });
    }
  }
  return edits.map((e) => ({ ...e, probe: index, meant: plan.result }));
}

function mapAt(doc: Document, path: (string | number)[]): YAMLMap {
  const node = doc.getIn(path, true);
  if (!isMap(node) || !node.range) throw new Error(`${path.join('.')} is not a mapping`);
  return node;
}

function pairOf(map: YAMLMap, key: string): Pair {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair) throw new Error(`no \`${key}\``);
  return pair as Pair;
}

/** A map's fields set or removed: a flow map (`{ a: 1 }`) is written again on its line, its untouched pairs as they were; a block map is edited line by line. */
function mapEdits(text: string, map: YAMLMap, values: Map<Field, unknown>): Omit<Edit, 'probe' | 'meant'>[] {
  const pairs = map.items as Pair[];
  const keyOf = (p: Pair) => (isScalar(p.key) ? String(p.key.value) : '');
  const added = [...values].filter(([field, value]) => value !== undefined && !pairs.some((p) => keyOf(p) === field));
  if (map.flow) {
    const parts: string[] = [];
    for (const pair of pairs) {
      const key = keyOf(pair);
      const source = text.slice((pair.key as Node).range![0], (pair.value as Node).range![1]);
      if (!values.has(key as Field)) parts.push(source);
      else if (values.get(key as Field) !== undefined) parts.push(`${text.slice((pair.key as Node).range![0], (pair.key as Node).range![1])}: ${flowText(values.get(key as Field))}`);
    }
    for (const [field, value] of added) parts.push(`${field}: ${flowText(value)}`);
    const end = text.lastIndexOf('}', map.range![1]) + 1;
    return [{ start: map.range![0], end, text: parts.length > 0 ? `{ ${parts.join(', ')} }` : '{}' }];
  }
  const edits: Omit<Edit, 'probe' | 'meant'>[] = [];
  for (const pair of pairs) {
    const key = keyOf(pair);
    if (!values.has(key as Field)) continue;
    const value = values.get(key as Field);
    const node = pair.value as Node;
    if (value === undefined) {
      const start = lineStart(text, (pair.key as Node).range![0]);
      edits.push({ start, end: lineEnd(text, contentEnd(text, node.range![1])), text: '' });
    } else {
      edits.push({ start: node.range![0], end: contentEnd(text, node.range![1]), text: flowText(value) });
    }
  }
  if (added.length > 0) {
    const indent = column(text, (pairs[0]!.key as Node).range![0]);
    const last = pairs.at(-1)!;
    const at = lineEnd(text, contentEnd(text, ((last.value ?? last.key) as Node).range![1]));
    edits.push({ start: at, end: at, text: added.map(([field, value]) => `${' '.repeat(indent)}${field}: ${flowText(value)}\n`).join('') });
  }
  return edits;
}

function rulesText(rules: readonly ExpectationOverride[], indent: number): string {
  const pad = ' '.repeat(indent);
  return rules
    .map((rule) => {
      const lines = [
        ...(rule.stack !== undefined ? [`stack: ${flowText(rule.stack)}`] : []),
        ...(rule.engine !== undefined ? [`engine: ${flowText(rule.engine)}`] : []),
        `expect: ${flowText(rule.expect)}`,
        `why: ${flowText(rule.why)}`,
        ...(rule.source !== undefined ? [`source: ${flowText(rule.source)}`] : []),
      ];
      return lines.map((l, i) => `${pad}${i === 0 ? '- ' : '  '}${l}\n`).join('');
    })
    .join('');
}

/** A value as this project's scenario files write it inline: `{ a: 1, b: [X, Y] }`, `"quoted: text"`. */
function flowText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowText).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${flowText(v)}`).join(', ')} }`;
  if (typeof value === 'string') {
    const plain = stringify(value).trimEnd();
    // Inside a flow collection `,`, `[`, `]`, `{`, `}` end a plain scalar, and `: ` starts a pair.
    return /^[A-Za-z0-9_.\-/*][^,[\]{}#:]*$/.test(value) && plain === value ? value : JSON.stringify(value);
  }
  return String(value);
}

/** Applies the edits from the end of the text back, so each one's offsets still hold; two at one place land in the order they were made. */
function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.start - a.e.start || b.i - a.i);
  for (const { e } of ordered) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The edited text parses, and each edited probe reads back as the plan meant; a problem in words, or undefined. */
function checkEdited(after: string, scenario: Scenario, edits: readonly Edit[]): string | undefined {
  const doc = parseDocument(after);
  if (doc.errors.length > 0) return doc.errors[0]!.message;
  const probes = (doc.toJS() as { probes?: Probe[] }).probes ?? [];
  if (probes.length !== scenario.probes.length) return 'the number of probes changed';
  for (const edit of edits) {
    const got = probes[edit.probe]!;
    const same = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
    if (!same(got.expect, edit.meant.expect) || !same(got.expectFor, edit.meant.expectFor)) return `probe ${edit.probe} reads ${JSON.stringify({ expect: got.expect, expectFor: got.expectFor })}`;
  }
  return undefined;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}

const column = (text: string, offset: number) => offset - lineStart(text, offset);
const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
/** Just past the end of the line `offset` is on (its line feed included). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}
/** A node's end without the blank space and line feeds its range may take in. */
function contentEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && /\s/.test(text[e - 1]!)) e--;
  return e;
}

