/**
 * The rule table: for each rule id, the step of the standard it checks, what the
 * page sees when it fails, and a short title for reports.
 */
import { SPEC, type SpecAnchor } from './spec.ts';
import type { Failure, FailureEffect, RuleId, Stage } from './types.ts';

export interface RuleInfo {
  anchor: SpecAnchor;
  effect: FailureEffect;
  title: string;
}

export const RULES: Record<RuleId, RuleInfo> = {
  'url-invalid': { anchor: SPEC.requestConstructor, effect: 'TypeError', title: 'URL does not parse' },
  'url-credentials': { anchor: SPEC.requestConstructor, effect: 'TypeError', title: 'URL contains a username or password' },
  'method-invalid': { anchor: SPEC.requestConstructor, effect: 'TypeError', title: 'method is not a token' },
  'method-forbidden': { anchor: SPEC.forbiddenMethod, effect: 'TypeError', title: 'forbidden method' },
  'header-invalid': { anchor: SPEC.headersValidate, effect: 'TypeError', title: 'invalid header name or value' },
  'body-with-get-or-head': { anchor: SPEC.requestConstructor, effect: 'TypeError', title: 'GET or HEAD with a body' },
  'no-cors-method': { anchor: SPEC.requestConstructor, effect: 'TypeError', title: 'no-cors with a method other than GET, HEAD, POST' },
  'mixed-content': { anchor: SPEC.mixedContent, effect: 'network error', title: 'mixed content: a URL that is not potentially trustworthy, from a page that is' },
  'same-origin-mode': { anchor: SPEC.mainFetch, effect: 'network error', title: 'same-origin mode to a cross-origin URL' },
  'scheme-not-http': { anchor: SPEC.mainFetch, effect: 'network error', title: 'CORS request to a non-HTTP(S) URL' },
  'allow-origin-missing': { anchor: SPEC.corsCheck, effect: 'network error', title: 'Access-Control-Allow-Origin missing' },
  'allow-origin-multiple': { anchor: SPEC.corsCheck, effect: 'network error', title: 'Access-Control-Allow-Origin has several values' },
  'allow-origin-wildcard-with-credentials': { anchor: SPEC.corsProtocolAndCredentials, effect: 'network error', title: 'Access-Control-Allow-Origin `*` with credentials' },
  'allow-origin-mismatch': { anchor: SPEC.corsCheck, effect: 'network error', title: "Access-Control-Allow-Origin is not the request's origin" },
  'allow-credentials-not-true': { anchor: SPEC.corsCheck, effect: 'network error', title: 'Access-Control-Allow-Credentials is not `true`' },
  'preflight-status': { anchor: SPEC.corsPreflightFetch, effect: 'network error', title: 'preflight status is not 2xx' },
  'preflight-redirect': { anchor: SPEC.corsPreflightFetch, effect: 'network error', title: 'preflight answered with a redirect' },
  'allow-methods-invalid': { anchor: SPEC.extractHeaderListValues, effect: 'network error', title: 'Access-Control-Allow-Methods does not parse' },
  'allow-headers-invalid': { anchor: SPEC.extractHeaderListValues, effect: 'network error', title: 'Access-Control-Allow-Headers does not parse' },
  'method-not-allowed': { anchor: SPEC.corsPreflightFetch, effect: 'network error', title: 'method not in Access-Control-Allow-Methods' },
  'header-not-allowed': { anchor: SPEC.corsPreflightFetch, effect: 'network error', title: 'header not in Access-Control-Allow-Headers' },
  'authorization-not-covered-by-wildcard': { anchor: SPEC.corsNonWildcardRequestHeaderName, effect: 'network error', title: 'Authorization needs to be listed by name' },
  'redirect-location-invalid': { anchor: SPEC.locationUrl, effect: 'network error', title: 'redirect Location does not parse' },
  'redirect-scheme': { anchor: SPEC.httpRedirectFetch, effect: 'network error', title: 'redirect to a non-HTTP(S) URL' },
  'redirect-credentials': { anchor: SPEC.httpRedirectFetch, effect: 'network error', title: 'redirect URL contains a username or password' },
  'redirect-limit': { anchor: SPEC.httpRedirectFetch, effect: 'network error', title: 'more than 20 redirects' },
  'corp-blocked': { anchor: SPEC.corp, effect: 'network error', title: 'Cross-Origin-Resource-Policy refuses the response' },
  'no-response': { anchor: SPEC.httpNetworkOrCacheFetch, effect: 'network error', title: 'no response from the server' },
};

export const RULE_IDS = Object.keys(RULES) as RuleId[];

/** Builds a failure with the rule's anchor and effect filled in. */
export function failure(rule: RuleId, stage: Stage, fields: Partial<Omit<Failure, 'rule' | 'stage' | 'effect'>> = {}): Failure {
  const info = RULES[rule];
  return { rule, stage, effect: info.effect, observed: [], anchor: info.anchor, ...fields };
}
