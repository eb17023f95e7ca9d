import { request as httpRequest } from 'node:http';
import { defaults } from '../config/defaults.ts';

/**
 * A probe's warm-up: the same URL fetched once as a GET with another page's
 * Origin, the way that page's browser would have before (to fill a proxy's
 * cache). Made by the harness, marked with defaults.setupHeader so the
 * recorder files it as setup, never as the probe's own exchange.
 */
export async function warmUp(url: string, origin: string, timeoutMs: number, recorderPort: number): Promise<void> {
  await harnessGet(url, { Origin: origin, [defaults.setupHeader]: '1' }, timeoutMs, recorderPort);
}

/**
 * A GET the harness makes itself to the recorder in front of a stack, as if
 * to `url` (its Host), with these headers; or, with `viaProxy`, to the lab's
 * mapping proxy in absolute form, as a browser asks a proxy. Resolves with
 * the status.
 */
export function harnessGet(url: string, headers: Record<string, string>, timeoutMs: number, recorderPort: number, viaProxy?: string): Promise<number> {
  const target = new URL(url);
  const proxy = viaProxy ? new URL(`http://${viaProxy}`) : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: defaults.bindAddress,
        // Straight to the recorder in front of the stack: a declared origin (https://api.example.com) has no port of its own here.
        port: proxy ? Number(proxy.port) : recorderPort,
        path: proxy ? target.href : `${target.pathname}${target.search}`,
        headers: { Host: target.host, ...headers },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
