import { printable } from '../../core/text.ts';
import { colorEnabled } from '../../system/color.ts';
import type { Progress, Reporter, RunStartInfo } from '../reporter.ts';
import type { CellResult, RunResults, StackInfo } from '../../results/types.ts';

type Stream = NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * Progress while cells run (one line, redrawn on a terminal; a line per 10% in
 * CI logs) and a summary at the end that lists every cell that did not pass
 * with what differed.
 */
// Private-use characters stand for the escape codes of colours until write() has made the text printable.
const COLOR_OPEN = '\ue000';
const COLOR_CLOSE = '\ue001';
const COLOR_MARK = /\ue000(\d+)\ue001/g;

export class TerminalReporter implements Reporter {
  private readonly tty: boolean;
  private readonly color: boolean;
  private lastPrintedTenth = -1;
  private lastDraw = 0;
  /** Notices already printed in full: an error cell that repeats one names it in a line. */
  private readonly noticed = new Set<string>();

  /** `env`: where FORCE_COLOR and NO_COLOR are read (harness/system/color.ts). The progress line is redrawn only on a terminal, whatever the colour. */
  constructor(
    private readonly out: Stream = process.stdout,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.tty = Boolean(out.isTTY);
    this.color = colorEnabled(out, env);
  }

  /** Colour by marks that write() turns into escape codes after the text was made printable, so only the reporter's own colours reach the terminal. */
  private paint(code: number, text: string): string {
    return this.color ? `${COLOR_OPEN}${code}${COLOR_CLOSE}${text}${COLOR_OPEN}0${COLOR_CLOSE}` : text;
  }

  /** Writes text from the results (scenario names, errors, header values) made printable, then coloured. */
  private write(text: string): void {
    this.out.write(printable(text).replace(COLOR_MARK, (_, code: string) => `\u001b[${code}m`));
  }

  onNotice(text: string): void {
    this.noticed.add(text);
    this.clearLine();
    this.write(`${this.paint(33, 'note')} ${text}\n`);
  }

  onRunStart(info: RunStartInfo): void {
    const engines = info.engines.map((e) => `${e.name} ${e.version}`).join(', ') || 'none';
    // A server the user runs has no packages the lab knows of.
    const stacks = info.stacks.map((s) => (Object.keys(s.packages).length === 0 ? s.label : `${s.label} (${Object.entries(s.packages).map(([p, v]) => `${p} ${v}`).join(', ')})`)).join('; ');
    this.write(`CORS Lab: ${info.total} cells from ${info.scenarios} scenarios\n  engines: ${engines}\n  stacks:  ${stacks}\n`);
  }

  onCellEnd(_cell: CellResult, p: Progress): void {
    const eta = p.etaMs === undefined ? '' : `, ~${seconds(p.etaMs)} left`;
    const line = `${p.done}/${p.total} cells  ${this.paint(32, `${p.pass} pass`)}  ${this.paint(31, `${p.fail} fail`)}  ${this.paint(35, `${p.error} error`)}  ${seconds(p.elapsedMs)}${eta}`;
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < 80 && p.done < p.total) return;
      this.lastDraw = now;
      this.out.write('\r\u001b[2K');
      this.write(line);
      if (p.done === p.total) this.write('\n');
      return;
    }
    const tenth = Math.floor((p.done / p.total) * 10);
    if (tenth !== this.lastPrintedTenth) {
      this.lastPrintedTenth = tenth;
      this.write(`${line}\n`);
    }
  }

  onRunEnd(results: RunResults): void {
    this.clearLine();
    const where = locator(results);
    for (const cell of results.cells.filter((c) => c.verdict === 'fail')) this.write(this.describe(cell, where));
    this.writeErrors(results, where);
    this.writeBlockedReasons(results);
    this.writeModelDifferences(results);
    this.writeFindings(results);
    if (results.engineDisagreements.length > 0) {
      this.write(`\n${this.paint(1, 'Engines disagree')} on ${results.engineDisagreements.length} probe${results.engineDisagreements.length === 1 ? '' : 's'}:\n`);
      for (const d of results.engineDisagreements) {
        this.write(`  ${d.scenario} > ${d.probeName} [${d.stack}]\n`);
        for (const [engine, outcome] of Object.entries(d.byEngine)) {
          this.write(`    ${engine.padEnd(9)} ${d.fields.map((f) => `${f}=${JSON.stringify(outcome[f])}`).join('  ')}\n`);
        }
      }
    }
    this.writeClaims(results);
    const { total, pass, fail, error } = results.summary;
    if (results.notRun) this.write(`\n${this.paint(33, 'Stopped early')}: ${results.notRun.reason}; ${results.notRun.cells.length} cells not run.\n`);
    const notRun = results.notRun ? `, ${this.paint(33, `${results.notRun.cells.length} not run`)}` : '';
    this.write(
      `\n${this.paint(1, 'Summary')}: ${total} cells, ${this.paint(32, `${pass} pass`)}, ${this.paint(31, `${fail} fail`)}, ${this.paint(35, `${error} error`)}${notRun} in ${seconds(results.durationMs)}${results.shard ? ` (shard ${results.shard.index}/${results.shard.total})` : ''}${results.merged ? ` (merged from ${results.merged.sources.length} runs)` : ''}\n`,
    );
    const images = imageLines(results.environment.stacks);
    if (images.length > 0) this.write(`Images (Docker runtime):\n${images.map((l) => `  ${l}\n`).join('')}`);
  }

  /**
   * Error cells: one that is alone with its error as a failing cell is; an
   * error shared by several cells (a stack that did not start, a scenario
   * setup that threw) once, with how many cells it stopped and where, and in
   * a line when a notice already printed it in full.
   */
  private writeErrors(results: RunResults, where: Locator): void {
    const byError = new Map<string, CellResult[]>();
    for (const cell of results.cells.filter((c) => c.verdict === 'error')) {
      const key = cell.error ?? '';
      byError.set(key, [...(byError.get(key) ?? []), cell]);
    }
    for (const [error, cells] of byError) {
      if (cells.length === 1 || error === '') {
        for (const cell of cells) this.write(this.describe(cell, where));
        continue;
      }
      const [first, ...rest] = error.split('\n');
      const lines = [`\n${this.paint(35, 'ERROR')} in ${cells.length} cells: ${first}`];
      if (this.noticed.has(error)) lines[0] += rest.length > 0 ? ' (in full above)' : '';
      else lines.push(...rest.map((l) => `  ${l}`));
      const distinct = (values: string[]) => [...new Set(values)];
      const scenarios = distinct(cells.map((c) => c.scenario));
      lines.push(`  ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} on ${distinct(cells.map((c) => c.stack)).join(', ')} in ${distinct(cells.map((c) => c.engine)).join(', ')}:`);
      const shown = 3;
      lines.push(...scenarios.slice(0, shown).map((id) => `    ${where.scenario(id)}`));
      if (scenarios.length > shown) lines.push(`    and ${scenarios.length - shown} more (every cell is in the report)`);
      this.write(`${lines.join('\n')}\n`);
    }
  }

  private describe(cell: CellResult, where: Locator): string {
    const label = cell.verdict === 'fail' ? this.paint(31, 'FAIL') : this.paint(35, 'ERROR');
    const lines = [`\n${label} ${where.probe(cell)} > ${cell.probeName} [${cell.stack}, ${cell.engine}]`];
    if (cell.error) lines.push(`  ${cell.error}`);
    for (const d of cell.differences) {
      lines.push(`  ${d.field}: expected ${JSON.stringify(d.expected)}, observed ${JSON.stringify(d.observed)}${d.note ? ` (${d.note})` : ''}`);
    }
    const message = cell.observed?.messages.find((m) => m.source === 'console');
    if (message) lines.push(`  browser: ${message.text}`);
    if (cell.explanation) lines.push(`  why: ${cell.explanation.reason}`);
    const fix = cell.explanation?.fix;
    if (fix) {
      lines.push(`  fix: ${fix.summary}`);
      const code = fix.perStack[cell.stack];
      if (code) lines.push(...code.split('\n').map((l) => `       ${l}`));
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * Every blocked cell that passed (failing ones are above), as the model
   * explains it: one entry per probe and reason, with the stacks and engines
   * that share it, so a run of hundreds of cells stays readable.
   */
  private writeBlockedReasons(results: RunResults): void {
    const byReason = new Map<string, { head: string; reason: string; where: Set<string>; engines: Set<string> }>();
    for (const cell of results.cells) {
      if (cell.verdict !== 'pass' || cell.observed?.result !== 'blocked' || !cell.explanation) continue;
      const key = `${cell.scenario}#${cell.probe}\n${cell.explanation.reason}`;
      const entry = byReason.get(key) ?? { head: `${cell.scenario} > ${cell.probeName}`, reason: cell.explanation.reason, where: new Set(), engines: new Set() };
      entry.where.add(cell.stack);
      entry.engines.add(cell.engine);
      byReason.set(key, entry);
    }
    if (byReason.size === 0) return;
    this.write(`\n${this.paint(1, 'Blocked as expected, and why')}:\n`);
    for (const { head, reason, where, engines } of byReason.values()) {
      this.write(`  ${head} [${[...where].join(', ')}; ${[...engines].join(', ')}]\n    ${reason}\n`);
    }
  }

  /** Cells where an engine did something other than what the Fetch standard says: news, never hidden. */
  private writeModelDifferences(results: RunResults): void {
    const differing = results.cells.filter((c) => c.explanation?.agreesWithModel === false);
    if (differing.length === 0) return;
    const groups = new Map<string, CellResult[]>();
    for (const cell of differing) {
      const key = `${cell.scenario} > ${cell.probeName} [${cell.engine}]`;
      groups.set(key, [...(groups.get(key) ?? []), cell]);
    }
    this.write(`\n${this.paint(1, 'Engines that differ from the Fetch standard model')} (${differing.length} cells):\n`);
    for (const [key, cells] of groups) {
      const x = cells[0]!.explanation!;
      const fields = x.modelDifferences.map((d) => `${d.field}: standard ${JSON.stringify(d.expected)}, engine ${JSON.stringify(d.observed)}`).join('; ');
      const status = x.deviation ? `documented: ${x.deviation.source}` : this.paint(31, 'undocumented: investigate');
      this.write(`  ${key} on ${cells.map((c) => c.stack).join(', ')}\n    ${fields}\n    ${status}\n`);
    }
  }

  /** The claims index in one line, and the claims the browsers refuted by name: that is the news. */
  private writeClaims(results: RunResults): void {
    const curriculum = results.curriculum;
    if (!curriculum) return;
    const counts = Object.entries(curriculum.counts).filter(([, n]) => n > 0).map(([verdict, n]) => `${n} ${verdict}`);
    this.write(`\n${this.paint(1, 'Claims')} of the source articles: ${curriculum.claims.length} (${counts.join(', ')}); the report's claims index has each one.\n`);
    for (const claim of curriculum.claims.filter((c) => c.verdict === 'refuted' || c.verdict === 'engine-dependent')) {
      const engines = Object.entries(claim.engines).map(([engine, r]) => `${engine} ${r!.verdict}`).join(', ');
      this.write(`  ${claim.id} ${this.paint(claim.verdict === 'refuted' ? 31 : 33, claim.verdict)}: ${claim.claim} (${engines})\n`);
    }
  }

  private writeFindings(results: RunResults): void {
    const serious = results.securityFindings.filter((f) => f.severity === 'high' || f.severity === 'medium');
    if (serious.length === 0) return;
    this.write(`\n${this.paint(1, 'Security findings')} (high and medium; all ${results.securityFindings.length} are in the report):\n`);
    for (const f of serious) {
      const exploited = f.exploitedIn.length > 0 ? this.paint(31, ` EXPLOITABLE: the attacker page read the user's data in ${f.exploitedIn.join(', ')}`) : '';
      this.write(`  ${f.scenario} on ${f.stack}: ${f.text}${exploited}\n`);
    }
  }

  private clearLine(): void {
    if (this.tty) this.out.write('\r\u001b[2K');
  }
}

interface Locator {
  /** The scenario's file, or its id when the results do not say. */
  scenario(id: string): string;
  /** Where the cell's probe is written: `scenarios/origins/trailing-slash.yaml:14`, which a terminal or an editor opens at that line. */
  probe(cell: CellResult): string;
}

function locator(results: RunResults): Locator {
  const byId = new Map(results.scenarios.map((s) => [s.id, s]));
  return {
    scenario: (id) => byId.get(id)?.file ?? id,
    probe(cell) {
      const info = byId.get(cell.scenario);
      const line = info?.probes[cell.probe]?.line;
      return info ? `${info.file}${line ? `:${line}` : ''}` : cell.scenario;
    },
  };
}

/** Each image the stacks ran in, once: its reference and the digest that pins it (the registry's, else the engine's image id). */
export function imageLines(stacks: readonly StackInfo[]): string[] {
  const seen = new Map<string, string>();
  for (const image of stacks.flatMap((s) => s.images ?? [])) {
    seen.set(image.ref, image.digest ? `${image.ref} (digest ${image.digest})` : `${image.ref} (image id ${image.id}, built locally: no registry digest)`);
  }
  return [...seen.values()];
}
