import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { defaults } from '../../harness/config/defaults.ts';
import { closeServer, listenOnFreePort } from '../../harness/system/listen.ts';
import type { Exchange, RawHeader } from '../../harness/results/types.ts';

export type RecordedExchange = Omit<Exchange, 'reachedHandler' | 'appHop'>;

/** Where to forward a request: one port, or a port chosen by the request's target (a proxy per scenario). */
export type Upstream = number | ((target: string) => number | undefined);

/**
 * A transparent HTTP proxy in front of the first server of a stack. The
 * browser talks to it as "the API"; it passes every request and response on
 * unchanged and keeps them as they were sent: header names with their case,
 * values, order and duplicates (Node's rawHeaders). A duplicated
 * Access-Control-Allow-Origin from a proxy plus an app is visible here, and a
 * preflight that never reached the app is told apart from one that did.
 *
 * The one thing it adds is a request header on the way upstream
 * (defaults.exchangeHeader) that lets the app's handler say which exchange
 * reached it. It never invents a response: if the app is unreachable the
 * browser's connection is dropped and the exchange records why.
 *
 * Behind a proxy a second recorder taps the hop between proxy and app. It
 * adds nothing: the header the first one added passes through the proxy, so
 * each hop's exchange names the browser-facing exchange it belongs to.
 */
export class WireRecorder {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly byCell = new Map<string, RecordedExchange[]>();
  private upstream: Upstream | undefined;
  private seq = 0;

  constructor(
    private readonly host: string,
    private readonly startedAt: number,
    private readonly options: { tap?: boolean } = {},
  ) {
    this.server = createServer((req, res) => this.forward(req, res));
  }

  listen(): Promise<number> {
    return listenOnFreePort(this.server, this.host);
  }

  /** The app's port (or a port per target); set once the stack has started (the recorder listens first so the API origin is known). */
  setUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }

  /** Exchanges attributed to a cell (by its token in the URL), in order of arrival. */
  exchangesFor(token: string): RecordedExchange[] {
    return this.byCell.get(token) ?? [];
  }

  /**
   * Resolves when every exchange of a cell has its response passed on in full
   * (or has failed), or after `timeoutMs`. A browser may reject a blocked
   * response as soon as the headers arrive, while the last bytes are still
   * on their way through the recorder.
   */
  async settled(token: string, timeoutMs: number): Promise<void> {
    const done = () => this.exchangesFor(token).every((e) => e.upstreamError !== undefined || e.response?.complete);
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await closeServer(this.server);
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const seq = ++this.seq;
    const target = req.url ?? '/';
    const headers = pairs(req.rawHeaders);
    const exchange: RecordedExchange = {
      seq,
      at: Date.now() - this.startedAt,
      // A CORS preflight is an OPTIONS request carrying Access-Control-Request-Method
      // (https://fetch.spec.whatwg.org/#cors-preflight-request).
      kind: headers.some(([n]) => n.toLowerCase() === defaults.setupHeader)
        ? 'setup'
        : req.method === 'OPTIONS' && headers.some(([n]) => n.toLowerCase() === 'access-control-request-method')
          ? 'preflight'
          : 'actual',
      request: { method: req.method ?? 'GET', target, httpVersion: req.httpVersion, headers },
    };
    const token = cellToken(target);
    const list = this.byCell.get(token) ?? [];
    list.push(exchange);
    this.byCell.set(token, list);

    const port = typeof this.upstream === 'function' ? this.upstream(target) : this.upstream;
    if (port === undefined) {
      exchange.upstreamError = this.upstream === undefined ? 'the stack had not started' : `nothing serves ${target.split('?')[0]} on this stack`;
      res.destroy();
      return;
    }
    const upstream = httpRequest({
      host: this.host,
      port,
      method: req.method,
      path: target,
      headers: this.options.tap ? req.rawHeaders : [...req.rawHeaders, defaults.exchangeHeader, String(seq)],
      agent: this.agent,
    });
    const requestBody = new BodyCapture();
    req.on('data', (chunk: Buffer) => requestBody.add(chunk));
    req.on('end', () => {
      if (requestBody.size > 0) {
        exchange.request.body = requestBody.text();
        exchange.request.bodyBytes = requestBody.size;
      }
    });
    req.pipe(upstream);

    upstream.on('response', (up) => {
      const responseBody = new BodyCapture();
      // Recorded before the first byte goes to the browser, so by the time
      // JavaScript sees anything the evidence is already here.
      exchange.response = {
        httpVersion: up.httpVersion,
        status: up.statusCode ?? 0,
        statusText: up.statusMessage ?? '',
        headers: pairs(up.rawHeaders),
        complete: false,
      };
      res.sendDate = false;
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
      up.on('data', (chunk: Buffer) => {
        responseBody.add(chunk);
        res.write(chunk);
      });
      up.on('end', () => {
        const response = exchange.response!;
        if (responseBody.size > 0) {
          response.body = responseBody.text();
          response.bodyBytes = responseBody.size;
          if (responseBody.truncated) response.bodyTruncated = true;
        }
        response.complete = true;
        res.end();
      });
      up.on('error', (error) => {
        exchange.upstreamError = `the app broke off its response: ${error.message}`;
        res.destroy();
      });
    });
    upstream.on('error', (error) => {
      exchange.upstreamError = `the app could not be reached: ${error.message}`;
      res.destroy();
    });
  }
}

export function cellToken(target: string): string {
  const query = target.indexOf('?');
  if (query < 0) return '';
  return new URLSearchParams(target.slice(query + 1)).get(defaults.cellParam) ?? '';
}

function pairs(raw: string[]): RawHeader[] {
  const out: RawHeader[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

class BodyCapture {
  private readonly chunks: Buffer[] = [];
  size = 0;
  truncated = false;

  add(chunk: Buffer): void {
    const room = defaults.maxBodyBytes - this.chunks.reduce((n, c) => n + c.length, 0);
    this.size += chunk.length;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    if (chunk.length > room) this.truncated = true;
    this.chunks.push(chunk.subarray(0, room));
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
