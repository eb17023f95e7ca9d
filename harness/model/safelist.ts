/**
 * Which methods and headers the CORS protocol lets through without asking the
 * server first, which headers a page may not set at all, and which response
 * headers JavaScript may read.
 */
import { byteLength, decodeAndSplit, sameName, sortedLowercaseSet } from './headers.ts';
import type { HeaderPair } from './types.ts';

/** https://fetch.spec.whatwg.org/#cors-safelisted-method: `GET`, `HEAD` or `POST`, byte-case-sensitively. */
export function isCorsSafelistedMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'POST';
}

/** https://fetch.spec.whatwg.org/#forbidden-method */
export function isForbiddenMethod(method: string): boolean {
  return ['CONNECT', 'TRACE', 'TRACK'].includes(method.toUpperCase());
}

/**
 * https://fetch.spec.whatwg.org/#concept-method-normalize: only these six are uppercased;
 * `patch` stays `patch`, and methods are otherwise compared byte-for-byte.
 */
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].includes(upper) ? upper : method;
}

/** Why a request header is not a CORS-safelisted request-header. */
export type UnsafeReason =
  | 'not-safelisted-name'
  | 'value-too-long'
  | 'unsafe-byte'
  | 'language-byte'
  | 'content-type-unparsable'
  | 'content-type-essence'
  | 'range-not-simple'
  | 'total-size';

export interface HeaderClassification {
  safelisted: boolean;
  reason?: UnsafeReason;
  /** The offending char, for the byte rules. */
  byte?: string;
  /** The parsed MIME type essence, for Content-Type. */
  essence?: string;
}

/**
 * https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte: controls other than tab,
 * the delimiters `"():<>?@[\]{}` and DEL.
 */
export function findCorsUnsafeByte(value: string): string | undefined {
  for (const c of value) {
    const b = c.charCodeAt(0);
    if ((b < 0x20 && b !== 0x09) || b === 0x7f || '"():<>?@[\\]{}'.includes(c)) return c;
  }
  return undefined;
}

const LANGUAGE_BYTE = /[0-9A-Za-z *,\-.;=]/;

const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The essence ("type/subtype", lowercase) of https://mimesniff.spec.whatwg.org/#parse-a-mime-type,
 * or null on failure. Parameters never make parsing fail, so they are not parsed.
 */
export function mimeEssence(input: string): string | null {
  const s = input.replace(HTTP_WHITESPACE, '');
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const type = s.slice(0, slash);
  if (!TOKEN_CHARS.test(type)) return null;
  const rest = s.slice(slash + 1);
  const semicolon = rest.indexOf(';');
  const subtype = (semicolon < 0 ? rest : rest.slice(0, semicolon)).replace(/[\t\n\r ]+$/, '');
  if (!TOKEN_CHARS.test(subtype)) return null;
  return `${type}/${subtype}`.toLowerCase();
}

/**
 * https://fetch.spec.whatwg.org/#simple-range-header-value with allowWhitespace false:
 * `bytes=start-[end]`, or null. A suffix range (`bytes=-500`) parses but returns start null.
 */
export function parseSingleRange(value: string): { start: bigint | null; end: bigint | null } | null {
  const m = /^bytes=([0-9]*)-([0-9]*)$/.exec(value);
  if (!m) return null;
  const start = m[1] === '' ? null : BigInt(m[1]!);
  const end = m[2] === '' ? null : BigInt(m[2]!);
  if (start === null && end === null) return null;
  if (start !== null && end !== null && start > end) return null;
  return { start, end };
}

const SAFELISTED_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header, with the reason when it is not. */
export function classifyRequestHeader(name: string, value: string): HeaderClassification {
  if (byteLength(value) > 128) return { safelisted: false, reason: 'value-too-long' };
  switch (name.toLowerCase()) {
    case 'accept': {
      const byte = findCorsUnsafeByte(value);
      return byte === undefined ? { safelisted: true } : { safelisted: false, reason: 'unsafe-byte', byte };
    }
    case 'accept-language':
    case 'content-language': {
      for (const c of value) if (!LANGUAGE_BYTE.test(c)) return { safelisted: false, reason: 'language-byte', byte: c };
      return { safelisted: true };
    }
    case 'content-type': {
      const byte = findCorsUnsafeByte(value);
      if (byte !== undefined) return { safelisted: false, reason: 'unsafe-byte', byte };
      const essence = mimeEssence(value);
      if (essence === null) return { safelisted: false, reason: 'content-type-unparsable' };
      if (!SAFELISTED_CONTENT_TYPES.includes(essence)) return { safelisted: false, reason: 'content-type-essence', essence };
      return { safelisted: true, essence };
    }
    case 'range': {
      const range = parseSingleRange(value);
      // Browsers never sent suffix ranges (`bytes=-500`), so those are not safelisted.
      return range !== null && range.start !== null ? { safelisted: true } : { safelisted: false, reason: 'range-not-simple' };
    }
    default:
      return { safelisted: false, reason: 'not-safelisted-name' };
  }
}

/** One header of the request's header list that makes it need a preflight. */
export interface UnsafeHeader extends HeaderClassification {
  name: string;
  value: string;
  safelisted: false;
  reason: UnsafeReason;
  /** For `total-size`: the sum of all safelisted values, in bytes. */
  total?: number;
}

/**
 * https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names: every header that is not
 * safelisted, plus every safelisted one when their values add up to more than 1024 bytes;
 * `names` is the sorted-lowercase set sent in `Access-Control-Request-Headers`.
 */
export function corsUnsafeRequestHeaders(headers: readonly HeaderPair[]): { names: string[]; unsafe: UnsafeHeader[]; safelistedTotal: number } {
  const unsafe: UnsafeHeader[] = [];
  const potentiallyUnsafe: HeaderPair[] = [];
  let safelistedTotal = 0;
  for (const [name, value] of headers) {
    const c = classifyRequestHeader(name, value);
    if (!c.safelisted) unsafe.push({ ...c, name, value, safelisted: false, reason: c.reason! });
    else {
      potentiallyUnsafe.push([name, value]);
      safelistedTotal += byteLength(value);
    }
  }
  if (safelistedTotal > 1024) {
    for (const [name, value] of potentiallyUnsafe) unsafe.push({ name, value, safelisted: false, reason: 'total-size', total: safelistedTotal });
  }
  return { names: sortedLowercaseSet(unsafe.map((u) => u.name)), unsafe, safelistedTotal };
}

/** https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name: `Authorization` is never covered by `*`. */
export function isCorsNonWildcardRequestHeaderName(name: string): boolean {
  return sameName(name, 'authorization');
}

const FORBIDDEN_REQUEST_HEADER_NAMES = [
  'accept-charset', 'accept-encoding', 'access-control-request-headers', 'access-control-request-method',
  'connection', 'content-length', 'cookie', 'cookie2', 'date', 'dnt', 'expect', 'host', 'keep-alive',
  'origin', 'referer', 'set-cookie', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'via',
];

/**
 * https://fetch.spec.whatwg.org/#forbidden-request-header: headers the browser keeps for itself;
 * `Headers` drops them silently (https://fetch.spec.whatwg.org/#headers-validate).
 */
export function isForbiddenRequestHeader(name: string, value: string): boolean {
  const lower = name.toLowerCase();
  if (FORBIDDEN_REQUEST_HEADER_NAMES.includes(lower)) return true;
  if (lower.startsWith('proxy-') || lower.startsWith('sec-')) return true;
  if (['x-http-method', 'x-http-method-override', 'x-method-override'].includes(lower)) {
    return decodeAndSplit(value).some(isForbiddenMethod);
  }
  return false;
}

/** https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header (Range is not one: it is privileged). */
export function isNoCorsSafelistedRequestHeader(name: string, value: string): boolean {
  if (!['accept', 'accept-language', 'content-language', 'content-type'].includes(name.toLowerCase())) return false;
  return classifyRequestHeader(name, value).safelisted;
}

/** https://fetch.spec.whatwg.org/#forbidden-response-header-name: never readable from JavaScript. */
export function isForbiddenResponseHeaderName(name: string): boolean {
  return sameName(name, 'set-cookie') || sameName(name, 'set-cookie2');
}

/** The fixed part of https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name. */
export const CORS_SAFELISTED_RESPONSE_HEADER_NAMES = [
  'cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma',
] as const;

export function isAlwaysSafelistedResponseHeaderName(name: string): boolean {
  return (CORS_SAFELISTED_RESPONSE_HEADER_NAMES as readonly string[]).includes(name.toLowerCase());
}

/** Value of the `Content-Type` the Request constructor adds for a string body (https://fetch.spec.whatwg.org/#concept-bodyinit-extract). */
export const STRING_BODY_CONTENT_TYPE = 'text/plain;charset=UTF-8';

