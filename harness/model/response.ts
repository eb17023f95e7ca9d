/**
 * What the page gets from a final (non-redirect) response: main fetch's filtered
 * response (https://fetch.spec.whatwg.org/#main-fetch), after HTTP fetch's CORS check
 * (https://fetch.spec.whatwg.org/#http-fetch).
 */
import { corsCheck } from './cors-check.ts';
import { code, explainFailure, listAnd } from './explain.ts';
import { extractTokenList, getHeader, headerLines, sameName, sortAndCombine, sortedLowercaseSet } from './headers.ts';
import { isSameOrigin } from './origin.ts';
import type { WireResponse } from './preflight.ts';
import type { RequestPlan } from './request.ts';
import { failure } from './rules.ts';
import { isAlwaysSafelistedResponseHeaderName, isForbiddenResponseHeaderName } from './safelist.ts';
import { SPEC } from './spec.ts';
import type { Failure, Latitude, ModelResult } from './types.ts';

export const ACEH = 'Access-Control-Expose-Headers';

/** Why JavaScript can or cannot read one response header. */
export type ExposureReason =
  | 'basic' // same-origin: everything but Set-Cookie
  | 'safelisted' // a CORS-safelisted response-header name
  | 'exposed' // listed in Access-Control-Expose-Headers
  | 'wildcard' // `*` in Access-Control-Expose-Headers, without credentials
  | 'forbidden' // Set-Cookie, Set-Cookie2: never
  | 'not-exposed' // not listed
  | 'wildcard-with-credentials' // `*` listed, but credentials mode is include, so it is literal
  | 'expose-headers-invalid' // Access-Control-Expose-Headers did not parse, so nothing extra is exposed
  | 'opaque'; // no-cors: nothing at all

export interface HeaderExposure {
  /** Lowercase, as `response.headers` shows it. */
  name: string;
  readable: boolean;
  why: ExposureReason;
}

export interface ResponseOutcome {
  /** `undetermined` only where the standard leaves the answer to something the model does not have (see notes). */
  result: ModelResult | 'undetermined';
  failures: Failure[];
  /** The status JavaScript reads: the real one when allowed, 0 when opaque, null when blocked. */
  status: number | null;
  /** What iterating `response.headers` yields: lowercase names, repeated headers combined with ", ". */
  readable: [string, string][];
  /** Every header name the server sent, readable or not, and why. */
  exposure: HeaderExposure[];
  notes: Latitude[];
  explanation: string;
}

/**
 * https://fetch.spec.whatwg.org/#main-fetch (the CORS-exposed header-name list) and
 * https://fetch.spec.whatwg.org/#concept-filtered-response-cors: which names JavaScript may read.
 */
export function exposedHeaders(plan: Pick<RequestPlan, 'tainting' | 'credentials'>, headers: WireResponse['headers']): HeaderExposure[] {
  const names = sortedLowercaseSet(headers.map(([n]) => n));
  if (plan.tainting === 'opaque') return names.map((name) => ({ name, readable: false, why: 'opaque' }));
  if (plan.tainting === 'basic') {
    return names.map((name) => (isForbiddenResponseHeaderName(name) ? { name, readable: false, why: 'forbidden' } : { name, readable: true, why: 'basic' }));
  }
  const list = extractTokenList(headers, ACEH);
  const wildcard = Array.isArray(list) && list.includes('*');
  const everything = wildcard && plan.credentials !== 'include';
  return names.map((name): HeaderExposure => {
    if (isForbiddenResponseHeaderName(name)) return { name, readable: false, why: 'forbidden' };
    if (isAlwaysSafelistedResponseHeaderName(name)) return { name, readable: true, why: 'safelisted' };
    if (Array.isArray(list) && list.some((item) => sameName(item, name))) return { name, readable: true, why: 'exposed' };
    if (everything) return { name, readable: true, why: 'wildcard' };
    if (list === 'failure') return { name, readable: false, why: 'expose-headers-invalid' };
    return { name, readable: false, why: wildcard ? 'wildcard-with-credentials' : 'not-exposed' };
  });
}

/** Judges a final response (not a redirect that is followed) for the request at this hop. */
export function checkResponse(plan: RequestPlan, response: WireResponse): ResponseOutcome {
  const notes: Latitude[] = [];
  if (plan.tainting === 'opaque') {
    const corp = corpCheck(plan, response);
    if (corp.failure) {
      return { result: 'blocked', failures: [corp.failure], status: null, readable: [], exposure: [], notes, explanation: explainFailure(corp.failure) };
    }
    if (corp.undetermined) {
      notes.push(corp.undetermined);
      return { result: 'undetermined', failures: [], status: null, readable: [], exposure: [], notes, explanation: `undetermined: ${corp.undetermined.text}` };
    }
    return {
      result: 'opaque',
      failures: [],
      status: 0,
      readable: [],
      exposure: exposedHeaders(plan, response.headers),
      notes,
      explanation: `opaque: mode ${code('no-cors')} gives the page a response with status 0, no headers and no body, whatever the server answered (here ${code(String(response.status))})`,
    };
  }
  const exposure = exposedHeaders(plan, response.headers);
  const readableNames = new Set(exposure.filter((e) => e.readable).map((e) => e.name));
  const readable = sortAndCombine(response.headers.filter(([n]) => readableNames.has(n.toLowerCase())));
  if (plan.tainting === 'basic') {
    return { result: 'allowed', failures: [], status: response.status, readable, exposure, notes, explanation: `allowed: the request is same-origin, so CORS does not apply and JavaScript reads status ${code(String(response.status))} and every header but Set-Cookie` };
  }
  const check = corsCheck({ origin: plan.origin, credentials: plan.credentials, tainted: plan.tainted }, response.headers, 'response');
  if (!check.ok) {
    return { result: 'blocked', failures: check.failures, status: null, readable: [], exposure: [], notes, explanation: explainFailure(check.failures[0]!) };
  }
  // CORS protocol headers are not what a page wants to read, so they are left out of the sentence.
  const hidden = exposure.filter((e) => !e.readable && e.why !== 'forbidden' && !e.name.startsWith('access-control-') && e.name !== 'vary').map((e) => e.name);
  const extra = exposure.filter((e) => e.readable && e.why !== 'safelisted').map((e) => e.name);
  const parts = [
    extra.length > 0 ? `JavaScript can also read ${listAnd(extra.map(code))}` : '',
    hidden.length > 0 ? `${listAnd(hidden.map(code))} ${hidden.length > 1 ? 'stay' : 'stays'} hidden (not in Access-Control-Expose-Headers)` : '',
  ].filter(Boolean);
  const tail = parts.length > 0 ? `; ${parts.join(', while ')}` : '';
  return { result: 'allowed', failures: [], status: response.status, readable, exposure, notes, explanation: `allowed: ${check.reason}${tail}` };
}

/**
 * https://fetch.spec.whatwg.org/#cross-origin-resource-policy-internal-check with the default
 * embedder policy (unsafe-none): `same-origin` refuses a cross-origin opaque response;
 * `same-site` needs the public suffix list when the origins differ, which the model does not carry.
 */
function corpCheck(plan: RequestPlan, response: WireResponse): { failure?: Failure; undetermined?: Latitude } {
  const policy = getHeader(response.headers, 'Cross-Origin-Resource-Policy');
  if (policy === 'same-origin' && !isSameOrigin(plan.pageOrigin, plan.urlOrigin)) {
    return { failure: failure('corp-blocked', 'response', { header: 'Cross-Origin-Resource-Policy', observed: headerLines(response.headers, 'Cross-Origin-Resource-Policy'), expected: plan.pageOrigin }) };
  }
  if (policy === 'same-site' && !isSameOrigin(plan.pageOrigin, plan.urlOrigin)) {
    const blocked = () => ({ failure: failure('corp-blocked', 'response', { header: 'Cross-Origin-Resource-Policy', observed: [policy], expected: plan.pageOrigin, detail: 'same-site' }) });
    if (plan.pageOrigin === 'null') return blocked();
    const page = new URL(plan.pageOrigin);
    const target = new URL(plan.urlOrigin);
    // A response that came over https never matches an http page, even on the same site.
    if (page.protocol !== 'https:' && target.protocol === 'https:') return blocked();
    if (page.hostname === target.hostname) return {};
    const isIp = (h: string) => h.startsWith('[') || /^[0-9.]+$/.test(h);
    if (isIp(page.hostname) || isIp(target.hostname)) return blocked();
    return {
      undetermined: { id: 'corp-same-site', text: `Cross-Origin-Resource-Policy is ${code('same-site')}, and whether ${code(plan.pageOrigin)} and ${code(plan.urlOrigin)} are same-site depends on the public suffix list, which the model does not carry`, anchor: SPEC.corp },
    };
  }
  return {};
}
