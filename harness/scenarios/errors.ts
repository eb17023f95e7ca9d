import { printable } from '../core/text.ts';

/** One problem in one scenario file, located precisely enough to jump to it. */
export interface ScenarioProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `probes[0].fetch.method`; empty for the whole file. */
  field: string;
  message: string;
}

/** Thrown when any scenario file is invalid; carries every problem in every file. */
export class ScenarioValidationError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in scenario files:\n${formatProblems(problems)}`);
    this.name = 'ScenarioValidationError';
  }
}

/** A key that reads as one word after a dot; any other (a path such as `/old`, which has dots and slashes of its own) is quoted in brackets. */
const PLAIN_KEY = /^[^\s./[\]"]+$/;

export function fieldPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (!PLAIN_KEY.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** `file:line:column  field  message`, the shape editors and terminals link; what came from a file is printable (no terminal escape gets through). */
export function formatProblems(problems: readonly ScenarioProblem[]): string {
  return problems
    .map((p) => printable(`${p.file}:${p.line}:${p.column}  ${p.field || '(file)'}  ${p.message}`).replaceAll('\n', '\\n'))
    .join('\n');
}
