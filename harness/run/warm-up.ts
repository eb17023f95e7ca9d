import { request as httpRequest } from 'node:http';
import { defaults } from '../config/defaults.ts';

/**
 * A probe's warm-up: the same URL fetched once as a GET with another page's
 * Origin, the way that page's browser would have before (to fill a proxy's
 * cache). Made by the harness, marked with defaults.setupHeader so the
 * recorder files it as setup, never as the probe's own exchange.
 */
export function warmUp(url: string, origin: string, timeoutMs: number, recorderPort: number): Promise<void> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: defaults.bindAddress,
        // Straight to the recorder in front of the stack: a declared origin (https://api.example.com) has no port of its own here.
        port: recorderPort,
        path: `${target.pathname}${target.search}`,
        headers: { Host: target.host, Origin: origin, [defaults.setupHeader]: '1' },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
