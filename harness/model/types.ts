import type { SpecAnchor } from './spec.ts';

/** A header as given or as it crossed the wire: [name, value], order and duplicates kept. */
export type HeaderPair = readonly [name: string, value: string];

/** https://fetch.spec.whatwg.org/#concept-request-mode (the three a page can ask for). */
export type RequestMode = 'cors' | 'no-cors' | 'same-origin';

/** https://fetch.spec.whatwg.org/#concept-request-credentials-mode */
export type CredentialsMode = 'omit' | 'same-origin' | 'include';

/** https://fetch.spec.whatwg.org/#concept-request-response-tainting */
export type ResponseTainting = 'basic' | 'cors' | 'opaque';

/** What the page's JavaScript gets (the same words as the scenario format). */
export type ModelResult = 'allowed' | 'blocked' | 'opaque';

/** Where in the fetch a rule applies. */
export type Stage = 'request' | 'preflight' | 'response' | 'redirect';

/**
 * Every rule the model can report as broken. Each id maps to one step of the
 * Fetch standard; `anchor` on the failure says which.
 */
export type RuleId =
  // Before anything is sent (the Request constructor and main fetch).
  | 'url-invalid'
  | 'url-credentials'
  | 'method-invalid'
  | 'method-forbidden'
  | 'header-invalid'
  | 'body-with-get-or-head'
  | 'no-cors-method'
  | 'same-origin-mode'
  | 'mixed-content'
  | 'scheme-not-http'
  // The CORS check, on a preflight, an actual response or a redirect.
  | 'allow-origin-missing'
  | 'allow-origin-multiple'
  | 'allow-origin-wildcard-with-credentials'
  | 'allow-origin-mismatch'
  | 'allow-credentials-not-true'
  // The rest of the CORS-preflight fetch.
  | 'preflight-status'
  | 'preflight-redirect'
  | 'allow-methods-invalid'
  | 'allow-headers-invalid'
  | 'method-not-allowed'
  | 'header-not-allowed'
  | 'authorization-not-covered-by-wildcard'
  // Redirects.
  | 'redirect-location-invalid'
  | 'redirect-scheme'
  | 'redirect-credentials'
  | 'redirect-limit'
  // no-cors responses.
  | 'corp-blocked'
  // The server did not answer at all.
  | 'no-response';

/** What the page sees when a rule fails: an exception at once, or a network error (a rejected fetch). */
export type FailureEffect = 'TypeError' | 'network error';

/** One broken rule, as data. `explain()` turns it into a sentence. */
export interface Failure {
  rule: RuleId;
  stage: Stage;
  effect: FailureEffect;
  /** The header the rule is about, in its usual spelling. */
  header?: string;
  /** What was observed: each header line's value as it arrived, or the status. Empty when the header was absent. */
  observed: string[];
  /** What the rule wanted, when it wants one thing. */
  expected?: string;
  /** The method or header name the rule was checking, when it is not the header itself. */
  subject?: string;
  /** A finer reason, e.g. `trailing-slash` for an origin mismatch. */
  detail?: string;
  /** The request's credentials mode, when the rule depends on it. */
  credentials?: CredentialsMode;
  anchor: SpecAnchor;
}

/**
 * A point where the standard leaves the behaviour to the browser (or to another
 * layer), relevant to this request. The model does not guess across these.
 */
export interface Latitude {
  id:
    | 'accept-language'
    | 'preflight-cache-max-age-limit'
    | 'preflight-cache-eviction'
    | 'network-partition-key'
    | 'cookies'
    | 'corp-same-site'
    | 'referrer-policy';
  /** One sentence: what is left open and what it could change here. */
  text: string;
  anchor: SpecAnchor;
}
