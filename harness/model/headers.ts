/**
 * Header-list primitives of the Fetch standard, on [name, value] pairs.
 * Names compare byte-case-insensitively everywhere; values are byte strings
 * (one JS char per byte, as WebIDL ByteString and the wire give them).
 */
import type { HeaderPair } from './types.ts';

// RFC 9110 token: what a header name and a method must match.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** https://fetch.spec.whatwg.org/#concept-method (and header name): the `token` production of HTTP. */
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** True when every char fits in one byte, as WebIDL ByteString requires (https://webidl.spec.whatwg.org/#es-ByteString). */
export function isByteString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Byte length of a ByteString (isomorphic encoding: one byte per char). */
export function byteLength(s: string): number {
  return s.length;
}

/** https://fetch.spec.whatwg.org/#concept-header-value-normalize: strip leading and trailing HTTP whitespace bytes. */
export function normalizeHeaderValue(value: string): string {
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}

/** Whether a (normalized) value is a header value: no NUL, CR or LF (https://fetch.spec.whatwg.org/#header-value). */
export function isHeaderValue(value: string): boolean {
  return !/[\0\r\n]/.test(value) && value === value.replace(/^[\t ]+|[\t ]+$/g, '');
}

export const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The value of each header line called `name`, in order, normalized: the one
 * accessor through which the model reads a header value. Every rule reads
 * through it (directly or by getHeader), never the pairs themselves.
 *
 * The recorder keeps values exactly as sent (`Access-Control-Allow-Origin:
 *   http://a  \t` is recorded as `'  http://a  \t'`), but a browser never
 * compares those bytes: in its header list a value "has no leading or
 * trailing HTTP tab or space bytes" (https://fetch.spec.whatwg.org/#header-value),
 * because HTTP's parser excludes the optional whitespace around a field value
 * (RFC 9112 §5: `field-line = field-name ":" OWS field-value OWS`). So the
 * model strips it before any comparison, with the Fetch standard's own
 * operation, https://fetch.spec.whatwg.org/#concept-header-value-normalize
 * (leading and trailing 0x09, 0x0A, 0x0D, 0x20): HTTP's OWS, and a stray CR
 * before a line's end (the recorder reads an obs-fold as one space, so no LF
 * is ever inside a recorded value).
 */
export function headerLines(headers: readonly HeaderPair[], name: string): string[] {
  return headers.filter(([n]) => sameName(n, name)).map(([, v]) => normalizeHeaderValue(v));
}

/**
 * https://fetch.spec.whatwg.org/#concept-header-list-get: every line's value joined with ", ",
 * or null when there is none. Two `Access-Control-Allow-Origin` lines therefore read as one
 * value "a, b", exactly as a single comma-joined line would.
 */
export function getHeader(headers: readonly HeaderPair[], name: string): string | null {
  const lines = headerLines(headers, name);
  return lines.length === 0 ? null : lines.join(', ');
}

/** Get, decode, and split a header value (https://fetch.spec.whatwg.org/#concept-header-list-get-decode-split): split on commas outside quoted strings. */
export function decodeAndSplit(value: string): string[] {
  const values: string[] = [];
  let current = '';
  let i = 0;
  for (;;) {
    while (i < value.length && value[i] !== '"' && value[i] !== ',') current += value[i++];
    if (i < value.length && value[i] === '"') {
      // Collect an HTTP quoted string, quotes and escapes kept.
      current += value[i++];
      while (i < value.length) {
        const c = value[i++]!;
        current += c;
        if (c === '\\' && i < value.length) current += value[i++];
        else if (c === '"') break;
      }
      if (i < value.length) continue;
    }
    values.push(current.replace(/^[\t ]+|[\t ]+$/g, ''));
    current = '';
    if (i >= value.length) return values;
    i++; // past the comma
  }
}

/**
 * https://fetch.spec.whatwg.org/#extract-header-list-values for the CORS list headers
 * (`#method` and `#field-name`, https://fetch.spec.whatwg.org/#http-new-header-syntax):
 * null when absent, 'failure' when an element is not a token, otherwise the elements of
 * every line in order. Empty list elements are allowed, as RFC 9110 §5.6.1 requires.
 */
export function extractTokenList(headers: readonly HeaderPair[], name: string): string[] | 'failure' | null {
  const lines = headerLines(headers, name);
  if (lines.length === 0) return null;
  const values: string[] = [];
  for (const line of lines) {
    for (const element of line.split(',')) {
      const item = element.replace(/^[\t ]+|[\t ]+$/g, '');
      if (item === '') continue;
      if (!isToken(item)) return 'failure';
      values.push(item);
    }
  }
  return values;
}

/** The elements of a token list that are not tokens (to name them in an explanation). */
export function invalidListElements(headers: readonly HeaderPair[], name: string): string[] {
  return headerLines(headers, name)
    .flatMap((line) => line.split(','))
    .map((e) => e.replace(/^[\t ]+|[\t ]+$/g, ''))
    .filter((e) => e !== '' && !isToken(e));
}

/** Largest delta-seconds a recipient has to keep (RFC 9111 §1.2.2). */
const DELTA_SECONDS_MAX = 2 ** 31;

/**
 * https://fetch.spec.whatwg.org/#extract-header-list-values for `Access-Control-Max-Age`
 * (`delta-seconds`, a single header): null when absent, 'failure' when it is not digits
 * or when the header came more than once.
 */
export function extractDeltaSeconds(headers: readonly HeaderPair[], name: string): number | 'failure' | null {
  const lines = headerLines(headers, name);
  if (lines.length === 0) return null;
  if (lines.length > 1) return 'failure';
  const value = lines[0]!;
  if (!/^[0-9]+$/.test(value)) return 'failure';
  return Math.min(Number(value), DELTA_SECONDS_MAX);
}

/** Byte-wise "less than", as https://infra.spec.whatwg.org/#byte-less-than orders header names. */
export function byteLess(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * https://fetch.spec.whatwg.org/#convert-header-names-to-a-sorted-lowercase-set:
 * lowercase, deduplicate, sort byte-wise.
 */
export function sortedLowercaseSet(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].sort(byteLess);
}

/**
 * https://fetch.spec.whatwg.org/#concept-header-list-sort-and-combine: what iterating a
 * Headers object yields (lowercase names, values joined with ", ", Set-Cookie kept apart).
 */
export function sortAndCombine(headers: readonly HeaderPair[]): [string, string][] {
  const out: [string, string][] = [];
  for (const name of sortedLowercaseSet(headers.map(([n]) => n))) {
    if (name === 'set-cookie') {
      for (const v of headerLines(headers, name)) out.push([name, v]);
    } else {
      out.push([name, getHeader(headers, name)!]);
    }
  }
  return out;
}
