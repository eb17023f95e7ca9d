/**
 * Sentences from data. Every explanation is one sentence that names the header
 * and the values involved, values in backticks, built only from a Failure (or an
 * unsafe header), so a report can rebuild it from results.json.
 */
import type { UnsafeHeader } from './safelist.ts';
import type { Failure } from './types.ts';

/** A value in backticks; control characters are shown as hex so the sentence stays on one line. */
export function code(value: string): string {
  const shown = value.replace(/[\0-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `\`${shown}\``;
}

/** "a", "a and b", "a, b and c". */
export function listAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "a", "a or b", "a, b or c". */
export function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const codes = (values: readonly string[]) => listAnd(values.map(code));

/** Whose header it is: the preflight's, a redirect's, or the response's. */
function whose(f: Failure): string {
  if (f.stage === 'preflight') return "the preflight's ";
  if (f.stage === 'redirect') return "the redirect's ";
  return '';
}

/** The response a header was missing from. */
function theResponse(f: Failure): string {
  if (f.stage === 'preflight') return 'the preflight response';
  if (f.stage === 'redirect') return 'the redirect response';
  return 'the response';
}

/** "the page's origin" or, once a redirect tainted it, "the request's origin". */
function originWord(f: Failure): string {
  return f.detail === 'origin-tainted' ? "the request's origin" : "the page's origin";
}

const MISMATCH_NOTES: Record<string, string> = {
  'trailing-slash': ' (trailing slash)',
  'scheme-case': ' (the scheme differs in case, and the comparison is byte-for-byte)',
  'host-case': ' (the host differs in case, and the comparison is byte-for-byte)',
  case: ' (it differs in case, and the comparison is byte-for-byte)',
  'default-port': ' (it spells out the default port, which a serialized origin leaves out)',
  path: ' (an origin has no path)',
  port: ' (a different port)',
  scheme: ' (a different scheme)',
  null: '',
  empty: ' (empty)',
  'other-origin': '',
  'not-an-origin': ' (not an origin at all)',
  'opaque-origin': '',
  'origin-tainted': '',
};

/** One sentence for one failure. */
export function explainFailure(f: Failure): string {
  const value = f.observed[0] ?? '';
  const h = f.header ?? '';
  // A list header that came on several lines reads as one comma-joined value.
  const joined = f.observed.join(', ');
  switch (f.rule) {
    case 'url-invalid':
      return `TypeError before sending: ${code(value)} is not a valid URL`;
    case 'url-credentials':
      return `TypeError before sending: the URL ${code(value)} contains a username or password, which fetch() refuses`;
    case 'method-invalid':
      return `TypeError before sending: ${code(value)} is not a valid HTTP method (a method is a token: no spaces or separators)`;
    case 'method-forbidden':
      return `TypeError before sending: ${code(value)} is a forbidden method (CONNECT, TRACE and TRACK are never allowed)`;
    case 'header-invalid':
      if (f.detail === 'not-byte-string') return `TypeError before sending: header ${code(f.subject ?? '')} has a character above U+00FF in ${code(value)}, and header names and values must be byte strings`;
      if (f.detail === 'name') return `TypeError before sending: ${code(f.subject ?? '')} is not a valid header name`;
      return `TypeError before sending: the value ${code(value)} of header ${code(f.subject ?? '')} contains a NUL, CR or LF byte`;
    case 'body-with-get-or-head':
      return `TypeError before sending: a ${code(value)} request cannot have a body`;
    case 'no-cors-method':
      return `TypeError before sending: mode ${code('no-cors')} only allows ${listOr(['GET', 'HEAD', 'POST'].map(code))}, not ${code(value)}`;
    case 'mixed-content':
      return `blocked before sending: the page's origin ${code(f.expected ?? '')} is potentially trustworthy and ${code(value)} is not, so fetching it is mixed content, which main fetch blocks before any CORS rule applies`;
    case 'same-origin-mode':
      return `blocked before sending: mode ${code('same-origin')} refuses ${code(value)} because its origin is not the page's origin ${code(f.expected ?? '')}`;
    case 'scheme-not-http':
      return `blocked before sending: a CORS request needs an http: or https: URL, not ${code(value)}`;
    case 'allow-origin-missing':
      return `blocked: ${theResponse(f)} has no Access-Control-Allow-Origin header, so ${originWord(f)} ${code(f.expected ?? '')} may not read it`;
    case 'allow-origin-multiple':
      if (f.observed.length > 1) {
        return `blocked: ${whose(f)}Access-Control-Allow-Origin arrived ${f.observed.length} times (${codes(f.observed)}), which the browser reads as the single value ${code(f.observed.join(', '))}; it must be exactly one origin, ${code(f.expected ?? '')}`;
      }
      return `blocked: ${whose(f)}Access-Control-Allow-Origin is ${code(value)}, a list, but it must be exactly one origin, ${code(f.expected ?? '')}`;
    case 'allow-origin-wildcard-with-credentials':
      return `blocked: ${whose(f)}Access-Control-Allow-Origin is ${code('*')} but the request's credentials mode is ${code('include')}, which needs the exact origin ${code(f.expected ?? '')} instead`;
    case 'allow-origin-mismatch':
      if (f.detail === 'opaque-origin') {
        return `blocked: ${whose(f)}Access-Control-Allow-Origin is ${code(value)} but the page has an opaque origin (sandboxed or data:), so its requests say ${code('Origin: null')} and only ${code('null')} would match`;
      }
      if (f.detail === 'origin-tainted') {
        return `blocked: ${whose(f)}Access-Control-Allow-Origin is ${code(value)} but after a cross-origin redirect the request's origin is ${code('null')}, so only ${code('null')} or ${code('*')} would match`;
      }
      return `blocked: ${whose(f)}Access-Control-Allow-Origin is ${code(value)}${MISMATCH_NOTES[f.detail ?? ''] ?? ''} but ${originWord(f)} is ${code(f.expected ?? '')}`;
    case 'allow-credentials-not-true':
      if (f.observed.length === 0) {
        return `blocked: the request's credentials mode is ${code('include')}, so ${whose(f)}Access-Control-Allow-Credentials must be ${code('true')}, but the header is missing`;
      }
      if (f.observed.length > 1) {
        return `blocked: ${whose(f)}Access-Control-Allow-Credentials arrived ${f.observed.length} times (${codes(f.observed)}), which reads as ${code(f.observed.join(', '))}, not exactly ${code('true')}`;
      }
      return `blocked: the request's credentials mode is ${code('include')}, so ${whose(f)}Access-Control-Allow-Credentials must be exactly ${code('true')}, but it is ${code(value)}${value.toLowerCase() === 'true' ? ' (the comparison is case-sensitive)' : ''}`;
    case 'preflight-status': {
      const auth = value === '401' || value === '403' || value === '407' ? ' (browsers never send credentials on a preflight, so OPTIONS must not require them)' : '';
      return `blocked: the preflight answered ${code(value)}; a preflight must answer with a 2xx status${auth}`;
    }
    case 'preflight-redirect':
      return `blocked: the preflight answered ${code(value)}${f.expected ? ` (a redirect to ${code(f.expected)})` : ' (a redirect)'}; a preflight must answer with a 2xx status and is never redirected`;
    case 'allow-methods-invalid':
    case 'allow-headers-invalid':
      return `blocked: ${whose(f)}${h} is ${code(joined)}, which is not a comma-separated list of ${f.rule === 'allow-methods-invalid' ? 'methods' : 'header names'} (${code(f.subject ?? '')} is not a token)`;
    case 'method-not-allowed': {
      const m = code(f.subject ?? '');
      if (f.detail === 'missing-header') return `blocked: ${m} is not a CORS-safelisted method, so ${whose(f)}Access-Control-Allow-Methods must list it, but the preflight has no such header`;
      if (f.detail === 'wildcard-with-credentials') return `blocked: ${whose(f)}Access-Control-Allow-Methods is ${code(joined)}, but ${code('*')} is not a wildcard when the request's credentials mode is ${code('include')}, and ${m} is not listed by name`;
      if (f.detail === 'case') return `blocked: ${whose(f)}Access-Control-Allow-Methods is ${code(joined)}, which spells ${m} in another case, and methods are compared case-sensitively`;
      return `blocked: ${whose(f)}Access-Control-Allow-Methods is ${code(joined)} and does not list ${m}`;
    }
    case 'header-not-allowed': {
      const n = code(f.subject ?? '');
      if (f.detail === 'missing-header') return `blocked: the request sends ${n}, which is not CORS-safelisted, so ${whose(f)}Access-Control-Allow-Headers must list it, but the preflight has no such header`;
      if (f.detail === 'wildcard-with-credentials') return `blocked: ${whose(f)}Access-Control-Allow-Headers is ${code(joined)}, but ${code('*')} is taken literally when the request's credentials mode is ${code('include')}, and ${n} is not listed by name`;
      return `blocked: ${whose(f)}Access-Control-Allow-Headers is ${code(joined)} and does not list ${n}`;
    }
    case 'authorization-not-covered-by-wildcard':
      return `blocked: ${whose(f)}Access-Control-Allow-Headers is ${code(joined)}, but ${code('*')} never covers ${code('authorization')}, which must be listed by name`;
    case 'redirect-location-invalid':
      if (f.observed.length > 1) return `blocked: the redirect has ${f.observed.length} Location headers (${codes(f.observed)}), and a redirect needs exactly one`;
      return `blocked: the redirect's Location ${code(value)} is not a valid URL`;
    case 'redirect-scheme':
      return `blocked: the redirect goes to ${code(value)}, which is not an http: or https: URL`;
    case 'redirect-credentials':
      return `blocked: the redirect goes to ${code(value)}, which contains a username or password, and a CORS request may not follow it`;
    case 'redirect-limit':
      return `blocked: the request was redirected more than ${code('20')} times, the most a fetch follows`;
    case 'corp-blocked':
      if (f.detail === 'same-site') {
        return `blocked: Cross-Origin-Resource-Policy is ${code(value)} and the page's origin ${code(f.expected ?? '')} is not same-site with the response (or is http: while the response came over https:), so even the opaque response is refused`;
      }
      return `blocked: Cross-Origin-Resource-Policy is ${code(value)} and the page's origin ${code(f.expected ?? '')} is not same-origin with the response, so even the opaque response is refused`;
    case 'no-response':
      return `blocked: the server sent no response${value ? ` (${code(value)})` : ''}, which the page sees as a network error`;
  }
}

/** Why one header makes the request need a preflight, as a clause. */
export function describeUnsafeHeader(u: UnsafeHeader): string {
  const name = u.name.toLowerCase();
  switch (u.reason) {
    case 'not-safelisted-name':
      return `${code(name)} is not a CORS-safelisted request header`;
    case 'value-too-long':
      return `the ${code(name)} value is ${u.value.length} bytes, over the 128-byte limit for a safelisted value`;
    case 'unsafe-byte':
      return `the ${code(name)} value ${code(u.value)} contains ${code(u.byte ?? '')}, a CORS-unsafe request-header byte`;
    case 'language-byte':
      return `the ${code(name)} value ${code(u.value)} contains ${code(u.byte ?? '')} (only 0-9, A-Z, a-z, space and ${code('*,-.;=')} are safelisted)`;
    case 'content-type-unparsable':
      return `${code(`${name}: ${u.value}`)} is not a valid MIME type`;
    case 'content-type-essence':
      return `${code(`${name}: ${u.value}`)} is none of ${listOr(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].map(code))} (its type is ${code(u.essence ?? '')})`;
    case 'range-not-simple':
      return `${code(`${name}: ${u.value}`)} is not a single ${code('bytes=start-[end]')} range`;
    case 'total-size':
      return `the safelisted header values add up to ${u.total ?? 0} bytes, over the 1024-byte total, so ${code(name)} counts as unsafe too`;
  }
}
