/**
 * Playwright drives a stock Firefox over WebDriver BiDi, and each
 * playwright-core release sends the BiDi commands of the Firefox it was built
 * against. A Firefox that does not know one answers "unknown command", e.g.
 * playwright-core 1.65.1 with Firefox ESR 153 at newContext:
 *   browser.newContext: Protocol error (emulation.setMediaFeaturesOverride): unknown command
 */
const UNKNOWN_COMMAND = /Protocol error \(([\w.]+)\):\s*unknown command|unknown command[^\n]*?\b([a-z]+\.[a-zA-Z]+)\b/;

export interface Versions {
  /** e.g. "153.7.0", or "unknown". */
  firefox: string;
  /** The playwright-core that is installed. */
  playwrightCore: string;
  /** The playwright-core this project's package.json asks for. */
  pinned: string;
}

/** A plain, one-line error for a protocol mismatch, or undefined when `error` is something else. */
export function protocolMismatch(error: unknown, step: string, versions: Versions): Error | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = UNKNOWN_COMMAND.exec(message);
  if (!match) return undefined;
  const command = match[1] ?? match[2] ?? 'a command';
  const advice =
    versions.playwrightCore === versions.pinned
      ? `playwright-core ${versions.pinned} is the version this project pins, so this Firefox is the odd one out: use the Firefox the project is tested with (Firefox ESR 153) or Playwright's own Firefox (npx playwright install firefox), or point CORSLAB_FIREFOX_PATH at one`
      : `this project pins playwright-core ${versions.pinned}, which works with Firefox ESR 153: reinstall the pinned version with \`npm ci\` (or \`npm install playwright-core@${versions.pinned}\`)`;
  return new Error(
    `Firefox ${versions.firefox} and playwright-core ${versions.playwrightCore} disagree on the WebDriver BiDi protocol: at ${step}, playwright-core sent ${command}, which this Firefox does not know; ${advice}.`,
  );
}
