/**
 * Whether to colour what goes to a stream, by the conventions every CLI
 * follows, in the order Node's own `tty.WriteStream#hasColors` reads them
 * (https://nodejs.org/api/tty.html#writestreamgetcolordepthenv):
 *
 * - `FORCE_COLOR`: set, colour even when the stream is not a terminal (a CI
 *   log); `0` or `false` turns colour off. It wins over NO_COLOR, as in Node.
 * - `NO_COLOR` (https://no-color.org): set and not empty, no colour.
 * - Otherwise colour on a terminal, unless `TERM=dumb`.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** SGR codes the CLI uses. */
export const STYLE = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36 } as const;

/** `text` in one style when `on`, as is otherwise. */
export function styled(on: boolean, code: number, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}
