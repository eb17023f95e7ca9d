/**
 * Where each rule of the model comes from. Every failure, note and test names
 * one of these anchors, so a reader can check the model against the standard.
 * Read from whatwg/fetch `fetch.bs` (2026-07) and whatwg/mimesniff `mimesniff.bs`.
 */

const FETCH = 'https://fetch.spec.whatwg.org/';

export const SPEC = {
  // Methods and headers (https://fetch.spec.whatwg.org/#http)
  corsSafelistedMethod: `${FETCH}#cors-safelisted-method`,
  forbiddenMethod: `${FETCH}#forbidden-method`,
  methodNormalize: `${FETCH}#concept-method-normalize`,
  headerValueNormalize: `${FETCH}#concept-header-value-normalize`,
  headerListGet: `${FETCH}#concept-header-list-get`,
  getDecodeSplit: `${FETCH}#concept-header-list-get-decode-split`,
  extractHeaderListValues: `${FETCH}#extract-header-list-values`,
  sortedLowercaseSet: `${FETCH}#convert-header-names-to-a-sorted-lowercase-set`,
  sortAndCombine: `${FETCH}#concept-header-list-sort-and-combine`,
  corsSafelistedRequestHeader: `${FETCH}#cors-safelisted-request-header`,
  corsUnsafeRequestHeaderByte: `${FETCH}#cors-unsafe-request-header-byte`,
  corsUnsafeRequestHeaderNames: `${FETCH}#cors-unsafe-request-header-names`,
  corsNonWildcardRequestHeaderName: `${FETCH}#cors-non-wildcard-request-header-name`,
  simpleRangeHeaderValue: `${FETCH}#simple-range-header-value`,
  corsSafelistedResponseHeaderName: `${FETCH}#cors-safelisted-response-header-name`,
  noCorsSafelistedRequestHeader: `${FETCH}#no-cors-safelisted-request-header`,
  forbiddenRequestHeader: `${FETCH}#forbidden-request-header`,
  forbiddenResponseHeaderName: `${FETCH}#forbidden-response-header-name`,
  requestBodyHeaderName: `${FETCH}#request-body-header-name`,
  okStatus: `${FETCH}#ok-status`,
  redirectStatus: `${FETCH}#redirect-status`,
  // Requests and responses
  redirectTaint: `${FETCH}#concept-request-tainted-origin`,
  serializingRequestOrigin: `${FETCH}#serializing-a-request-origin`,
  corsFilteredResponse: `${FETCH}#concept-filtered-response-cors`,
  opaqueFilteredResponse: `${FETCH}#concept-filtered-response-opaque`,
  locationUrl: `${FETCH}#concept-response-location-url`,
  networkPartitionKey: `${FETCH}#network-partition-key`,
  // HTTP extensions: the CORS protocol
  originHeader: `${FETCH}#origin-header`,
  corsProtocolAndCredentials: `${FETCH}#cors-protocol-and-credentials`,
  newHeaderSyntax: `${FETCH}#http-new-header-syntax`,
  allowOrigin: `${FETCH}#http-access-control-allow-origin`,
  allowCredentials: `${FETCH}#http-access-control-allow-credentials`,
  allowMethods: `${FETCH}#http-access-control-allow-methods`,
  allowHeaders: `${FETCH}#http-access-control-allow-headers`,
  maxAge: `${FETCH}#http-access-control-max-age`,
  exposeHeaders: `${FETCH}#http-access-control-expose-headers`,
  corsProtocolAndHttpCaches: `${FETCH}#cors-protocol-and-http-caches`,
  corp: `${FETCH}#cross-origin-resource-policy-internal-check`,
  // Other standards main fetch calls
  mixedContent: 'https://w3c.github.io/webappsec-mixed-content/#should-block-fetch',
  potentiallyTrustworthy: 'https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy',
  // Fetching
  fetchAlgorithm: `${FETCH}#concept-fetch`,
  mainFetch: `${FETCH}#main-fetch`,
  httpFetch: `${FETCH}#http-fetch`,
  httpRedirectFetch: `${FETCH}#http-redirect-fetch`,
  httpNetworkOrCacheFetch: `${FETCH}#http-network-or-cache-fetch`,
  corsPreflightFetch: `${FETCH}#cors-preflight-fetch`,
  corsPreflightCache: `${FETCH}#cors-preflight-cache`,
  cacheEntryMatch: `${FETCH}#concept-cache-match`,
  corsCheck: `${FETCH}#concept-cors-check`,
  // Fetch API
  headersValidate: `${FETCH}#headers-validate`,
  headersAppend: `${FETCH}#concept-headers-append`,
  requestConstructor: `${FETCH}#dom-request`,
  // Other standards the rules lean on
  urlIncludesCredentials: 'https://url.spec.whatwg.org/#include-credentials',
  parseMimeType: 'https://mimesniff.spec.whatwg.org/#parse-a-mime-type',
  webidlByteString: 'https://webidl.spec.whatwg.org/#es-ByteString',
} as const;

export type SpecAnchor = (typeof SPEC)[keyof typeof SPEC];
