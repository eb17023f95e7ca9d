/**
 * What the browser makes of a fetch() call before anything crosses the wire: the
 * Request constructor (https://fetch.spec.whatwg.org/#dom-request), the headers the
 * fetch algorithm adds (https://fetch.spec.whatwg.org/#concept-fetch), and main fetch's
 * choice between same-origin, no-cors, CORS, and CORS with a preflight
 * (https://fetch.spec.whatwg.org/#main-fetch, https://fetch.spec.whatwg.org/#http-fetch).
 */
import { hasHeaderNameCacheMatch, hasMethodCacheMatch, type CacheKeyRequest, type PreflightCacheEntry } from './cache.ts';
import { code, describeUnsafeHeader, explainFailure, listAnd } from './explain.ts';
import { getHeader, isByteString, isHeaderValue, isToken, normalizeHeaderValue, sameName } from './headers.ts';
import { includesCredentials, isHttpScheme, isMixedContent, isSameOrigin, ModelInputError, parseUrl, serializePageOrigin } from './origin.ts';
import { failure } from './rules.ts';
import {
  corsUnsafeRequestHeaders,
  isCorsSafelistedMethod,
  isForbiddenMethod,
  isForbiddenRequestHeader,
  isNoCorsSafelistedRequestHeader,
  normalizeMethod,
  STRING_BODY_CONTENT_TYPE,
  type UnsafeHeader,
} from './safelist.ts';
import { SPEC, type SpecAnchor } from './spec.ts';
import type { CredentialsMode, Failure, HeaderPair, Latitude, RequestMode, ResponseTainting } from './types.ts';

/**
 * A fetch() call as a page makes it. A scenario's FetchSpec plus the page's origin fits.
 * Headers as a record or as [name, value] pairs (pairs keep duplicates, as `new Headers([...])` does).
 */
export interface CorsRequestInit {
  /** The page's serialized origin, e.g. `http://app.example.localhost:4000`, or `null` for an opaque origin. */
  pageOrigin: string;
  /** Absolute, or relative to the page's origin. */
  url: string;
  /** Default `GET`. */
  method?: string;
  headers?: Readonly<Record<string, string>> | readonly HeaderPair[];
  /** The body's content as text (the model reads only whether there is one); it adds `bodyType` as Content-Type unless one is set. */
  body?: string | null;
  /**
   * The Content-Type the body's kind brings (https://fetch.spec.whatwg.org/#concept-bodyinit-extract):
   * `text/plain;charset=UTF-8` for a string (the default), `application/x-www-form-urlencoded;charset=UTF-8`
   * for URLSearchParams, `multipart/form-data; boundary=…` for FormData, a Blob's type, or null (a Blob without one).
   */
  bodyType?: string | null;
  /** Default `cors`, as for fetch() with a URL. */
  mode?: RequestMode;
  /** Default `same-origin`. */
  credentials?: CredentialsMode;
}

export interface PrepareOptions {
  /**
   * The `Accept-Language` value the browser adds when the page sets none. The standard
   * leaves the value to the browser; it only matters near the 1024-byte safelist total.
   */
  acceptLanguage?: string;
  /** Entries the browser's CORS-preflight cache still holds. Default: an empty cache. */
  preflightCache?: readonly PreflightCacheEntry[];
}

/** A header the page set that the browser silently left out. */
export interface DroppedHeader {
  name: string;
  value: string;
  because: 'forbidden-request-header' | 'no-cors-not-safelisted';
  anchor: SpecAnchor;
}

/** Why a preflight is needed, and what it will carry. */
export interface PreflightPlan {
  /** The method, when it is not a CORS-safelisted method. */
  unsafeMethod: string | null;
  /** Each header that is not CORS-safelisted, with the reason. */
  unsafeHeaders: UnsafeHeader[];
  /** `Access-Control-Request-Method`: the method, always sent. */
  accessControlRequestMethod: string;
  /** `Access-Control-Request-Headers`: lowercase, sorted, deduplicated, joined by "," (no space); null when there are none. */
  accessControlRequestHeaders: string | null;
  /**
   * The preflight request: OPTIONS to the same URL, never with credentials (no cookies, no
   * Authorization), with these headers plus those the browser adds itself (User-Agent,
   * Accept-Language, Referer, Sec-Fetch-*).
   */
  request: { method: 'OPTIONS'; url: string; headers: HeaderPair[]; credentials: false };
}

/** The request as the browser holds it at one hop (the first, or one after a redirect). */
export interface RequestPlan {
  pageOrigin: string;
  /** The byte-serialized request origin: the page's origin, or `null` once a cross-origin redirect tainted it. */
  origin: string;
  /** A cross-origin redirect made the origin `null` (https://fetch.spec.whatwg.org/#concept-request-tainted-origin). */
  tainted: boolean;
  /** The current URL, and every URL before it. */
  url: string;
  urlList: string[];
  urlOrigin: string;
  /** Normalized: `put` becomes `PUT`, `patch` stays `patch`. */
  method: string;
  mode: RequestMode;
  credentials: CredentialsMode;
  body: string | null;
  /** The request's header list: the page's headers that were kept, plus `Accept` and the body's `Content-Type`. */
  headers: HeaderPair[];
  dropped: DroppedHeader[];
  crossOrigin: boolean;
  tainting: ResponseTainting;
  /** Cookies, HTTP authentication and client certificates go with the actual request. */
  credentialsIncluded: boolean;
  /** The `Origin` header on the actual request, or null when none is sent. */
  originHeader: string | null;
  /** The CORS-unsafe headers (empty unless the tainting is `cors`). */
  unsafeHeaders: UnsafeHeader[];
  /** The preflight that goes out before the actual request, or null. */
  preflight: PreflightPlan | null;
  /** A preflight would be needed but the preflight cache covers the method and every header. */
  preflightFromCache: boolean;
  /** Whether a preflight goes out, or which headers it lists, depends on the browser's own Accept-Language value (see notes). */
  preflightDependsOnBrowser: boolean;
  redirectCount: number;
  /** The page set no Accept-Language and the caller did not say which one the browser adds. */
  acceptLanguageUnknown: boolean;
  /** A TypeError or network error before anything is sent at this hop; the rest of the plan is then moot. */
  error: Failure | null;
  notes: Latitude[];
  explanation: string;
}

/** The state main fetch runs on; a redirect changes it and runs main fetch again. */
export interface HopState {
  pageOrigin: string;
  urlList: string[];
  method: string;
  mode: RequestMode;
  credentials: CredentialsMode;
  body: string | null;
  headers: HeaderPair[];
  dropped: DroppedHeader[];
  tainting: ResponseTainting;
  redirectCount: number;
  /** The page set no Accept-Language and the caller did not say what the browser adds. */
  acceptLanguageUnknown: boolean;
}

function entriesOf(headers: CorsRequestInit['headers']): HeaderPair[] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return (headers as readonly HeaderPair[]).map(([n, v]) => [n, v] as const);
  return Object.entries(headers as Record<string, string>);
}

/** https://fetch.spec.whatwg.org/#concept-header-list-append: a repeated name keeps the first spelling. */
function appendHeader(list: HeaderPair[], name: string, value: string): void {
  const first = list.find(([n]) => sameName(n, name));
  list.push([first ? first[0] : name, value]);
}

function hasHeader(list: readonly HeaderPair[], name: string): boolean {
  return list.some(([n]) => sameName(n, name));
}

/**
 * https://fetch.spec.whatwg.org/#concept-request-tainted-origin, reduced to what the
 * Origin serialization needs: any hop that leaves an origin other than the request's
 * own for a different origin taints it. (The same-site/cross-site split does not matter
 * here, so no public suffix list is needed.)
 */
export function isRedirectTainted(pageOrigin: string, urlList: readonly string[]): boolean {
  for (let i = 1; i < urlList.length; i++) {
    const last = new URL(urlList[i - 1]!).origin;
    const next = new URL(urlList[i]!).origin;
    if (!isSameOrigin(next, last) && !isSameOrigin(pageOrigin, last)) return true;
  }
  return false;
}

const note = (id: Latitude['id'], text: string, anchor: SpecAnchor): Latitude => ({ id, text, anchor });

/** Runs the Request constructor and the fetch algorithm's first steps, then plans the first hop. */
export function prepareRequest(init: CorsRequestInit, options: PrepareOptions = {}): RequestPlan {
  const pageOrigin = serializePageOrigin(init.pageOrigin);
  const mode = init.mode ?? 'cors';
  const credentials = init.credentials ?? 'same-origin';
  const rawMethod = init.method ?? 'GET';
  const given = entriesOf(init.headers);
  const body = init.body ?? null;
  let resolved: URL | null = null;
  const stub = (error: Failure): RequestPlan =>
    errorPlan({ pageOrigin, url: resolved?.href ?? init.url, method: rawMethod, mode, credentials, body, error });

  // WebIDL turns the init dictionary into ByteStrings before the constructor runs.
  for (const [name, value] of given) {
    if (!isByteString(name) || !isByteString(value)) {
      return stub(failure('header-invalid', 'request', { subject: name, observed: [value], detail: 'not-byte-string', anchor: SPEC.webidlByteString }));
    }
  }
  if (pageOrigin === 'null' && parseUrl(init.url) === null) {
    throw new ModelInputError(`the page's origin is opaque, so the model cannot resolve the relative URL ${JSON.stringify(init.url)}; give an absolute URL`);
  }
  const url = parseUrl(init.url, pageOrigin === 'null' ? undefined : `${pageOrigin}/`);
  if (url === null) return stub(failure('url-invalid', 'request', { observed: [init.url] }));
  resolved = url;
  if (includesCredentials(url)) return stub(failure('url-credentials', 'request', { observed: [url.href], anchor: SPEC.urlIncludesCredentials }));
  if (!isHttpScheme(url)) {
    throw new ModelInputError(`the model covers http: and https: URLs only, not ${JSON.stringify(url.protocol)}`);
  }
  if (!isToken(rawMethod)) return stub(failure('method-invalid', 'request', { observed: [rawMethod] }));
  if (isForbiddenMethod(rawMethod)) return stub(failure('method-forbidden', 'request', { observed: [rawMethod] }));
  const method = normalizeMethod(rawMethod);
  if (mode === 'no-cors' && !isCorsSafelistedMethod(method)) {
    return stub(failure('no-cors-method', 'request', { observed: [method], expected: 'GET, HEAD or POST' }));
  }

  // Fill the Request's Headers (guard "request", or "request-no-cors").
  const headers: HeaderPair[] = [];
  const dropped: DroppedHeader[] = [];
  for (const [name, rawValue] of given) {
    const value = normalizeHeaderValue(rawValue);
    if (!isToken(name)) return stub(failure('header-invalid', 'request', { subject: name, observed: [rawValue], detail: 'name' }));
    if (!isHeaderValue(value)) return stub(failure('header-invalid', 'request', { subject: name, observed: [rawValue], detail: 'value' }));
    if (mode !== 'no-cors' && isForbiddenRequestHeader(name, value)) {
      dropped.push({ name, value, because: 'forbidden-request-header', anchor: SPEC.forbiddenRequestHeader });
      continue;
    }
    if (mode === 'no-cors') {
      // The combined value must stay no-CORS-safelisted, or the header is silently ignored (not a TypeError).
      const existing = getHeader(headers, name);
      if (!isNoCorsSafelistedRequestHeader(name, existing === null ? value : `${existing}, ${value}`)) {
        dropped.push({ name, value, because: 'no-cors-not-safelisted', anchor: SPEC.headersAppend });
        continue;
      }
    }
    appendHeader(headers, name, value);
  }
  if (body !== null && (method === 'GET' || method === 'HEAD')) {
    return stub(failure('body-with-get-or-head', 'request', { observed: [method] }));
  }
  // The body's type goes through the Headers object too, so its guard applies: request-no-cors leaves out a type that is not no-CORS-safelisted.
  const bodyType = body === null ? null : init.bodyType === undefined ? STRING_BODY_CONTENT_TYPE : init.bodyType;
  if (bodyType !== null && !hasHeader(headers, 'Content-Type') && (mode !== 'no-cors' || isNoCorsSafelistedRequestHeader('Content-Type', bodyType))) {
    appendHeader(headers, 'Content-Type', bodyType);
  }
  // https://fetch.spec.whatwg.org/#concept-fetch: `Accept: */*` for fetch(), and an Accept-Language of the browser's choosing.
  if (!hasHeader(headers, 'Accept')) appendHeader(headers, 'Accept', '*/*');
  const acceptLanguageUnknown = !hasHeader(headers, 'Accept-Language') && options.acceptLanguage === undefined;
  if (!hasHeader(headers, 'Accept-Language') && options.acceptLanguage !== undefined) appendHeader(headers, 'Accept-Language', options.acceptLanguage);

  return planHop(
    { pageOrigin, urlList: [url.href], method, mode, credentials, body, headers, dropped, tainting: 'basic', redirectCount: 0, acceptLanguageUnknown },
    options.preflightCache ?? [],
  );
}

function errorPlan(p: { pageOrigin: string; url: string; method: string; mode: RequestMode; credentials: CredentialsMode; body: string | null; error: Failure }): RequestPlan {
  const url = parseUrl(p.url);
  return {
    pageOrigin: p.pageOrigin,
    origin: p.pageOrigin,
    tainted: false,
    url: url?.href ?? p.url,
    urlList: [url?.href ?? p.url],
    urlOrigin: url?.origin ?? 'null',
    method: p.method,
    mode: p.mode,
    credentials: p.credentials,
    body: p.body,
    headers: [],
    dropped: [],
    crossOrigin: !isSameOrigin(url?.origin ?? 'null', p.pageOrigin),
    tainting: 'basic',
    credentialsIncluded: false,
    originHeader: null,
    unsafeHeaders: [],
    preflight: null,
    preflightFromCache: false,
    preflightDependsOnBrowser: false,
    redirectCount: 0,
    acceptLanguageUnknown: false,
    error: p.error,
    notes: [],
    explanation: explainFailure(p.error),
  };
}

/** Main fetch and HTTP fetch's preflight decision for the current URL of `state`. */
export function planHop(state: HopState, cache: readonly PreflightCacheEntry[] = []): RequestPlan {
  const current = new URL(state.urlList[state.urlList.length - 1]!);
  const urlOrigin = current.origin;
  const tainted = isRedirectTainted(state.pageOrigin, state.urlList);
  // https://fetch.spec.whatwg.org/#serializing-a-request-origin
  const origin = tainted ? 'null' : state.pageOrigin;
  const crossOrigin = !isSameOrigin(urlOrigin, state.pageOrigin);
  const notes: Latitude[] = [];
  let error: Failure | null = null;
  let tainting: ResponseTainting;
  // Main fetch step 7 (https://fetch.spec.whatwg.org/#main-fetch), on every hop: a redirect to http is mixed content too.
  const mixed = isMixedContent(state.pageOrigin, current);
  if (mixed) error = failure('mixed-content', 'request', { observed: [current.href], expected: state.pageOrigin });
  if (!crossOrigin && state.tainting === 'basic') tainting = 'basic';
  else if (state.mode === 'same-origin') {
    tainting = 'basic';
    error = failure('same-origin-mode', 'request', { observed: [current.href], expected: state.pageOrigin });
  } else if (state.mode === 'no-cors') tainting = 'opaque';
  else tainting = 'cors';

  let unsafeHeaders: UnsafeHeader[] = [];
  let preflight: PreflightPlan | null = null;
  let preflightFromCache = false;
  let preflightDependsOnBrowser = false;
  if (error === null && tainting === 'cors') {
    const unsafe = corsUnsafeRequestHeaders(state.headers);
    unsafeHeaders = unsafe.unsafe;
    const unsafeMethod = isCorsSafelistedMethod(state.method) ? null : state.method;
    const needed = unsafeMethod !== null || unsafe.names.length > 0;
    const key: CacheKeyRequest = { key: state.pageOrigin, origin, url: current.href, credentials: state.credentials };
    const goesOut =
      (unsafeMethod !== null && !hasMethodCacheMatch(cache, state.method, key)) || unsafe.names.some((n) => !hasHeaderNameCacheMatch(cache, n, key));
    preflightFromCache = needed && !goesOut;
    if (goesOut) {
      const acrh = unsafe.names.length > 0 ? unsafe.names.join(',') : null;
      const headers: HeaderPair[] = [
        ['Accept', '*/*'],
        ['Access-Control-Request-Method', state.method],
        ...(acrh === null ? [] : [['Access-Control-Request-Headers', acrh] as const]),
        ['Origin', origin],
      ];
      preflight = {
        unsafeMethod,
        unsafeHeaders: unsafe.unsafe,
        accessControlRequestMethod: state.method,
        accessControlRequestHeaders: acrh,
        request: { method: 'OPTIONS', url: current.href, headers, credentials: false },
      };
    }
    if (state.acceptLanguageUnknown) {
      // Any Accept-Language the browser adds counts toward the 1024-byte total (up to 128 bytes of it).
      if (unsafe.safelistedTotal <= 1024 && unsafe.safelistedTotal > 1024 - 128) {
        preflightDependsOnBrowser = true;
        notes.push(note('accept-language', `the safelisted header values already add up to ${unsafe.safelistedTotal} bytes, so the Accept-Language value the browser adds on its own may push them over the 1024-byte total and ${preflight === null ? 'force a preflight' : 'and add every safelisted header to Access-Control-Request-Headers'}`, SPEC.fetchAlgorithm));
      } else if (unsafe.safelistedTotal > 1024) {
        notes.push(note('accept-language', `the safelisted header values exceed the 1024-byte total, so ${code('accept-language')} also appears in Access-Control-Request-Headers if the browser adds an Accept-Language header of its own`, SPEC.fetchAlgorithm));
      }
    }
    if (cache.length > 0) {
      notes.push(note('preflight-cache-eviction', 'the browser may drop preflight cache entries before their max-age runs out, or keep no cache at all, so a cached preflight may still be sent; the model assumes a browser that caches keeps an entry for at least the 5-second default', SPEC.corsPreflightCache));
    }
  }

  const credentialsIncluded = state.credentials === 'include' || (state.credentials === 'same-origin' && tainting === 'basic');
  if (error === null && credentialsIncluded) {
    notes.push(note('cookies', 'which cookies go with the request is up to the cookie layer (SameSite, the browser\'s third-party cookie policy), not the Fetch standard', SPEC.httpNetworkOrCacheFetch));
  }

  // https://fetch.spec.whatwg.org/#origin-header (append a request `Origin` header)
  let originHeader: string | null = null;
  if (tainting === 'cors') originHeader = origin;
  else if (state.method !== 'GET' && state.method !== 'HEAD') {
    originHeader = origin;
    if (state.mode !== 'cors') {
      // Assumes the default referrer policy, strict-origin-when-cross-origin.
      if (origin !== 'null' && origin.startsWith('https:') && current.protocol !== 'https:') originHeader = 'null';
      notes.push(note('referrer-policy', "the Origin header of a non-CORS request depends on the page's referrer policy; the model assumes the default, strict-origin-when-cross-origin", SPEC.originHeader));
    }
  }

  const plan: RequestPlan = {
    pageOrigin: state.pageOrigin,
    origin,
    tainted,
    url: current.href,
    urlList: [...state.urlList],
    urlOrigin,
    method: state.method,
    mode: state.mode,
    credentials: state.credentials,
    body: state.body,
    headers: state.headers,
    dropped: state.dropped,
    crossOrigin,
    tainting,
    credentialsIncluded,
    originHeader,
    unsafeHeaders,
    preflight,
    preflightFromCache,
    preflightDependsOnBrowser,
    redirectCount: state.redirectCount,
    acceptLanguageUnknown: state.acceptLanguageUnknown,
    error,
    notes,
    explanation: '',
  };
  plan.explanation = explainPlan(plan);
  return plan;
}

/** Why a preflight is needed, as a clause: "`PUT` is not a CORS-safelisted method and ...". */
export function preflightReasons(preflight: Pick<PreflightPlan, 'unsafeMethod' | 'unsafeHeaders'>): string {
  const reasons: string[] = [];
  if (preflight.unsafeMethod !== null) reasons.push(`${code(preflight.unsafeMethod)} is not a CORS-safelisted method (${code('GET')}, ${code('HEAD')}, ${code('POST')})`);
  const totals = preflight.unsafeHeaders.filter((u) => u.reason === 'total-size');
  for (const u of preflight.unsafeHeaders) if (u.reason !== 'total-size') reasons.push(describeUnsafeHeader(u));
  if (totals[0]) reasons.push(`the safelisted header values add up to ${totals[0].total ?? 0} bytes, over the 1024-byte total`);
  return listAnd(reasons);
}

function explainPlan(plan: RequestPlan): string {
  if (plan.error) return explainFailure(plan.error);
  const creds = plan.credentialsIncluded ? 'with credentials' : 'without credentials';
  const dropped = plan.dropped.length === 0 ? '' : `; the browser silently left out ${listAnd(plan.dropped.map((d) => code(d.name)))} (${plan.dropped.some((d) => d.because === 'no-cors-not-safelisted') ? `not allowed in ${code('no-cors')} mode` : 'forbidden request headers'})`;
  if (plan.tainting === 'basic') return `same-origin request ${creds}: CORS does not apply and the page can read the response${dropped}`;
  if (plan.tainting === 'opaque') return `cross-origin ${code('no-cors')} request ${creds}: it is sent without a preflight and the page gets an opaque response${dropped}`;
  if (plan.preflight) return `cross-origin request ${creds} that needs a preflight: ${preflightReasons(plan.preflight)}${dropped}`;
  if (plan.preflightFromCache) return `cross-origin request ${creds} that would need a preflight, but the preflight cache already allows its method and headers${dropped}`;
  return `cross-origin request ${creds} and no preflight: ${code(plan.method)} is a CORS-safelisted method and every header is CORS-safelisted${dropped}`;
}
