/**
 * The CORS check (https://fetch.spec.whatwg.org/#concept-cors-check), applied to
 * preflight responses, redirects and actual responses alike.
 */
import { code } from './explain.ts';
import { getHeader, headerLines } from './headers.ts';
import { parseUrl } from './origin.ts';
import { failure } from './rules.ts';
import type { CredentialsMode, Failure, HeaderPair, Stage } from './types.ts';

export const ACAO = 'Access-Control-Allow-Origin';
export const ACAC = 'Access-Control-Allow-Credentials';

/** What the CORS check needs to know about the request. */
export interface CorsCheckRequest {
  /** The byte-serialized request origin: the page's origin, or `null` (opaque page, or tainted by a redirect). */
  origin: string;
  credentials: CredentialsMode;
  /** The origin is `null` because a cross-origin redirect tainted it, not because the page is opaque. */
  tainted?: boolean;
}

export interface CorsCheckResult {
  ok: boolean;
  /** At most one: the CORS check stops at the first rule that fails. */
  failures: Failure[];
  /** Why it passed, as a clause ("Access-Control-Allow-Origin `*` ..."), or the failure's sentence. */
  reason: string;
}

/**
 * Why an Access-Control-Allow-Origin value that is one value is still not the origin:
 * the usual slips first (trailing slash, case, default port), then what differs.
 */
export function originMismatchDetail(value: string, origin: string): string {
  if (value === '') return 'empty';
  if (value === 'null') return 'null';
  if (value.replace(/\/+$/, '') === origin) return 'trailing-slash';
  if (value.toLowerCase() === origin.toLowerCase()) {
    const [vScheme = '', vRest = ''] = value.split('://');
    const [oScheme = '', oRest = ''] = origin.split('://');
    if (vScheme !== oScheme && vRest === oRest) return 'scheme-case';
    if (vScheme === oScheme && vRest !== oRest) return 'host-case';
    return 'case';
  }
  const url = parseUrl(value);
  const want = parseUrl(origin);
  if (url === null || url.origin === 'null' || want === null) return 'not-an-origin';
  if (url.origin === origin) return url.pathname !== '/' || url.search !== '' || url.hash !== '' ? 'path' : 'default-port';
  if (url.protocol === want.protocol && url.hostname === want.hostname) return 'port';
  if (url.hostname === want.hostname && url.port === want.port) return 'scheme';
  return 'other-origin';
}

/** https://fetch.spec.whatwg.org/#concept-cors-check */
export function corsCheck(request: CorsCheckRequest, headers: readonly HeaderPair[], stage: Stage): CorsCheckResult {
  const fail = (f: Failure): CorsCheckResult => ({ ok: false, failures: [f], reason: '' });
  const lines = headerLines(headers, ACAO);
  // "Getting" joins repeated lines with ", ": two lines can never equal one origin.
  const value = getHeader(headers, ACAO);
  const originDetail = request.origin === 'null' ? (request.tainted ? 'origin-tainted' : 'opaque-origin') : undefined;
  if (value === null) {
    return fail(failure('allow-origin-missing', stage, { header: ACAO, expected: request.origin, credentials: request.credentials, ...(originDetail ? { detail: originDetail } : {}) }));
  }
  if (request.credentials !== 'include' && value === '*') {
    return { ok: true, failures: [], reason: `Access-Control-Allow-Origin is ${code('*')} and the request's credentials mode is ${code(request.credentials)}, so any origin may read it` };
  }
  if (value !== request.origin) {
    if (lines.length > 1 || value.includes(',')) {
      return fail(failure('allow-origin-multiple', stage, { header: ACAO, observed: lines, expected: request.origin }));
    }
    if (value === '*') {
      return fail(failure('allow-origin-wildcard-with-credentials', stage, { header: ACAO, observed: lines, expected: request.origin, credentials: request.credentials }));
    }
    return fail(failure('allow-origin-mismatch', stage, { header: ACAO, observed: lines, expected: request.origin, detail: originDetail ?? originMismatchDetail(value, request.origin) }));
  }
  const who = request.origin === 'null' ? "the request's origin" : "the page's origin";
  if (request.credentials !== 'include') {
    return { ok: true, failures: [], reason: `Access-Control-Allow-Origin ${code(value)} matches ${who}` };
  }
  const credentialLines = headerLines(headers, ACAC);
  if (getHeader(headers, ACAC) === 'true') {
    return { ok: true, failures: [], reason: `Access-Control-Allow-Origin ${code(value)} matches ${who} and Access-Control-Allow-Credentials is ${code('true')}` };
  }
  return fail(failure('allow-credentials-not-true', stage, { header: ACAC, observed: credentialLines, expected: 'true', credentials: 'include' }));
}
