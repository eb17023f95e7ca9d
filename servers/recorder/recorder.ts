import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { defaults } from '../../harness/config/defaults.ts';
import type { Exchange } from '../../harness/results/types.ts';
import { BodyCapture, BodyReader, MAX_HEAD_BYTES, absoluteFormOf, headEnd, originFormOf, parseRequestHead, parseResponseHead, requestFraming, responseFraming, statusOf, versionOf, type ParsedHead } from './http1.ts';

export type RecordedExchange = Omit<Exchange, 'reachedHandler' | 'appHop'>;

/** Where to forward a request: one port, or a port chosen by the request's target (a proxy per scenario). */
export type Upstream = number | ((target: string) => number | undefined);

/**
 * A transparent HTTP/1.x proxy in front of the first server of a stack, at
 * the byte level (node:net). The browser talks to it as "the API"; it passes
 * on exactly the bytes each side sent, whatever the method token, header
 * casing, order, duplicates, whitespace or obsolete forms, and records both
 * sides as they were sent (servers/recorder/http1.ts frames them). A
 * duplicated Access-Control-Allow-Origin from a proxy plus an app is visible
 * here, a value padded with tabs is recorded with its tabs, and a request the
 * app's own parser refuses (`SUPER`) is recorded with the 400 it got.
 *
 * The one thing it adds is a request header line right after the request
 * line on the way upstream (`<defaults.exchangeHeader>: <seq>`) that lets the
 * app's handler say which exchange reached it. It never invents a response:
 * if the app is unreachable the browser's connection is dropped and the
 * exchange records why. When the app closes its connection after a response
 * (Node's own `400 Bad Request` with `Connection: close`), the browser's
 * connection is closed after that response too.
 *
 * A request that came through the lab's gateway (servers/gateway) is in
 * absolute form (`GET http://api.example.com/x HTTP/1.1`, with
 * Proxy-Connection), as a browser sends it to a forward proxy. It is
 * recorded as received, and passed on as a server reached directly would get
 * it: the target in origin form, without Proxy-Connection; a note on the
 * request says so. Routing and the cell token read the origin form.
 *
 * Behind a proxy a second recorder taps the hop between proxy and app. It
 * adds nothing: the header the first one added passes through the proxy, so
 * each hop's exchange names the browser-facing exchange it belongs to.
 *
 * In front of a server the user runs (`relay`, harness/core/target.ts) it
 * adds nothing either, so that server gets exactly the bytes the browser
 * sent (only an absolute-form request is passed on in origin form, as a
 * server reached directly gets it), and no cell's token can be in the URL:
 * exchanges are attributed to the cell that claim() names while it runs,
 * and the run lets one such cell run at a time.
 */
export class WireRecorder {
  private readonly server: Server;
  private readonly byCell = new Map<string, RecordedExchange[]>();
  private readonly connections = new Set<BrowserConnection>();
  private upstream: Upstream | undefined;
  private seq = 0;
  private readonly relay: boolean;
  /** Relay: the cell whose exchanges arrive now (claim()). */
  private claimed = '';

  constructor(
    private readonly host: string,
    private readonly startedAt: number,
    options: { tap?: boolean; relay?: { upstreamHost: string } } = {},
  ) {
    this.relay = options.relay !== undefined;
    // allowHalfOpen: a browser that stops sending still gets the rest of its answer.
    // noDelay: a head and its body may go out in two writes, and Nagle's algorithm
    // would hold the second until the first is acknowledged (~40 ms with delayed ACKs).
    const wire: Wire = { host: options.relay?.upstreamHost ?? host, tap: options.tap === true, relay: this.relay, record: (head, raw) => this.record(head, raw), route: (target) => this.route(target) };
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      const connection = new BrowserConnection(wire, socket);
      this.connections.add(connection);
      socket.once('close', () => this.connections.delete(connection));
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** The app's port (or a port per target); set once the stack has started (the recorder listens first so the API origin is known). */
  setUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }

  /**
   * Relay: every exchange that arrives from now on is the cell's with this
   * token, until the next claim ('' for none). The run makes sure no other
   * cell's requests are on their way to this recorder meanwhile.
   */
  claim(token: string): void {
    this.claimed = token;
  }

  /** Relay: what arrived while no cell claimed the recorder (a request the browser made on its own, or late). */
  unclaimed(): RecordedExchange[] {
    return this.exchangesFor('');
  }

  /** Exchanges attributed to a cell (by its token in the URL, or by claim() in front of a relay), in order of arrival. */
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
    for (const connection of this.connections) connection.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A new exchange, attributed to its cell. */
  private record(head: ParsedHead, rawHead: Buffer): RecordedExchange {
    const [method, target, version] = head.start;
    const has = (name: string) => head.headers.some(([n]) => n.toLowerCase() === name);
    const exchange: RecordedExchange = {
      seq: ++this.seq,
      at: Date.now() - this.startedAt,
      // A CORS preflight is an OPTIONS request carrying Access-Control-Request-Method
      // (https://fetch.spec.whatwg.org/#cors-preflight-request); methods compare case-sensitively.
      kind: has(defaults.setupHeader) ? 'setup' : method === 'OPTIONS' && has('access-control-request-method') ? 'preflight' : 'actual',
      request: {
        method,
        target,
        httpVersion: versionOf(version),
        headers: head.headers,
        ...(head.canonical ? {} : { rawHead: rawHead.toString('latin1') }),
        ...(head.notes.length > 0 ? { notes: [...head.notes] } : {}),
      },
    };
    const token = this.relay ? this.claimed : cellToken(originFormOf(target));
    const list = this.byCell.get(token) ?? [];
    list.push(exchange);
    this.byCell.set(token, list);
    return exchange;
  }

  /** The port a request goes to, or why there is none. */
  private route(target: string): number | string {
    if (this.upstream === undefined) return 'the stack had not started';
    const port = typeof this.upstream === 'function' ? this.upstream(target) : this.upstream;
    return port ?? `nothing serves ${target.split('?')[0]} on this stack`;
  }
}

export function cellToken(target: string): string {
  const query = target.indexOf('?');
  if (query < 0) return '';
  return new URLSearchParams(target.slice(query + 1)).get(defaults.cellParam) ?? '';
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * A request head as a server reached directly would get it, split after its
 * request line: unchanged for an origin-form target; for an absolute-form
 * one (sent through the lab's gateway, servers/gateway), the target in
 * origin form and no Proxy-Connection line (nor its folded continuation
 * lines), every other byte as received. A browser sends neither to a server
 * it reaches without a proxy (RFC 9112 §3.2.2; Proxy-Connection is not
 * standard, and a server would read it as a header of the request).
 */
export function directHead(raw: Buffer, head: ParsedHead): { startLine: Buffer; rest: Buffer; note?: string } {
  const [method, target] = head.start;
  const lineEnd = head.startLineEnd;
  if (!absoluteFormOf(target)) return { startLine: raw.subarray(0, lineEnd), rest: raw.subarray(lineEnd) };
  // The start line begins after the empty lines a client may send first (RFC 9112 §2.2), as parseRequestHead reads it.
  let lineStart = 0;
  while (raw[lineStart] === LF || (raw[lineStart] === CR && raw[lineStart + 1] === LF)) lineStart += raw[lineStart] === CR ? 2 : 1;
  const targetStart = lineStart + method.length + 1;
  const startLine = Buffer.concat([raw.subarray(0, targetStart), Buffer.from(originFormOf(target), 'latin1'), raw.subarray(targetStart + target.length, lineEnd)]);
  const kept: Buffer[] = [];
  let dropped = 0;
  let dropping = false;
  let i = lineEnd;
  while (i < raw.length) {
    const lf = raw.indexOf(LF, i);
    const end = lf < 0 ? raw.length : lf + 1;
    const line = raw.toString('latin1', i, end).replace(/\r?\n$/, '');
    if (line === '') {
      kept.push(raw.subarray(i));
      break;
    }
    const folded = line[0] === ' ' || line[0] === '\t';
    if (!folded) dropping = line.slice(0, Math.max(line.indexOf(':'), 0)).toLowerCase() === 'proxy-connection';
    if (dropping) {
      if (!folded) dropped++;
    } else kept.push(raw.subarray(i, end));
    i = end;
  }
  const sent = `sent through the lab's mapping proxy in absolute form (\`${method} ${target}\`)`;
  return {
    startLine,
    rest: Buffer.concat(kept),
    note: dropped > 0 ? `${sent} with Proxy-Connection; passed on to the server in origin form without it` : `${sent}; passed on to the server in origin form`,
  };
}

/** What a browser connection needs from its recorder. */
interface Wire {
  /** Where the app listens (the recorder's own bind address). */
  host: string;
  /** Behind a proxy: add nothing on the way upstream. */
  tap: boolean;
  /** In front of a server the user runs: add no header, pass an absolute-form request on in origin form. */
  relay: boolean;
  record(head: ParsedHead, raw: Buffer): RecordedExchange;
  route(target: string): number | string;
}

/** One request on a browser's connection, from its head until both its request and its response have ended. */
interface InFlight {
  exchange: RecordedExchange;
  method: string;
  upstream: UpstreamConnection;
  request: { reader: BodyReader; capture: BodyCapture; done: boolean };
  responseDone: boolean;
  /** Interim (1xx) responses that came before the final one, for its notes. */
  interim: string[];
}

/** The recorder's connection to one app port, for one browser connection. */
interface UpstreamConnection {
  port: number;
  socket: Socket;
  connected: boolean;
  closed: boolean;
  error?: Error;
  /** The exchange whose response comes next on this connection. */
  waiting?: InFlight;
  /** The last exchange sent on this connection. */
  lastExchange?: RecordedExchange;
  /** Response head bytes that have arrived so far. */
  head?: Buffer;
  body?: { reader: BodyReader; capture: BodyCapture };
}

const note = (part: { notes?: string[] }, text: string) => (part.notes ??= []).push(text);

/**
 * One browser connection: requests are read one after the other (a request
 * that arrives before the previous response has ended waits in the inbox),
 * each routed by its own target to a connection of its own to that port.
 */
class BrowserConnection {
  private inbox: Buffer[] = [];
  private current: InFlight | undefined;
  private lastUpstream: UpstreamConnection | undefined;
  private readonly upstreams = new Map<number, UpstreamConnection>();
  /** Not HTTP any more (a request that cannot be framed, 101, CONNECT): bytes go both ways as they come. */
  private tunnel: UpstreamConnection | undefined;
  /** The browser has sent its last byte (FIN). */
  private ended = false;
  /** The browser's socket is closed: nothing more can be written to it. */
  private gone = false;

  constructor(
    private readonly wire: Wire,
    private readonly socket: Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.inbox.push(chunk);
      this.pump();
    });
    socket.on('end', () => {
      this.ended = true;
      if (this.tunnel) this.tunnel.socket.end();
      this.closeIfIdle();
    });
    socket.on('drain', () => {
      for (const up of this.upstreams.values()) up.socket.resume();
    });
    socket.on('error', () => {});
    socket.on('close', () => this.browserGone());
  }

  destroy(): void {
    this.socket.destroy();
    for (const up of this.upstreams.values()) up.socket.destroy();
  }

  /** Reads what the browser sent, as far as it can go now. */
  private pump(): void {
    while (!this.socket.destroyed && this.inbox.length > 0) {
      if (this.tunnel) {
        for (const chunk of this.inbox) this.forwardRequestBytes(this.tunnel, chunk, chunk);
        this.inbox = [];
        return;
      }
      const current = this.current;
      if (current?.request.done) return; // the next request waits for this response
      if (!current) {
        const buf = this.inbox.length === 1 ? this.inbox[0]! : Buffer.concat(this.inbox);
        const end = headEnd(buf);
        if (end < 0) {
          if (buf.length <= MAX_HEAD_BYTES) {
            this.inbox = [buf];
            return;
          }
          this.inbox = [];
          this.startExchange(buf, `the request head is longer than ${MAX_HEAD_BYTES} bytes without an empty line to end it; the connection was passed on as raw bytes`);
          continue;
        }
        this.inbox = end < buf.length ? [buf.subarray(end)] : [];
        this.startExchange(buf.subarray(0, end));
        continue;
      }
      const chunk = this.inbox.shift()!;
      const read = current.request.reader.read(chunk);
      if (read.used > 0) this.forwardRequestBytes(current.upstream, chunk.subarray(0, read.used), ...read.payload);
      if (read.error) {
        note(current.exchange.request, `${read.error}: the rest of the connection was passed on as raw bytes`);
        this.tunnel = current.upstream;
        this.inbox.unshift(chunk.subarray(read.used));
        continue;
      }
      if (read.used < chunk.length) this.inbox.unshift(chunk.subarray(read.used));
      if (read.done) this.requestEnded(current);
    }
  }

  /** A request head has arrived (or `unframeable` says why the bytes cannot be framed): record it, route it, send it on. */
  private startExchange(raw: Buffer, unframeable?: string): void {
    const head = parseRequestHead(raw);
    const exchange = this.wire.record(head, raw);
    const port = this.wire.route(originFormOf(exchange.request.target));
    if (typeof port === 'string') {
      exchange.upstreamError = port;
      this.destroy();
      return;
    }
    const { framing, note: framingNote } = unframeable ? { framing: { kind: 'tunnel' } as const, note: unframeable } : requestFraming(head.headers);
    if (framingNote) note(exchange.request, framingNote);
    const upstream = this.upstreamFor(port);
    const current: InFlight = {
      exchange,
      method: exchange.request.method,
      upstream,
      request: { reader: new BodyReader(framing), capture: new BodyCapture(defaults.maxBodyBytes), done: false },
      responseDone: false,
      interim: [],
    };
    this.current = current;
    this.lastUpstream = upstream;
    upstream.waiting = current;
    upstream.lastExchange = exchange;
    // The documented changes on the way upstream: a header line naming the exchange, right after the
    // request line; and a request in absolute form passed on in origin form, without Proxy-Connection.
    const lineEnd = head.startLineEnd;
    if (this.wire.tap || raw[lineEnd - 1] !== 0x0a) upstream.socket.write(raw);
    else {
      const direct = directHead(raw, head);
      if (direct.note) note(exchange.request, direct.note);
      const mark = this.wire.relay ? [] : [Buffer.from(`${defaults.exchangeHeader}: ${exchange.seq}\r\n`, 'latin1')];
      upstream.socket.write(Buffer.concat([direct.startLine, ...mark, direct.rest]));
    }
    if (framing.kind === 'tunnel') {
      this.tunnel = upstream;
      return;
    }
    if (current.request.reader.done) this.requestEnded(current);
  }

  private forwardRequestBytes(upstream: UpstreamConnection, bytes: Buffer, ...payload: Buffer[]): void {
    if (!upstream.socket.write(bytes)) this.socket.pause();
    const request = this.current?.request;
    if (request) for (const part of payload) request.capture.add(part);
  }

  private requestEnded(current: InFlight): void {
    current.request.done = true;
    this.saveRequestBody(current);
    this.finishIfDone(current);
  }

  private saveRequestBody(current: InFlight): void {
    const { capture } = current.request;
    if (capture.size === 0) return;
    current.exchange.request.body = capture.text();
    current.exchange.request.bodyBytes = capture.size;
  }

  private finishIfDone(current: InFlight): void {
    if (!current.request.done || !current.responseDone || this.current !== current) return;
    this.current = undefined;
    if (this.gone) return this.destroy();
    if (this.ended) return this.closeIfIdle();
    // A request that waited goes out on the next tick: whatever else the app
    // sent in the same read is dealt with first, so it is never taken for the
    // answer to a request that had not even been sent.
    process.nextTick(() => this.pump());
  }

  private upstreamFor(port: number): UpstreamConnection {
    const existing = this.upstreams.get(port);
    if (existing && !existing.closed) return existing;
    const socket = connect({ host: this.wire.host, port, noDelay: true });
    const up: UpstreamConnection = { port, socket, connected: false, closed: false };
    this.upstreams.set(port, up);
    socket.on('connect', () => (up.connected = true));
    socket.on('data', (chunk: Buffer) => this.fromUpstream(up, chunk));
    socket.on('drain', () => this.socket.resume());
    socket.on('error', (error) => (up.error ??= error));
    socket.on('end', () => this.upstreamGone(up));
    socket.on('close', () => this.upstreamGone(up));
    return up;
  }

  private toBrowser(bytes: Buffer, from: UpstreamConnection): void {
    if (this.gone) return;
    if (!this.socket.write(bytes)) from.socket.pause();
  }

  /** Bytes from the app: the response to the exchange waiting on this connection, framed, passed on as they come. */
  private fromUpstream(up: UpstreamConnection, chunk: Buffer): void {
    let bytes = chunk;
    while (bytes.length > 0) {
      const current = up.waiting;
      if (!current || current.responseDone) return this.unsolicited(up, bytes);
      const exchange = current.exchange;
      if (!up.body) {
        const buf: Buffer = up.head ? Buffer.concat([up.head, bytes]) : bytes;
        const end = headEnd(buf);
        if (end < 0 && buf.length <= MAX_HEAD_BYTES) {
          up.head = buf;
          return;
        }
        up.head = undefined;
        const raw = end < 0 ? buf : buf.subarray(0, end);
        bytes = end < 0 ? Buffer.alloc(0) : buf.subarray(end);
        const head = parseResponseHead(raw);
        const status = statusOf(head.start[1]);
        if (end >= 0 && status >= 100 && status < 200 && status !== 101) {
          // An interim response (100 Continue, 103 Early Hints): the final one follows for the same request.
          current.interim.push(`the app sent an interim response first: ${head.start.join(' ')}`);
          this.toBrowser(raw, up);
          continue;
        }
        const { framing, note: framingNote } =
          end < 0 ? { framing: { kind: 'close' } as const, note: `the response head is longer than ${MAX_HEAD_BYTES} bytes without an empty line to end it; it was passed on as raw bytes until the app closed the connection` } : responseFraming(current.method, status, head.headers);
        // Recorded before the first byte goes to the browser, so by the time
        // JavaScript sees anything the evidence is already here.
        const response: NonNullable<RecordedExchange['response']> = {
          httpVersion: versionOf(head.start[0]),
          status,
          statusText: head.start[2],
          headers: head.headers,
          ...(head.canonical ? {} : { rawHead: raw.toString('latin1') }),
          complete: false,
        };
        for (const text of [...current.interim, ...head.notes]) note(response, text);
        if (framingNote) note(response, framingNote);
        exchange.response = response;
        up.body = { reader: new BodyReader(framing), capture: new BodyCapture(defaults.maxBodyBytes) };
        this.toBrowser(raw, up);
        if (framing.kind === 'tunnel') {
          this.tunnel = up;
          this.responseEnded(up, current);
          continue;
        }
        if (up.body.reader.done) this.responseEnded(up, current);
        continue;
      }
      const read = up.body.reader.read(bytes);
      if (read.used > 0) this.toBrowser(bytes.subarray(0, read.used), up);
      for (const part of read.payload) up.body.capture.add(part);
      if (read.error) {
        note(exchange.response!, `${read.error}: the rest was passed on as raw bytes until the app closed the connection`);
        up.body.reader = new BodyReader({ kind: 'close' });
      }
      bytes = bytes.subarray(read.used);
      if (read.done) this.responseEnded(up, current);
    }
  }

  private responseEnded(up: UpstreamConnection, current: InFlight): void {
    const response = current.exchange.response!;
    const capture = up.body?.capture;
    if (capture && capture.size > 0) {
      response.body = capture.text();
      response.bodyBytes = capture.size;
      if (capture.truncated) response.bodyTruncated = true;
    }
    if (this.gone) note(response, 'the browser had closed its connection before the end of the response; the recorder read the rest from the app');
    response.complete = true;
    current.responseDone = true;
    up.body = undefined;
    up.waiting = undefined;
    this.finishIfDone(current);
  }

  /**
   * Bytes from the app with no request waiting for them. Passed on (and
   * noted) when this connection carried the browser's last request and
   * nothing else is in flight, as a plain proxy would; dropped (and noted)
   * when they would land in the middle of another response.
   */
  private unsolicited(up: UpstreamConnection, bytes: Buffer): void {
    if (this.tunnel === up) return this.toBrowser(bytes, up);
    const pass = !this.current && this.lastUpstream === up;
    const response = up.lastExchange?.response;
    if (response) note(response, `the app sent ${bytes.length} more bytes after this response; they were ${pass ? 'passed on' : 'dropped, as another request was in flight on the browser\'s connection'}`);
    if (pass) this.toBrowser(bytes, up);
  }

  /** The app's side closed (or failed): finish a close-delimited response, or say why the response is missing. */
  private upstreamGone(up: UpstreamConnection): void {
    if (up.closed) return;
    up.closed = true;
    up.socket.destroy();
    if (this.upstreams.get(up.port) === up) this.upstreams.delete(up.port);
    const current = up.waiting;
    if (current && !current.responseDone) {
      const exchange = current.exchange;
      const kind = up.body?.reader.framing.kind;
      if (exchange.response && (kind === 'close' || kind === 'tunnel') && !up.error) {
        if (!current.request.done) this.saveRequestBody(current);
        this.responseEnded(up, current);
        // The app closed its connection after its answer: so does the recorder, after passing the answer on.
        this.closeBrowser();
      } else {
        const why = up.error ? `: ${up.error.message}` : '';
        exchange.upstreamError =
          !up.connected ? `the app could not be reached${why}`
          : exchange.response ? `the app broke off its response${why}`
          : up.head ? `the app closed the connection in the middle of its response head (${up.head.length} bytes, not passed on)${why}`
          : `the app closed the connection without answering${why}`;
        if (current.request.capture.size > 0 && exchange.request.body === undefined) this.saveRequestBody(current);
        this.current = undefined;
        this.destroy();
      }
      return;
    }
    if (this.tunnel === up || (this.lastUpstream === up && !this.current)) this.closeBrowser();
  }

  /** Ends the browser's side once everything written so far has gone out. */
  private closeBrowser(): void {
    if (this.current && !this.current.responseDone) return;
    for (const other of this.upstreams.values()) other.socket.destroy();
    if (!this.gone) this.socket.end();
  }

  private closeIfIdle(): void {
    if (this.current || this.tunnel) return;
    this.closeBrowser();
  }

  private browserGone(): void {
    this.gone = true;
    const current = this.current;
    if (current?.request.done && !current.responseDone) {
      // Keep reading the answer, so the record holds all of it; then let go.
      current.upstream.socket.resume();
      for (const up of this.upstreams.values()) if (up !== current.upstream) up.socket.destroy();
      return;
    }
    if (current && !current.request.done) this.saveRequestBody(current);
    for (const up of this.upstreams.values()) up.socket.destroy();
  }
}
