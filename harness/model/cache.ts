/**
 * The CORS-preflight cache (https://fetch.spec.whatwg.org/#cors-preflight-cache): one entry
 * per allowed method and per allowed header name, keyed by network partition key, origin,
 * URL and whether credentials were included. Entries are plain data: `entryLife` says
 * which are still alive when a later request looks them up.
 *
 * What the standard fixes and what it leaves to the browser
 * (https://fetch.spec.whatwg.org/#cors-preflight-fetch, steps after the method and header checks):
 *
 *   "Let max-age be the result of extracting header list values given
 *    `Access-Control-Max-Age` ... If max-age is failure or null, then set max-age to 5."
 *
 * The header's ABNF is `delta-seconds` (https://fetch.spec.whatwg.org/#http-access-control-max-age),
 * which RFC 9111 §1.2.2 defines as `1*DIGIT`: digits only. So `-1`, `abc`, `1.5` or `+5`
 * fail to parse, and a value that fails to parse is not "no caching": it is replaced by the
 * default of 5 seconds, exactly as a missing header is. `0` parses, and an entry with
 * max-age 0 "must be removed after the seconds specified in [its] max-age field have
 * passed since storing the entry", that is at once. The default is not the browser's to
 * choose; three things are:
 *
 *   - "If max-age is greater than an imposed limit on max-age, then set max-age to the
 *     imposed limit." The standard names no value (the engines' sources: Chromium 7200 s,
 *     Firefox 86400 s, WebKit 600 s).
 *   - "If the user agent does not provide for a cache, then return response."
 *   - "Cache entries may be removed before that moment arrives."
 *
 * The model does not guess across them, but it does assume that a browser which caches at
 * all keeps an entry for as long as the standard's own default, five seconds (an imposed
 * limit below the default would make "5 by default" meaningless; every engine measured
 * here keeps a preflight without Access-Control-Max-Age for five seconds). So a lookup is
 * determined when the entry has expired by the standard's max-age (it must be gone), or
 * when it is made within both the entry's max-age and five seconds (it must be there); a
 * lookup later than five seconds into a longer max-age depends on the browser's imposed
 * limit, and the model says so instead of answering (`entryLife`: `imposed-limit`).
 */
import { isCorsNonWildcardRequestHeaderName } from './safelist.ts';
import type { CredentialsMode } from './types.ts';

export interface PreflightCacheEntry {
  /**
   * https://fetch.spec.whatwg.org/#network-partition-key, simplified to the page's origin.
   * (The standard's key is the top-level site plus an implementation-defined second key.)
   */
  key: string;
  /** The byte-serialized request origin (`null` once a redirect tainted it). */
  origin: string;
  url: string;
  /** Seconds, as the standard's algorithm gives them before any imposed limit (see the `preflight-cache-max-age-limit` note). */
  maxAge: number;
  /** The request's credentials mode was `include`. */
  credentials: boolean;
  /** A method, `*`, or null for a header-name entry. */
  method: string | null;
  /** A header name, `*`, or null for a method entry. */
  headerName: string | null;
  /** When the preflight that made the entry reached the server (the recorder's clock, ms), when known. */
  storedAt?: number;
}

/** https://fetch.spec.whatwg.org/#http-access-control-max-age: "5 by default". */
export const DEFAULT_MAX_AGE = 5;

/**
 * The shortest imposed limit on max-age the model assumes a caching browser has: the
 * standard's default (see the top of this file). Below it a lookup is determined; above
 * it, inside a longer max-age, it is the browser's latitude.
 */
export const ASSUMED_MIN_IMPOSED_LIMIT = DEFAULT_MAX_AGE;

/** How long after storing an entry a later lookup happened, in ms: at least `min`, at most `max` (Infinity when unknown). */
export interface Elapsed {
  min: number;
  max: number;
}

/**
 * Whether an entry is there when a later request looks it up:
 *   alive          within its max-age and within the assumed minimum imposed limit: it must be there
 *   expired        its max-age has passed: it must be gone ("must be removed after the seconds
 *                  specified in their max-age field have passed since storing the entry")
 *   imposed-limit  within its max-age but past five seconds: there only if the browser's imposed
 *                  limit on max-age is longer than the wait (the standard leaves it to the browser)
 *   timing         its max-age ends inside the window the lookup happened in: the recorder cannot tell
 */
export type EntryLife = 'alive' | 'expired' | 'imposed-limit' | 'timing';

export function entryLife(entry: Pick<PreflightCacheEntry, 'maxAge'>, elapsed: Elapsed): EntryLife {
  const life = entry.maxAge * 1000;
  if (life <= elapsed.min) return 'expired';
  if (elapsed.max < Math.min(life, ASSUMED_MIN_IMPOSED_LIMIT * 1000)) return 'alive';
  // Here the lookup may be later than min(max-age, five seconds): before the max-age ends, that is past five seconds.
  if (elapsed.max < life) return 'imposed-limit';
  return 'timing';
}

/** The part of a request a cache entry is matched against. */
export interface CacheKeyRequest {
  key: string;
  origin: string;
  url: string;
  credentials: CredentialsMode;
}

/** https://fetch.spec.whatwg.org/#concept-cache-match: a credentialed entry serves both kinds of request. */
export function cacheEntryMatches(entry: PreflightCacheEntry, request: CacheKeyRequest): boolean {
  return entry.key === request.key && entry.origin === request.origin && entry.url === request.url && (entry.credentials || request.credentials !== 'include');
}

/** https://fetch.spec.whatwg.org/#concept-cache-match-method: exact method (byte-case-sensitive) or `*`. */
export function hasMethodCacheMatch(cache: readonly PreflightCacheEntry[], method: string, request: CacheKeyRequest): boolean {
  return cache.some((e) => cacheEntryMatches(e, request) && (e.method === method || e.method === '*'));
}

/** https://fetch.spec.whatwg.org/#concept-cache-match-header: case-insensitive name, or `*` except for Authorization. */
export function hasHeaderNameCacheMatch(cache: readonly PreflightCacheEntry[], headerName: string, request: CacheKeyRequest): boolean {
  return cache.some(
    (e) =>
      cacheEntryMatches(e, request) &&
      e.headerName !== null &&
      (e.headerName.toLowerCase() === headerName.toLowerCase() || (e.headerName === '*' && !isCorsNonWildcardRequestHeaderName(headerName))),
  );
}

/**
 * The entries a successful preflight adds (https://fetch.spec.whatwg.org/#concept-cache-create-entry):
 * one per method listed in Access-Control-Allow-Methods and one per name in
 * Access-Control-Allow-Headers, not per method or header the request used.
 */
export function createCacheEntries(request: CacheKeyRequest, maxAge: number, methods: readonly string[], headerNames: readonly string[], storedAt?: number): PreflightCacheEntry[] {
  const base = { key: request.key, origin: request.origin, url: request.url, maxAge, credentials: request.credentials === 'include', ...(storedAt === undefined ? {} : { storedAt }) };
  return [
    ...methods.map((method) => ({ ...base, method, headerName: null })),
    ...headerNames.map((headerName) => ({ ...base, method: null, headerName })),
  ];
}
