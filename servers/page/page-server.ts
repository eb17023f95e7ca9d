import { createServer, type Server } from 'node:http';
import { closeServer, listenOnFreePort } from '../../harness/system/listen.ts';
import { COOKIE_SETUP_PATH, setCookieHeader } from './cookies.ts';
import type { CookieSpec } from '../../harness/core/format.ts';

/** The blank page every probe runs in. It has no script of its own: the probe's code is the only code on it. */
const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>CORS Lab page</title></head><body></body></html>';

/** `http://host/path?q` -> `/path?q`; an origin-form target as it is. */
function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return target;
  }
}

/**
 * Serves the pages the probes run in: `app.example.localhost` (the API's own
 * site) and `evil.localhost` (an attacker's site) on one port. They are
 * different origins because their hosts differ.
 *
 * Visited as `api.example.localhost` on this port, it also sets a scenario's
 * cookies first-party for the API's host: cookies are scoped to a host, not a
 * port (RFC 6265 section 8.5), so the API on its own port receives them.
 */
export class PageServer {
  /** Other pages by path, for the hands-on lab (harness/cli/hands-on.ts); a run serves only the blank page. */
  readonly extraPages = new Map<string, { type: string; body: string }>();

  private readonly server: Server = createServer((req, res) => {
    // A page at a declared http origin comes through the lab's mapping proxy in absolute form (`GET http://app.example.com/`).
    req.url = originForm(req.url ?? '/');
    const extra = this.extraPages.get(req.url);
    if (extra) {
      res.writeHead(200, { 'Content-Type': extra.type, 'Cache-Control': 'no-store' });
      res.end(extra.body);
      return;
    }
    if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(PAGE);
      return;
    }
    if (req.url?.startsWith(`${COOKIE_SETUP_PATH}?`)) {
      try {
        const spec = new URL(req.url, 'http://page.localhost').searchParams.get('spec') ?? '[]';
        const cookies = JSON.parse(spec) as CookieSpec[];
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Set-Cookie': cookies.map(setCookieHeader) });
        res.end(`<!doctype html><title>cookies set</title><p>${cookies.length} cookies set`);
      } catch (error) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(error instanceof Error ? error.message : 'bad cookie spec');
      }
      return;
    }
    // No favicon: keeps the wire quiet and the logs clean.
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });

  listen(host: string, port = 0): Promise<number> {
    return listenOnFreePort(this.server, host, port);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
