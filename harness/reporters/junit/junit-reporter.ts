import { writeReportFile } from '../write-report.ts';
import type { Reporter } from '../reporter.ts';
import type { CellResult, RunResults } from '../../results/types.ts';

/** XML text and attribute escaping; no XML library needed for a tree this small. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function failureText(cell: CellResult): string {
  const lines = cell.differences.map((d) => `${d.field}: expected ${JSON.stringify(d.expected)}, observed ${JSON.stringify(d.observed)}${d.note ? ` (${d.note})` : ''}`);
  const message = cell.observed?.messages.find((m) => m.source === 'console')?.text;
  if (message) lines.push(`browser: ${message}`);
  return lines.join('\n');
}

/**
 * Writes `junit.xml` for CI: one testsuite per scenario file, one testcase per
 * cell; a fail is a <failure>, a harness error is an <error>, a cell the run
 * stopped before (`--max-failures`) is <skipped>.
 */
export class JunitReporter implements Reporter {
  constructor(private readonly outputDir: string) {}

  async onRunEnd(results: RunResults): Promise<void> {
    const suites = results.scenarios.map((scenario) => {
      const cells = results.cells.filter((c) => c.scenario === scenario.id);
      const time = (ms: number) => (ms / 1000).toFixed(3);
      const cases = cells.map((cell) => {
        const name = escapeXml(`${cell.probeName} [${cell.stack}, ${cell.engine}]`);
        const head = `    <testcase classname="${escapeXml(scenario.id)}" name="${name}" file="${escapeXml(scenario.file)}" time="${time(cell.observed?.durationMs ?? 0)}"`;
        if (cell.verdict === 'pass') return `${head}/>`;
        const body =
          cell.verdict === 'fail'
            ? `      <failure message="observed behaviour differs from the scenario's expectation">${escapeXml(failureText(cell))}</failure>`
            : `      <error message="${escapeXml(cell.error ?? 'harness error')}"/>`;
        return `${head}>\n${body}\n    </testcase>`;
      });
      const notRun = (results.notRun?.cells ?? []).filter((c) => c.scenario === scenario.id);
      for (const cell of notRun) {
        const name = escapeXml(`${cell.probeName} [${cell.stack}, ${cell.engine}]`);
        cases.push(`    <testcase classname="${escapeXml(scenario.id)}" name="${name}" file="${escapeXml(scenario.file)}" time="0.000">\n      <skipped message="${escapeXml(`not run: ${results.notRun!.reason}`)}"/>\n    </testcase>`);
      }
      const count = (v: string) => cells.filter((c) => c.verdict === v).length;
      return [
        `  <testsuite name="${escapeXml(`${scenario.id}: ${scenario.title}`)}" tests="${cells.length + notRun.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${notRun.length}" timestamp="${results.startedAt}">`,
        ...cases,
        '  </testsuite>',
      ].join('\n');
    });
    const { total, fail, error, notRun = 0 } = results.summary;
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="CORS Lab" tests="${total + notRun}" failures="${fail}" errors="${error}" skipped="${notRun}" time="${(results.durationMs / 1000).toFixed(3)}">`,
      ...suites,
      '</testsuites>',
      '',
    ].join('\n');
    await writeReportFile(this.outputDir, 'junit.xml', xml);
  }
}
