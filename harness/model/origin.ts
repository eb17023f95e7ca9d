/**
 * Origins as the Fetch standard compares them: by their ASCII serialization
 * (https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin),
 * with `null` for an opaque origin, which is same origin with nothing it is compared to here.
 * Parsing uses the WHATWG URL parser that JavaScript provides (`URL`), which is the parser
 * the standard calls for.
 */

/** A caller handed the model something that is not an origin or URL it can reason about. */
export class ModelInputError extends Error {
  override name = 'ModelInputError';
}

export function parseUrl(input: string, base?: string): URL | null {
  try {
    return base === undefined ? new URL(input) : new URL(input, base);
  } catch {
    return null;
  }
}

/**
 * The page's origin, serialized: `scheme://host[:port]`, lowercase, default port left out,
 * or `null` for an opaque origin (a sandboxed iframe, a `data:` document).
 */
export function serializePageOrigin(origin: string): string {
  if (origin === 'null') return 'null';
  const url = parseUrl(origin);
  if (url === null || url.origin === 'null' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ModelInputError(`page origin ${JSON.stringify(origin)} is not a serialized origin like "https://app.example.localhost" or "null"`);
  }
  return url.origin;
}

/** https://html.spec.whatwg.org/multipage/browsers.html#same-origin on serialized origins; an opaque origin matches nothing here. */
export function isSameOrigin(a: string, b: string): boolean {
  return a !== 'null' && a === b;
}

/**
 * Secure Contexts' "potentially trustworthy origin": https or wss, a
 * loopback IP (127.0.0.0/8, ::1), or localhost and its subdomains (which
 * every engine here resolves to loopback itself, as "let localhost be
 * localhost" asks). An opaque origin (`null`) is not.
 * https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy
 */
export function isPotentiallyTrustworthy(origin: string): boolean {
  if (origin === 'null') return false;
  const url = parseUrl(origin);
  if (url === null) return false;
  if (url.protocol === 'https:' || url.protocol === 'wss:') return true;
  const host = url.hostname;
  if (/^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]') return true;
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * Mixed Content's "should fetching request be blocked as mixed content?",
 * for a page's fetch(): blocked when the page's origin is potentially
 * trustworthy (so it "prohibits mixed security contexts") and the URL's
 * origin is not. fetch() is never "upgradeable" (only images, audio and
 * video are). https://w3c.github.io/webappsec-mixed-content/#should-block-fetch
 */
export function isMixedContent(pageOrigin: string, url: URL): boolean {
  return isPotentiallyTrustworthy(pageOrigin) && !isPotentiallyTrustworthy(url.origin);
}

/** https://url.spec.whatwg.org/#include-credentials: the URL has a username or a password. */
export function includesCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

export function isHttpScheme(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}
