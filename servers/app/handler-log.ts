import type { IncomingHttpHeaders } from 'node:http';
import { defaults } from '../../harness/config/defaults.ts';

/**
 * Which requests reached an app's handler. The recorder tags every request it
 * forwards with an exchange number (defaults.exchangeHeader); the handler
 * marks that number when it runs, so the evidence can say whether a request
 * that the browser blocked still ran its side effects on the server.
 */
export class HandlerLog {
  private readonly handled = new Set<string>();

  mark(headers: IncomingHttpHeaders): void {
    const exchange = headers[defaults.exchangeHeader];
    if (typeof exchange === 'string') this.handled.add(exchange);
  }

  reached(exchange: number): boolean {
    return this.handled.has(String(exchange));
  }
}
