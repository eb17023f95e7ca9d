/**
 * HTTP/1.x message framing for the wire recorder: where a head ends, what its
 * start line and header lines say exactly as sent, and where the body ends.
 * Only what a recorder needs, and lenient on purpose: it never rejects what
 * it can frame (any method token, lowercase included; any header casing,
 * order, duplicates and whitespace; obsolete line folds; bare LF line ends),
 * and when it cannot frame a message it says why, so the recorder passes the
 * bytes on as they are and notes it.
 *
 * Why not a parser library: Node's llhttp (also with --insecure-http-parser,
 * and undici's WebAssembly build of it, whose lenient flags cover headers,
 * chunk lengths and keep-alive but not methods) answers `patch` and `SUPER`
 * with HPE_INVALID_METHOD, and http-parser-js 0.5.10 matches the request line
 * against /^([A-Z-]+) .../ and a fixed method list. Both also hand out header
 * values with the surrounding whitespace removed. None can back a byte-exact
 * recorder, so this file frames messages itself and keeps the bytes.
 *
 * Heads are decoded one char per byte (latin1), as Node and the Fetch
 * standard's byte strings do; bodies stay Buffers.
 * Syntax: RFC 9112 (https://www.rfc-editor.org/rfc/rfc9112).
 */
import type { RawHeader } from '../../harness/results/types.ts';

const LF = 0x0a;
const CR = 0x0d;

/** A head with no end after this many bytes is not HTTP the recorder can frame (Node's own limit is 16 KiB). */
export const MAX_HEAD_BYTES = 256 * 1024;

/** What the head of a request or response says, exactly as sent. */
export interface ParsedHead {
  /** The start line's three parts: method, target, version token; or version token, status code, reason phrase. */
  start: [string, string, string];
  /** Header lines in order, duplicates kept: the name as sent, the value after the colon less one separator space (an obs-fold reads as one space). */
  headers: RawHeader[];
  /** Offset in the head just past the start line's line end: where the recorder adds its one header line. */
  startLineEnd: number;
  /** The head is exactly the canonical serialization of `start` and `headers` (see canonicalHead). */
  canonical: boolean;
  /** What could not be read as a header line, in plain words. */
  notes: string[];
}

/**
 * Index just past the empty line that ends the head that starts at 0, or -1
 * when it has not all arrived. Empty lines before the start line are skipped,
 * as RFC 9112 §2.2 lets a server do; a line may end in CRLF or a bare LF.
 */
export function headEnd(buf: Buffer): number {
  let lineStart = 0;
  let content = false;
  for (;;) {
    const lf = buf.indexOf(LF, lineStart);
    if (lf < 0) return -1;
    const empty = lf === lineStart || (lf === lineStart + 1 && buf[lineStart] === CR);
    if (empty && content) return lf + 1;
    if (!empty) content = true;
    lineStart = lf + 1;
  }
}

/** The lines of a head (line ends removed: LF, and one CR before it), each with the offset just past its line end. */
function lines(raw: Buffer): { text: string; end: number }[] {
  const out: { text: string; end: number }[] = [];
  let start = 0;
  while (start < raw.length) {
    let lf = raw.indexOf(LF, start);
    if (lf < 0) lf = raw.length;
    const stop = lf > start && raw[lf - 1] === CR ? lf - 1 : lf;
    out.push({ text: raw.toString('latin1', start, stop), end: Math.min(lf + 1, raw.length) });
    start = lf + 1;
  }
  return out;
}

function parseHead(raw: Buffer, splitStart: (line: string) => [string, string, string], startLineOf: (start: [string, string, string]) => string): ParsedHead {
  const all = lines(raw);
  let i = 0;
  while (i < all.length && all[i]!.text === '') i++; // empty lines before the start line
  const startLine = all[i] ?? { text: '', end: raw.length };
  const start = splitStart(startLine.text);
  const headers: RawHeader[] = [];
  const notes: string[] = [];
  for (const { text } of all.slice(i + 1)) {
    if (text === '') break;
    if (text[0] === ' ' || text[0] === '\t') {
      const last = headers.at(-1);
      if (!last) {
        // RFC 9112 §2.2: whitespace-preceded lines before the first header are consumed unprocessed.
        notes.push(`a line that starts with whitespace before the first header line was not read as a header: ${JSON.stringify(text)}`);
        continue;
      }
      // RFC 9112 §5.2: a recipient replaces each obs-fold (OWS CRLF RWS) with SP before interpreting the value.
      last[1] = `${last[1].replace(/[ \t]+$/, '')} ${text.replace(/^[ \t]+/, '')}`;
      notes.push(`the value of ${last[0]} continues on a folded line (obs-fold), recorded as one space`);
      continue;
    }
    const colon = text.indexOf(':');
    if (colon < 0) {
      notes.push(`a header line without a colon was not read as a header: ${JSON.stringify(text)}`);
      continue;
    }
    const value = text.slice(colon + 1);
    headers.push([text.slice(0, colon), value.startsWith(' ') ? value.slice(1) : value]);
  }
  const canonical = raw.toString('latin1') === canonicalHead(startLineOf(start), headers);
  return { start, headers, startLineEnd: startLine.end, canonical, notes };
}

/** `HTTP/1.1` -> `1.1`, as Exchange.httpVersion holds it; anything else is kept whole (and the canonical form then differs). */
export function versionOf(token: string): string {
  return token.startsWith('HTTP/') ? token.slice(5) : token;
}

/**
 * request-line = method SP request-target SP HTTP-version: the method up to
 * the first space, the version after the last one, the target in between
 * (extra spaces included, so the line can be rebuilt byte for byte).
 */
export function parseRequestHead(raw: Buffer): ParsedHead {
  return parseHead(
    raw,
    (line) => {
      const first = line.indexOf(' ');
      if (first < 0) return [line, '', ''];
      const last = line.lastIndexOf(' ');
      if (last === first) return [line.slice(0, first), line.slice(first + 1), ''];
      return [line.slice(0, first), line.slice(first + 1, last), line.slice(last + 1)];
    },
    ([method, target, version]) => `${method} ${target} HTTP/${versionOf(version)}`,
  );
}

/**
 * The scheme and authority of an absolute-form request target (RFC 9112
 * §3.2.2: `http://host:port/path?query`, what a browser sends to a forward
 * proxy such as the lab's gateway), or undefined for any other form
 * (origin-form `/path?query`, authority-form `host:port`, asterisk-form `*`).
 */
export function absoluteFormOf(target: string): { scheme: string; authority: string; rest: string } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(target);
  return match ? { scheme: match[1]!.toLowerCase(), authority: match[2]!, rest: match[3]! } : undefined;
}

/**
 * The origin form (path and query) of a request target: an absolute-form
 * target less its scheme and authority, with `/` for an empty path (RFC 9112
 * §3.2.4); any other target as it is. What a server reached directly would
 * have received, so what routing and cell tokens read.
 */
export function originFormOf(target: string): string {
  const absolute = absoluteFormOf(target);
  if (!absolute) return target;
  return absolute.rest.startsWith('/') ? absolute.rest : `/${absolute.rest}`;
}

/** status-line = HTTP-version SP status-code SP [ reason-phrase ]: the reason phrase is everything after the second space. */
export function parseResponseHead(raw: Buffer): ParsedHead {
  return parseHead(
    raw,
    (line) => {
      const first = line.indexOf(' ');
      if (first < 0) return [line, '', ''];
      const second = line.indexOf(' ', first + 1);
      if (second < 0) return [line.slice(0, first), line.slice(first + 1), ''];
      return [line.slice(0, first), line.slice(first + 1, second), line.slice(second + 1)];
    },
    ([version, status, reason]) => `HTTP/${versionOf(version)} ${status} ${reason}`,
  );
}

/** A status code is three digits (RFC 9110 §15); 0 stands for a status line that has none. */
export function statusOf(text: string): number {
  return /^[0-9]{3}$/.test(text) ? Number(text) : 0;
}

/** The canonical serialization a head is compared with: the start line, `name: value` per header, CRLF line ends. */
export function canonicalHead(startLine: string, headers: readonly RawHeader[]): string {
  return `${startLine}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
}

/** How a message's body is delimited (RFC 9112 §6.3). */
export type Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Until the sender closes the connection (a response only). */
  | { kind: 'close' }
  /** Not HTTP from here on, in both directions (101 Switching Protocols, a CONNECT tunnel, or a request that cannot be framed). */
  | { kind: 'tunnel' };

const values = (headers: readonly RawHeader[], name: string) =>
  headers.filter(([n]) => n.toLowerCase() === name).flatMap(([, v]) => v.split(',')).map((v) => v.replace(/^[ \t]+|[ \t]+$/g, ''));

/** Transfer-Encoding and Content-Length read as RFC 9112 §6.3 orders them: chunked last wins, then one length (a list of equal lengths counts as one). */
function declared(headers: readonly RawHeader[]): { chunked: boolean; otherCoding?: string; length?: number; badLength?: string } {
  const codings = values(headers, 'transfer-encoding').filter((c) => c !== '');
  if (codings.length > 0) {
    const lastCoding = codings.at(-1)!.toLowerCase();
    return lastCoding === 'chunked' ? { chunked: true } : { chunked: false, otherCoding: codings.join(', ') };
  }
  const lengths = values(headers, 'content-length');
  if (lengths.length === 0) return { chunked: false };
  const unique = [...new Set(lengths)];
  if (unique.length === 1 && /^[0-9]{1,15}$/.test(unique[0]!)) return { chunked: false, length: Number(unique[0]) };
  return { chunked: false, badLength: lengths.join(', ') };
}

/** A request has a body only when it says so (RFC 9112 §6.3 rules 4-6); one it cannot delimit becomes a tunnel, with a note. */
export function requestFraming(headers: readonly RawHeader[]): { framing: Framing; note?: string } {
  const d = declared(headers);
  if (d.chunked) return { framing: { kind: 'chunked' } };
  if (d.otherCoding !== undefined) return { framing: { kind: 'tunnel' }, note: `the request's Transfer-Encoding \`${d.otherCoding}\` does not end in chunked, so its body cannot be delimited; the rest of the connection was passed on as raw bytes` };
  if (d.badLength !== undefined) return { framing: { kind: 'tunnel' }, note: `the request's Content-Length \`${d.badLength}\` is not one length, so its body cannot be delimited; the rest of the connection was passed on as raw bytes` };
  if (d.length !== undefined && d.length > 0) return { framing: { kind: 'length', length: d.length } };
  return { framing: { kind: 'none' } };
}

/**
 * A response's body (RFC 9112 §6.3 rules 1-8): none for HEAD, 1xx, 204 and
 * 304; a tunnel after 101 or a 2xx to CONNECT; then chunked, a length, or
 * until the server closes.
 */
export function responseFraming(requestMethod: string, status: number, headers: readonly RawHeader[]): { framing: Framing; note?: string } {
  if (status === 101 || (requestMethod === 'CONNECT' && status >= 200 && status < 300)) return { framing: { kind: 'tunnel' } };
  if (requestMethod === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) return { framing: { kind: 'none' } };
  const d = declared(headers);
  if (d.chunked) return { framing: { kind: 'chunked' } };
  if (d.otherCoding !== undefined) return { framing: { kind: 'close' } };
  if (d.badLength !== undefined) return { framing: { kind: 'close' }, note: `the response's Content-Length \`${d.badLength}\` is not one length; its body was read until the app closed the connection` };
  if (d.length !== undefined) return { framing: d.length === 0 ? { kind: 'none' } : { kind: 'length', length: d.length } };
  return { framing: { kind: 'close' } };
}

/** What one call of BodyReader.read found. */
export interface BodyRead {
  /** How many bytes from the offset belong to this message (framing included): the caller passes exactly these on. */
  used: number;
  /** The body's own bytes among them (chunk framing removed), as slices of the input. */
  payload: Buffer[];
  /** The message ended with the last used byte. */
  done: boolean;
  /** The body cannot be delimited from here on (bad chunk framing): the bytes after `used` are not this reader's; pass them on raw. */
  error?: string;
}

/** Longest chunk-size or trailer line the reader keeps while waiting for its end. */
const MAX_LINE_BYTES = 16 * 1024;

/**
 * Follows a body's framing across reads, without copying the body: a length
 * counts down, chunked framing (RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF,
 * data CRLF, ..., last-chunk, trailer section, CRLF) is stepped through; only
 * chunk-size and trailer lines are buffered.
 */
export class BodyReader {
  private remaining: number;
  private state: 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done' = 'size';
  private line: Buffer[] = [];
  private lineBytes = 0;

  constructor(readonly framing: Framing) {
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) this.state = 'done';
  }

  get done(): boolean {
    return this.state === 'done';
  }

  read(buf: Buffer, offset = 0): BodyRead {
    const kind = this.framing.kind;
    if (this.state === 'done') return { used: 0, payload: [], done: true };
    if (kind === 'close' || kind === 'tunnel') return { used: buf.length - offset, payload: buf.length > offset ? [buf.subarray(offset)] : [], done: false };
    if (kind === 'length') {
      const n = Math.min(this.remaining, buf.length - offset);
      this.remaining -= n;
      if (this.remaining === 0) this.state = 'done';
      return { used: n, payload: n > 0 ? [buf.subarray(offset, offset + n)] : [], done: this.state === 'done' };
    }
    return this.readChunked(buf, offset);
  }

  private readChunked(buf: Buffer, offset: number): BodyRead {
    const payload: Buffer[] = [];
    let i = offset;
    const fail = (error: string): BodyRead => ({ used: i - offset, payload, done: false, error });
    while (i < buf.length && this.state !== 'done') {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const lf = buf.indexOf(LF, i);
          const end = lf < 0 ? buf.length : lf + 1;
          this.line.push(buf.subarray(i, end));
          this.lineBytes += end - i;
          i = end;
          if (lf < 0) {
            if (this.lineBytes > MAX_LINE_BYTES) return fail(`a chunk-size or trailer line is longer than ${MAX_LINE_BYTES} bytes`);
            break;
          }
          const text = Buffer.concat(this.line).toString('latin1').replace(/\r?\n$/, '');
          this.line = [];
          this.lineBytes = 0;
          if (this.state === 'trailer') {
            if (text === '') this.state = 'done';
            break;
          }
          const hex = /^[0-9A-Fa-f]+/.exec(text)?.[0];
          if (hex === undefined || hex.length > 12) return fail(`the chunk-size line ${JSON.stringify(text)} does not start with a hexadecimal size`);
          this.remaining = parseInt(hex, 16);
          this.state = this.remaining === 0 ? 'trailer' : 'data';
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - i);
          payload.push(buf.subarray(i, i + n));
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
          if (buf[i] === CR) this.state = 'data-lf';
          else if (buf[i] === LF) this.state = 'size';
          else return fail('chunk data is not followed by CRLF');
          i++;
          break;
        case 'data-lf':
          if (buf[i] !== LF) return fail('chunk data is followed by CR without LF');
          this.state = 'size';
          i++;
          break;
      }
    }
    return { used: i - offset, payload, done: this.state === 'done' };
  }
}

/** The first defaults.maxBodyBytes of a body, and its whole size, without concatenating more than it keeps. */
export class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.size += chunk.length;
    const room = this.limit - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    // A copy of at most `limit` bytes, so the evidence never holds on to a large read buffer.
    const part = Buffer.from(chunk.subarray(0, room));
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
