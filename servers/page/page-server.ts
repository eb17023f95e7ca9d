import { createServer, type Server } from 'node:http';
import { closeServer, listenOnFreePort } from '../listen.ts';

/** The blank page every probe runs in. It has no script of its own: the probe's code is the only code on it. */
const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>CORS Lab page</title></head><body></body></html>';

/**
 * Serves the pages the probes run in: `app.example.localhost` (the API's own
 * site) and `evil.localhost` (an attacker's site) on one port. They are
 * different origins because their hosts differ.
 */
export class PageServer {
  private readonly server: Server = createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(PAGE);
      return;
    }
    // No favicon: keeps the wire quiet and the logs clean.
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });

  listen(host: string): Promise<number> {
    return listenOnFreePort(this.server, host);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
