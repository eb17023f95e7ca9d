import { describe, expect, it } from 'vitest';
import { BodyCapture, BodyReader, absoluteFormOf, headEnd, originFormOf, parseRequestHead, parseResponseHead, requestFraming, responseFraming, statusOf, type Framing } from './http1.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Feeds a body one split at a time (every split point, so framing state survives any TCP boundary). */
function readAll(framing: Framing, text: string, step: number) {
  const reader = new BodyReader(framing);
  const buf = bytes(text);
  let used = 0;
  let payload = '';
  for (let i = 0; i < buf.length && !reader.done; i += step) {
    const part = buf.subarray(i, Math.min(i + step, buf.length));
    const read = reader.read(part);
    used += read.used;
    payload += Buffer.concat(read.payload).toString('latin1');
    if (read.error) return { error: read.error, used, payload };
    if (read.used < part.length) break;
  }
  return { used, payload, done: reader.done };
}

describe('where a head ends', () => {
  it('is just past the first empty line, CRLF or bare LF', () => {
    expect(headEnd(bytes('GET / HTTP/1.1\r\nHost: h\r\n\r\nbody'))).toBe(27);
    expect(headEnd(bytes('GET / HTTP/1.1\nHost: h\n\nbody'))).toBe(24);
    expect(headEnd(bytes('GET / HTTP/1.1\r\nHost: h\n\r\n'))).toBe(26);
  });

  it('has not come yet without the empty line', () => {
    expect(headEnd(bytes('GET / HTTP/1.1\r\nHost: h\r\n'))).toBe(-1);
    expect(headEnd(bytes(''))).toBe(-1);
  });

  it('skips empty lines before the start line (RFC 9112 §2.2)', () => {
    expect(headEnd(bytes('\r\n\r\nGET / HTTP/1.1\r\n\r\n'))).toBe(22);
  });
});

describe('a request head', () => {
  it('keeps any method token, lowercase included, and the target and version as sent', () => {
    for (const method of ['patch', 'SUPER', 'M-SEARCH', "x!#$%&'*+.^_`|~"]) {
      const head = parseRequestHead(bytes(`${method} /a?b=c HTTP/1.1\r\nHost: h\r\n\r\n`));
      expect(head.start).toEqual([method, '/a?b=c', 'HTTP/1.1']);
      expect(head.canonical).toBe(true);
    }
  });

  it('keeps every value as sent, less the one space after the colon', () => {
    const head = parseRequestHead(bytes('GET / HTTP/1.1\r\nA:   x  \t\r\nB: \r\nC:\r\nD:\tv\r\nE:v\r\n\r\n'));
    expect(head.headers).toEqual([['A', '  x  \t'], ['B', ''], ['C', ''], ['D', '\tv'], ['E', 'v']]);
    // C, D and E have no space after the colon: the canonical form would add one.
    expect(head.canonical).toBe(false);
  });

  it('is canonical when it re-serializes to its own bytes', () => {
    expect(parseRequestHead(bytes('GET / HTTP/1.1\r\nA:   x  \t\r\nB: \r\n\r\n')).canonical).toBe(true);
    expect(parseRequestHead(bytes('GET / HTTP/1.1\nA: x\r\n\r\n')).canonical).toBe(false);
    expect(parseRequestHead(bytes('GET / HTTP/1.1\r\nA: x\r\n\n')).canonical).toBe(false);
    expect(parseRequestHead(bytes('GET  /  HTTP/1.1\r\n\r\n')).start).toEqual(['GET', ' / ', 'HTTP/1.1']);
    expect(parseRequestHead(bytes('GET  /  HTTP/1.1\r\n\r\n')).canonical).toBe(true);
    expect(parseRequestHead(bytes('GET / http/1.1\r\n\r\n')).canonical).toBe(false);
  });

  it('reads an obs-fold as one space (RFC 9112 §5.2) and says so', () => {
    const head = parseRequestHead(bytes('GET / HTTP/1.1\r\nX: a \r\n \t b\r\nY: c\r\n\r\n'));
    expect(head.headers).toEqual([['X', 'a b'], ['Y', 'c']]);
    expect(head.canonical).toBe(false);
    expect(head.notes).toEqual(['the value of X continues on a folded line (obs-fold), recorded as one space']);
  });

  it('notes a line that is not a header instead of inventing one', () => {
    const head = parseRequestHead(bytes('GET / HTTP/1.1\r\n lead\r\nno colon here\r\nX: 1\r\n\r\n'));
    expect(head.headers).toEqual([['X', '1']]);
    expect(head.canonical).toBe(false);
    expect(head.notes).toHaveLength(2);
  });

  it('says where the request line ends, past leading empty lines', () => {
    expect(parseRequestHead(bytes('GET / HTTP/1.1\r\nX: 1\r\n\r\n')).startLineEnd).toBe(16);
    expect(parseRequestHead(bytes('\r\nGET / HTTP/1.1\nX: 1\r\n\r\n')).startLineEnd).toBe(17);
  });
});

describe('a response head', () => {
  it('keeps the status line exactly: version, code, reason phrase with its spaces', () => {
    const head = parseResponseHead(bytes('HTTP/1.1 404 Not  Found \r\nX: 1\r\n\r\n'));
    expect(head.start).toEqual(['HTTP/1.1', '404', 'Not  Found ']);
    expect(head.canonical).toBe(true);
    expect(parseResponseHead(bytes('HTTP/1.1 204\r\n\r\n')).start).toEqual(['HTTP/1.1', '204', '']);
    expect(parseResponseHead(bytes('HTTP/1.1 204\r\n\r\n')).canonical).toBe(false);
    expect(statusOf('204')).toBe(204);
    expect(statusOf('2x4')).toBe(0);
  });
});

describe('body framing', () => {
  const h = (...pairs: [string, string][]) => pairs;

  it('gives a request a body only when it says so', () => {
    expect(requestFraming([]).framing).toEqual({ kind: 'none' });
    expect(requestFraming(h(['Content-Length', '0'])).framing).toEqual({ kind: 'none' });
    expect(requestFraming(h(['content-length', ' 12 '])).framing).toEqual({ kind: 'length', length: 12 });
    expect(requestFraming(h(['Content-Length', '5, 5'])).framing).toEqual({ kind: 'length', length: 5 });
    expect(requestFraming(h(['Transfer-Encoding', 'gzip, Chunked'], ['Content-Length', '3'])).framing).toEqual({ kind: 'chunked' });
  });

  it('makes a request it cannot delimit a tunnel, with a note', () => {
    expect(requestFraming(h(['Content-Length', '5, 6']))).toMatchObject({ framing: { kind: 'tunnel' }, note: expect.stringContaining('`5, 6`') });
    expect(requestFraming(h(['Content-Length', '-1']))).toMatchObject({ framing: { kind: 'tunnel' } });
    expect(requestFraming(h(['Transfer-Encoding', 'gzip']))).toMatchObject({ framing: { kind: 'tunnel' }, note: expect.stringContaining('`gzip`') });
  });

  it('gives no body to a response to HEAD, a 1xx, a 204 or a 304, whatever its Content-Length', () => {
    const length = h(['Content-Length', '1234']);
    expect(responseFraming('HEAD', 200, length).framing).toEqual({ kind: 'none' });
    expect(responseFraming('GET', 204, length).framing).toEqual({ kind: 'none' });
    expect(responseFraming('GET', 304, length).framing).toEqual({ kind: 'none' });
    expect(responseFraming('GET', 103, length).framing).toEqual({ kind: 'none' });
    // Methods are case-sensitive: `head` is not HEAD.
    expect(responseFraming('head', 200, length).framing).toEqual({ kind: 'length', length: 1234 });
  });

  it('reads a response until the close without a length, or with a length that is not one', () => {
    expect(responseFraming('GET', 200, []).framing).toEqual({ kind: 'close' });
    expect(responseFraming('GET', 200, h(['Transfer-Encoding', 'gzip'])).framing).toEqual({ kind: 'close' });
    expect(responseFraming('GET', 200, h(['Content-Length', '1'], ['Content-Length', '2']))).toMatchObject({ framing: { kind: 'close' }, note: expect.any(String) });
    expect(responseFraming('GET', 101, []).framing).toEqual({ kind: 'tunnel' });
    expect(responseFraming('CONNECT', 200, []).framing).toEqual({ kind: 'tunnel' });
  });
});

describe('the body reader', () => {
  const chunked = '4\r\nWiki\r\n6;name="v"\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\nNEXT';
  const through = chunked.length - 'NEXT'.length;

  it.each([1, 2, 3, 7, 1000])('follows chunked framing, split every %i bytes, and stops at its end', (step) => {
    expect(readAll({ kind: 'chunked' }, chunked, step)).toEqual({ used: through, payload: 'Wikipedia in \r\n\r\nchunks.', done: true });
  });

  it('accepts bare LF in chunk framing', () => {
    expect(readAll({ kind: 'chunked' }, '3\nabc\n0\n\n', 100)).toEqual({ used: 9, payload: 'abc', done: true });
  });

  it('says where chunk framing breaks', () => {
    expect(readAll({ kind: 'chunked' }, '3\r\nabc\r\nzz\r\nmore', 100)).toMatchObject({ used: 12, payload: 'abc', error: expect.stringContaining('"zz"') });
    expect(readAll({ kind: 'chunked' }, '3\r\nabcX', 100)).toMatchObject({ used: 6, error: 'chunk data is not followed by CRLF' });
  });

  it('counts a length down and leaves what follows', () => {
    expect(readAll({ kind: 'length', length: 5 }, 'helloGET', 3)).toEqual({ used: 5, payload: 'hello', done: true });
  });

  it('takes everything until the close', () => {
    const reader = new BodyReader({ kind: 'close' });
    expect(reader.read(bytes('abc'))).toMatchObject({ used: 3, done: false });
  });
});

describe('the body capture', () => {
  it('keeps the first bytes up to its limit and counts them all', () => {
    const capture = new BodyCapture(4);
    capture.add(bytes('abc'));
    capture.add(bytes('def'));
    capture.add(bytes('g'));
    expect([capture.text(), capture.size, capture.truncated]).toEqual(['abcd', 7, true]);
  });
});

describe('a request target in absolute form', () => {
  it('is read as scheme, authority and the rest', () => {
    expect(absoluteFormOf('http://API.example.com:8080/a?b=1')).toEqual({ scheme: 'http', authority: 'API.example.com:8080', rest: '/a?b=1' });
    expect(absoluteFormOf('http://[::1]:5173')).toEqual({ scheme: 'http', authority: '[::1]:5173', rest: '' });
    expect(absoluteFormOf('/a?u=http://x/')).toBeUndefined();
    expect(absoluteFormOf('api.example.com:443')).toBeUndefined();
    expect(absoluteFormOf('*')).toBeUndefined();
  });

  it('has an origin form: its path and query, / for an empty path; any other target is its own', () => {
    expect(originFormOf('http://api.example.com/a/b?corslab_cell=k1')).toBe('/a/b?corslab_cell=k1');
    expect(originFormOf('http://localhost:5173')).toBe('/');
    expect(originFormOf('http://localhost:5173?x=1')).toBe('/?x=1');
    expect(originFormOf('/a?u=http://x/')).toBe('/a?u=http://x/');
    expect(originFormOf('*')).toBe('*');
  });
});
