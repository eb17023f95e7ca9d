import { createServer, type IncomingHttpHeaders } from 'node:http';
import { defaults } from '../../harness/config/defaults.ts';
import { closeServer, listenOnFreePort } from '../../harness/system/listen.ts';

/**
 * Which requests reached an app's handler. The recorder tags every request it
 * forwards with an exchange number (defaults.exchangeHeader); the handler
 * marks that number when it runs, so the evidence can say whether a request
 * that the browser blocked still ran its side effects on the server.
 */
export class HandlerLog {
  private readonly handled = new Set<string>();

  /** Handlers await it: in a container (servers/runtimes/docker/app-main.ts) the mark goes to the host and must be in before the response leaves. */
  mark(headers: IncomingHttpHeaders): void | Promise<void> {
    const exchange = headers[defaults.exchangeHeader];
    if (typeof exchange === 'string') this.handled.add(exchange);
  }

  reached(exchange: number): boolean {
    return this.handled.has(String(exchange));
  }

  /**
   * For a handler in another process (Next.js): an endpoint on loopback where
   * `POST /mark` with the exchange header marks that exchange, as mark() does.
   * It answers only once marked, so a handler that awaits the answer before it
   * responds is always marked before the browser sees its response.
   */
  async listen(host: string): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/mark') {
        res.writeHead(404).end();
        return;
      }
      this.mark(req.headers);
      res.writeHead(204).end();
    });
    const port = await listenOnFreePort(server, host);
    return { url: `http://${host}:${port}/mark`, close: () => closeServer(server) };
  }
}
