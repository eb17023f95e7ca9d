/**
 * A server the user runs, put behind the lab's recorder (`server.url` in a
 * scenario, `--target` on `corslab run`, `corslab audit --target`). The lab
 * does not start it and does not know its code: it only relays to it.
 *
 * Only loopback is allowed (127.0.0.1, ::1, localhost), over plain http with
 * an explicit port: tests and runs contact nothing but this machine, and the
 * lab's own https (its run-time CA) ends at its mapping proxy, in front.
 */

/** A target server as a column of the matrix knows it. */
export interface TargetServer {
  /** As written, normalised by the URL parser: `http://127.0.0.1:3000/api/items`. */
  url: string;
  /** `127.0.0.1`, `::1` (no brackets) or `localhost`. */
  host: string;
  port: number;
  /** The path the scenario's `{api}` points at (`/api/items`), without a trailing slash: `''` for none. */
  basePath: string;
}

/** Every column of a target server starts with this: `url:127.0.0.1:3000`. */
export const TARGET_STACK_PREFIX = 'url:';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The server a `server.url` or `--target` names, or why it cannot be one. */
export function parseTarget(value: string): { target: TargetServer; problem?: undefined } | { problem: string; target?: undefined } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `${JSON.stringify(value)} is not a URL; write it like http://127.0.0.1:3000` };
  }
  if (url.protocol !== 'http:') return { problem: `${JSON.stringify(value)} is ${url.protocol.slice(0, -1)}; the lab relays to your server over plain http (its own https ends at the lab's mapping proxy, in front)` };
  if (url.username || url.password) return { problem: `${JSON.stringify(value)} carries user info; give the server's address only` };
  if (!LOOPBACK.has(url.hostname)) return { problem: `${url.hostname} is not this machine: only 127.0.0.1, ::1 or localhost may be a target (the lab contacts nothing but loopback)` };
  // The URL parser drops a default port (:80), so look at what was written too.
  const written = /^http:\/\/(?:\[[^\]]*\]|[^/:?#]*):(\d+)/i.exec(value)?.[1];
  if (written === undefined) return { problem: `${JSON.stringify(value)} names no port; write the port your server listens on (http://127.0.0.1:3000)` };
  const port = Number(written);
  if (port < 1 || port > 65535) return { problem: `port ${written} is not a TCP port (1-65535)` };
  if (url.search || url.hash) return { problem: `${JSON.stringify(value)} has a query or fragment; give the base path only (probes add their own paths)` };
  const basePath = url.pathname.replace(/\/+$/, '');
  return { target: { url: `http://${url.port ? url.host : `${url.host}:${port}`}${basePath}`, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, basePath } };
}

/** The matrix column of a target server: `url:127.0.0.1:3000` (the base path is the scenario's, not the column's). */
export function targetStackName(target: TargetServer): string {
  return `${TARGET_STACK_PREFIX}${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

export function isTargetStack(name: string): boolean {
  return name.startsWith(TARGET_STACK_PREFIX);
}

/** `http://127.0.0.1:3000` for a column `url:127.0.0.1:3000`. */
export function targetStackOrigin(name: string): string {
  return `http://${name.slice(TARGET_STACK_PREFIX.length)}`;
}
