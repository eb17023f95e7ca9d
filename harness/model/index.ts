/**
 * A small, pure model of the CORS rules of the Fetch standard
 * (https://fetch.spec.whatwg.org/): will this request preflight, does this preflight
 * pass, does this response pass, which headers can JavaScript read, and why, in
 * one sentence per rule. No I/O; the same input always gives the same answer.
 *
 *   prepareRequest(init)          what fetch() makes of the call, before anything is sent
 *   checkPreflight(plan, resp)    does the preflight response let the actual request go
 *   checkResponse(plan, resp)     allowed / blocked / opaque, and the readable headers
 *   followRedirect(plan, resp)    the next hop (Origin may become `null`)
 *   predict(init, exchanges)      all of the above over what the recorder saw
 *   predictProbe(init, exchanges, again)
 *                                 a probe that asks twice: the preflight cache between the two requests
 *   findUnsafeCorsConfig(answer)  security findings from what a server answered
 *   checkOriginPattern(source)    allow-list regular expressions that are not anchored
 */
export { SPEC, type SpecAnchor } from './spec.ts';
export type { CredentialsMode, Failure, FailureEffect, HeaderPair, Latitude, ModelResult, RequestMode, ResponseTainting, RuleId, Stage } from './types.ts';
export { RULES, RULE_IDS, type RuleInfo } from './rules.ts';
export { explainFailure, describeUnsafeHeader } from './explain.ts';
export { ModelInputError } from './origin.ts';
export {
  classifyRequestHeader,
  corsUnsafeRequestHeaders,
  isCorsSafelistedMethod,
  isForbiddenRequestHeader,
  normalizeMethod,
  CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
  type HeaderClassification,
  type UnsafeHeader,
  type UnsafeReason,
} from './safelist.ts';
export { prepareRequest, preflightReasons, type CorsRequestInit, type DroppedHeader, type PreflightPlan, type PrepareOptions, type RequestPlan } from './request.ts';
export { corsCheck, originMismatchDetail, type CorsCheckRequest, type CorsCheckResult } from './cors-check.ts';
export { checkPreflight, DEFAULT_MAX_AGE, type PreflightOutcome, type WireResponse } from './preflight.ts';
export { ASSUMED_MIN_IMPOSED_LIMIT, entryLife, hasHeaderNameCacheMatch, hasMethodCacheMatch, type Elapsed, type EntryLife, type PreflightCacheEntry } from './cache.ts';
export { checkResponse, exposedHeaders, type ExposureReason, type HeaderExposure, type ResponseOutcome } from './response.ts';
export { followRedirect, type RedirectOutcome } from './redirect.ts';
export { predict, type ExchangeLike, type Prediction, type PredictionStep, type PredictOptions } from './predict.ts';
export { predictProbe, type AgainInit, type CacheReading, type ProbePrediction } from './predict-probe.ts';
export { getHeader, headerLines, normalizeHeaderValue } from './headers.ts';
export { checkOriginPattern, findUnsafeCorsConfig, type Finding, type FindingId, type OriginPatternOptions, type ServerAnswer, type Severity } from './findings.ts';
