import { SettingsError } from '../config/settings.ts';
import { ScenarioValidationError, formatProblems } from '../scenarios/errors.ts';
import { RunSetupError } from '../run/run.ts';
import { colorEnabled, styled, STYLE } from '../system/color.ts';
import { UsageError } from './flags.ts';

/** Exit codes: 0 every cell as expected, 1 a cell failed or errored, 2 bad input (nothing was started), 128 + the signal's number when stopped by SIGINT (130) or SIGTERM (143). */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130, terminated: 143 } as const;

/**
 * A message of the CLI's own on stderr, after `corslab:`: red for an error,
 * yellow for a note, when stderr takes colour (harness/system/color.ts).
 */
export function say(message: string, kind: 'error' | 'note' | 'plain' = 'plain'): void {
  const color = colorEnabled(process.stderr);
  const prefix = kind === 'error' ? styled(color, STYLE.red, 'corslab:') : kind === 'note' ? `corslab: ${styled(color, STYLE.yellow, 'note:')}` : 'corslab:';
  process.stderr.write(`${prefix} ${message}\n`);
}

/**
 * Says what was wrong with the input, for an error that is bad input (exit
 * code 2): scenario problems, a bad flag or setting, options a run cannot
 * use. False for anything else, which is a bug worth its stack trace.
 */
export function sayBadInput(error: unknown, command?: string): boolean {
  if (error instanceof ScenarioValidationError) {
    say(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in scenario files; nothing was started.\n${formatProblems(error.problems)}`, 'error');
    return true;
  }
  if (error instanceof UsageError || error instanceof RunSetupError || error instanceof SettingsError) {
    say(error.message, 'error');
    return true;
  }
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    say(`${error.message}; see \`corslab ${command ? `${command} ` : ''}--help\``, 'error');
    return true;
  }
  return false;
}

/** A unified diff, its removed lines red and added lines green when stdout takes colour. */
export function coloredDiff(diff: string): string {
  const color = colorEnabled(process.stdout);
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return styled(color, STYLE.bold, line);
      if (line.startsWith('@@')) return styled(color, STYLE.cyan, line);
      if (line.startsWith('-')) return styled(color, STYLE.red, line);
      if (line.startsWith('+')) return styled(color, STYLE.green, line);
      return line;
    })
    .join('\n');
}
