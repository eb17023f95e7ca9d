/**
 * Does a preflight response let the actual request go out?
 * https://fetch.spec.whatwg.org/#cors-preflight-fetch, step by step.
 */
import { createCacheEntries, DEFAULT_MAX_AGE, type PreflightCacheEntry } from './cache.ts';
import { corsCheck } from './cors-check.ts';
import { code, explainFailure, listAnd } from './explain.ts';
import { extractDeltaSeconds, extractTokenList, getHeader, headerLines, invalidListElements } from './headers.ts';
import type { RequestPlan } from './request.ts';
import { failure } from './rules.ts';
import { isCorsNonWildcardRequestHeaderName, isCorsSafelistedMethod } from './safelist.ts';
import { SPEC } from './spec.ts';
import type { Failure, HeaderPair, Latitude } from './types.ts';

export const ACAM = 'Access-Control-Allow-Methods';
export const ACAH = 'Access-Control-Allow-Headers';
export const ACMA = 'Access-Control-Max-Age';

/** A response as it crossed the wire. */
export interface WireResponse {
  status: number;
  headers: readonly HeaderPair[];
}

export { DEFAULT_MAX_AGE };

export interface PreflightOutcome {
  ok: boolean;
  /** Every rule that failed, in the order the standard checks them; the first is what the browser stops at. */
  failures: Failure[];
  explanation: string;
  /** Access-Control-Allow-Methods as parsed (null when absent, 'failure' when it does not parse). */
  allowedMethods: string[] | 'failure' | null;
  allowedHeaders: string[] | 'failure' | null;
  /**
   * Seconds the result may be cached, before the browser's own cap; `fromHeader` false means the
   * default of 5, because the header was absent or (`ignored`) failed to parse as delta-seconds.
   */
  maxAge: { seconds: number; fromHeader: boolean; ignored: boolean; observed: string[] };
  /** The entries a passing preflight adds to the CORS-preflight cache (none when it fails). */
  cacheEntries: PreflightCacheEntry[];
  notes: Latitude[];
}

const isRedirectStatus = (s: number) => s === 301 || s === 302 || s === 303 || s === 307 || s === 308;
const lower = (s: string) => s.toLowerCase();

/**
 * Judges the response to the preflight that `plan` sends (plan.preflight must be set, or the
 * checks run as if one had been sent). All failures are collected so a report can show every
 * problem at once; the standard stops at the first.
 */
export function checkPreflight(plan: RequestPlan, response: WireResponse, storedAt?: number): PreflightOutcome {
  const failures: Failure[] = [];
  const headers = response.headers;

  // Status: an ok status (2xx). A redirect is not followed for a preflight.
  if (response.status < 200 || response.status > 299) {
    if (isRedirectStatus(response.status)) {
      const location = getHeader(headers, 'Location');
      failures.push(failure('preflight-redirect', 'preflight', { observed: [String(response.status)], expected: location ?? undefined }));
    } else {
      failures.push(failure('preflight-status', 'preflight', { observed: [String(response.status)], expected: '2xx', anchor: SPEC.okStatus }));
    }
  }
  // The CORS check runs with the actual request's credentials mode, not the preflight's.
  const check = corsCheck({ origin: plan.origin, credentials: plan.credentials, tainted: plan.tainted }, headers, 'preflight');
  failures.push(...check.failures);

  const methods = extractTokenList(headers, ACAM);
  const headerNames = extractTokenList(headers, ACAH);
  if (methods === 'failure') {
    failures.push(failure('allow-methods-invalid', 'preflight', { header: ACAM, observed: headerLines(headers, ACAM), subject: invalidListElements(headers, ACAM)[0] ?? '' }));
  }
  if (headerNames === 'failure') {
    failures.push(failure('allow-headers-invalid', 'preflight', { header: ACAH, observed: headerLines(headers, ACAH), subject: invalidListElements(headers, ACAH)[0] ?? '' }));
  }
  const include = plan.credentials === 'include';

  // Method: listed byte-for-byte, or safelisted, or `*` without credentials.
  if (methods !== 'failure') {
    const list = methods ?? [];
    const method = plan.method;
    if (!list.includes(method) && !isCorsSafelistedMethod(method) && (include || !list.includes('*'))) {
      const detail =
        methods === null ? 'missing-header'
        : list.some((m) => lower(m) === lower(method)) ? 'case'
        : include && list.includes('*') ? 'wildcard-with-credentials'
        : 'not-listed';
      failures.push(failure('method-not-allowed', 'preflight', { header: ACAM, observed: headerLines(headers, ACAM), subject: method, detail, credentials: plan.credentials }));
    }
  }

  // Headers: Authorization must be listed by name; other unsafe names may ride on `*` without credentials.
  if (headerNames !== 'failure') {
    const list = headerNames ?? [];
    const listed = (name: string) => list.some((h) => lower(h) === lower(name));
    const reported = new Set<string>();
    for (const [name] of plan.headers) {
      if (isCorsNonWildcardRequestHeaderName(name) && !listed(name) && !reported.has(lower(name))) {
        reported.add(lower(name));
        failures.push(
          list.includes('*')
            ? failure('authorization-not-covered-by-wildcard', 'preflight', { header: ACAH, observed: headerLines(headers, ACAH), subject: lower(name) })
            : failure('header-not-allowed', 'preflight', { header: ACAH, observed: headerLines(headers, ACAH), subject: lower(name), detail: headerNames === null ? 'missing-header' : 'not-listed', credentials: plan.credentials, anchor: SPEC.corsNonWildcardRequestHeaderName }),
        );
      }
    }
    const unsafeNames = [...new Set(plan.unsafeHeaders.map((u) => lower(u.name)))].sort();
    for (const name of unsafeNames) {
      if (reported.has(name) || listed(name) || (!include && list.includes('*'))) continue;
      const detail = headerNames === null ? 'missing-header' : include && list.includes('*') ? 'wildcard-with-credentials' : 'not-listed';
      failures.push(failure('header-not-allowed', 'preflight', { header: ACAH, observed: headerLines(headers, ACAH), subject: name, detail, credentials: plan.credentials }));
    }
  }

  // "If max-age is failure or null, then set max-age to 5": a value that is not delta-seconds (`-1`, `abc`) is ignored, not "no caching".
  const rawMaxAge = extractDeltaSeconds(headers, ACMA);
  const maxAge = {
    seconds: typeof rawMaxAge === 'number' ? rawMaxAge : DEFAULT_MAX_AGE,
    fromHeader: typeof rawMaxAge === 'number',
    ignored: rawMaxAge === 'failure',
    observed: headerLines(headers, ACMA),
  };
  const ok = failures.length === 0;
  const notes: Latitude[] = [];
  let cacheEntries: PreflightCacheEntry[] = [];
  if (ok) {
    notes.push({
      id: 'preflight-cache-max-age-limit',
      text: `the browser may cap the ${maxAge.seconds}-second max-age (its "imposed limit": Chromium's is 7200 s, Firefox's 86400 s, WebKit's 600 s) or not cache at all`,
      anchor: SPEC.corsPreflightFetch,
    });
    cacheEntries = createCacheEntries(
      { key: plan.pageOrigin, origin: plan.origin, url: plan.url, credentials: plan.credentials },
      maxAge.seconds,
      methods === 'failure' ? [] : methods ?? [],
      headerNames === 'failure' ? [] : headerNames ?? [],
      storedAt,
    );
  }
  return {
    ok,
    failures,
    explanation: ok ? explainPass(plan, response.status, check.reason, methods, headerNames) : explainFailure(failures[0]!),
    allowedMethods: methods,
    allowedHeaders: headerNames,
    maxAge,
    cacheEntries,
    notes,
  };
}

function explainPass(plan: RequestPlan, status: number, corsReason: string, methods: string[] | null | 'failure', headerNames: string[] | null | 'failure'): string {
  const parts = [`status ${code(String(status))} is 2xx`, corsReason];
  if (!isCorsSafelistedMethod(plan.method)) {
    const listed = Array.isArray(methods) && methods.includes(plan.method);
    parts.push(listed ? `Access-Control-Allow-Methods lists ${code(plan.method)}` : `Access-Control-Allow-Methods is ${code('*')}, a wildcard for a request without credentials`);
  }
  const names = [...new Set(plan.unsafeHeaders.map((u) => lower(u.name)))].sort();
  if (names.length > 0) {
    const list = Array.isArray(headerNames) ? headerNames.map(lower) : [];
    const byName = names.filter((n) => list.includes(n));
    const byWildcard = names.filter((n) => !list.includes(n));
    if (byName.length > 0) parts.push(`Access-Control-Allow-Headers lists ${listAnd(byName.map(code))}`);
    if (byWildcard.length > 0) parts.push(`${code('*')} in Access-Control-Allow-Headers covers ${listAnd(byWildcard.map(code))}`);
  }
  return `the preflight passed: ${listAnd(parts)}`;
}
