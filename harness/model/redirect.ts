/**
 * Following a redirect: HTTP fetch's CORS check on the redirect response
 * (https://fetch.spec.whatwg.org/#http-fetch), then HTTP-redirect fetch
 * (https://fetch.spec.whatwg.org/#http-redirect-fetch) and main fetch again for the
 * new URL, which may need its own preflight and may carry `Origin: null`.
 * Redirect mode is `follow`, fetch()'s default.
 */
import type { PreflightCacheEntry } from './cache.ts';
import { corsCheck } from './cors-check.ts';
import { code, explainFailure, listAnd } from './explain.ts';
import { headerLines, sameName } from './headers.ts';
import { includesCredentials, isHttpScheme, isSameOrigin, parseUrl } from './origin.ts';
import type { WireResponse } from './preflight.ts';
import { planHop, type RequestPlan } from './request.ts';
import { failure } from './rules.ts';
import { SPEC } from './spec.ts';
import type { Failure, HeaderPair } from './types.ts';

export type RedirectOutcome =
  | { kind: 'not-a-redirect' }
  | { kind: 'blocked'; failures: Failure[]; explanation: string }
  | { kind: 'follow'; location: string; next: RequestPlan; changes: string[]; explanation: string };

/** https://fetch.spec.whatwg.org/#redirect-status */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

const REQUEST_BODY_HEADER_NAMES = ['content-encoding', 'content-language', 'content-location', 'content-type'];

/**
 * What happens when the response to `plan` is `response`. `not-a-redirect` means the
 * response is final (also a 3xx without Location): judge it with checkResponse.
 */
export function followRedirect(plan: RequestPlan, response: WireResponse, cache: readonly PreflightCacheEntry[] = []): RedirectOutcome {
  if (!isRedirectStatus(response.status)) return { kind: 'not-a-redirect' };
  const blocked = (f: Failure): RedirectOutcome => ({ kind: 'blocked', failures: [f], explanation: explainFailure(f) });
  // https://fetch.spec.whatwg.org/#concept-response-location-url: one Location, parsed against the current URL.
  const locations = headerLines(response.headers, 'Location');
  if (locations.length === 0) return { kind: 'not-a-redirect' };
  if (plan.tainting === 'cors') {
    // The CORS check applies to the redirect response itself, before it is followed.
    const check = corsCheck({ origin: plan.origin, credentials: plan.credentials, tainted: plan.tainted }, response.headers, 'redirect');
    if (!check.ok) return { kind: 'blocked', failures: check.failures, explanation: explainFailure(check.failures[0]!) };
  }
  if (locations.length > 1) return blocked(failure('redirect-location-invalid', 'redirect', { header: 'Location', observed: locations }));
  const location = parseUrl(locations[0]!, plan.url);
  if (location === null) return blocked(failure('redirect-location-invalid', 'redirect', { header: 'Location', observed: locations }));
  if (!isHttpScheme(location)) return blocked(failure('redirect-scheme', 'redirect', { header: 'Location', observed: [location.href] }));
  if (plan.redirectCount >= 20) return blocked(failure('redirect-limit', 'redirect', { observed: [String(plan.redirectCount + 1)], expected: '20' }));
  if (includesCredentials(location) && ((plan.mode === 'cors' && !isSameOrigin(plan.pageOrigin, location.origin)) || plan.tainting === 'cors')) {
    return blocked(failure('redirect-credentials', 'redirect', { header: 'Location', observed: [location.href], anchor: SPEC.httpRedirectFetch }));
  }

  const changes: string[] = [];
  let method = plan.method;
  let body = plan.body;
  let headers: HeaderPair[] = [...plan.headers];
  if (((response.status === 301 || response.status === 302) && method === 'POST') || (response.status === 303 && method !== 'GET' && method !== 'HEAD')) {
    changes.push(`the method becomes ${code('GET')} and the body and its Content-* headers are dropped (status ${code(String(response.status))})`);
    method = 'GET';
    body = null;
    headers = headers.filter(([n]) => !REQUEST_BODY_HEADER_NAMES.includes(n.toLowerCase()));
  }
  if (!isSameOrigin(location.origin, plan.urlOrigin) && headers.some(([n]) => sameName(n, 'authorization'))) {
    changes.push(`${code('Authorization')} is removed because the redirect leaves the origin`);
    headers = headers.filter(([n]) => !sameName(n, 'authorization'));
  }
  const next = planHop(
    {
      pageOrigin: plan.pageOrigin,
      urlList: [...plan.urlList, location.href],
      method,
      mode: plan.mode,
      credentials: plan.credentials,
      body,
      headers,
      dropped: plan.dropped,
      tainting: plan.tainting,
      redirectCount: plan.redirectCount + 1,
      acceptLanguageUnknown: plan.acceptLanguageUnknown,
    },
    cache,
  );
  if (next.tainted && !plan.tainted) changes.push(`the request's origin becomes ${code('null')} because the redirect goes from one origin to another that is not the page's`);
  if (next.preflight) changes.push('the new URL needs its own preflight');
  const explanation =
    next.error ? next.explanation
    : `the ${code(String(response.status))} redirect to ${code(location.href)} is followed${changes.length > 0 ? `: ${listAnd(changes)}` : ''}`;
  return { kind: 'follow', location: location.href, next, changes, explanation };
}
