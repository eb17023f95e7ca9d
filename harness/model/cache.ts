/**
 * The CORS-preflight cache (https://fetch.spec.whatwg.org/#cors-preflight-cache): one entry
 * per allowed method and per allowed header name, keyed by network partition key, origin,
 * URL and whether credentials were included. Entries are plain data: the caller decides
 * which are still alive (an entry lives `maxAge` seconds at most, and may go sooner).
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
  /** Seconds, after the browser's own cap (see the `preflight-cache-max-age-limit` note). */
  maxAge: number;
  /** The request's credentials mode was `include`. */
  credentials: boolean;
  /** A method, `*`, or null for a header-name entry. */
  method: string | null;
  /** A header name, `*`, or null for a method entry. */
  headerName: string | null;
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
export function createCacheEntries(request: CacheKeyRequest, maxAge: number, methods: readonly string[], headerNames: readonly string[]): PreflightCacheEntry[] {
  const base = { key: request.key, origin: request.origin, url: request.url, maxAge, credentials: request.credentials === 'include' };
  return [
    ...methods.map((method) => ({ ...base, method, headerName: null })),
    ...headerNames.map((headerName) => ({ ...base, method: null, headerName })),
  ];
}
