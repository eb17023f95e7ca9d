import { existsSync } from 'node:fs';
import { spawnOwned } from '../../system/children.ts';

export const XVFB = '/usr/bin/Xvfb';

/** An X display for WebKitGTK, which cannot run without one (there is no headless mode). */
export interface XDisplay {
  /** The value for DISPLAY, e.g. ":1". */
  readonly name: string;
  /** Whether this driver started it (and so stops it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

/**
 * The user's display when DISPLAY is set; otherwise a private Xvfb. Xvfb picks
 * a free display number itself and writes it to -displayfd once it accepts
 * connections, so there is no race on display numbers and no polling.
 * -nolisten tcp keeps it to its local socket.
 */
export async function acquireDisplay(timeoutMs = 10_000): Promise<XDisplay> {
  const existing = process.env.DISPLAY;
  if (existing) return { name: existing, owned: false, stop: async () => {} };
  if (!existsSync(XVFB)) throw new Error(`WebKitGTK needs an X display: DISPLAY is unset and ${XVFB} is missing (apt-get install xvfb)`);

  const xvfb = spawnOwned(XVFB, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const fd = xvfb.process.stdio[3] as NodeJS.ReadableStream | null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const display = await new Promise<string>((resolve, reject) => {
      let text = '';
      fd?.setEncoding('utf8');
      fd?.on('data', (chunk: string) => {
        text += chunk;
        const match = /^(\d+)\n/.exec(text);
        if (match) resolve(`:${match[1]}`);
      });
      xvfb.process.once('error', (error) => reject(new Error(`could not start Xvfb: ${error.message}`)));
      xvfb.process.once('exit', (code, signal) =>
        reject(new Error(`Xvfb exited (${signal ?? `code ${code}`}) before it opened a display: ${xvfb.stderr().trim().split('\n').at(-1) ?? ''}`)),
      );
      timer = setTimeout(() => reject(new Error(`Xvfb did not open a display within ${timeoutMs} ms`)), timeoutMs);
    });
    xvfb.unref();
    return { name: display, owned: true, stop: () => xvfb.stop() };
  } catch (error) {
    await xvfb.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
