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

/** https://url.spec.whatwg.org/#include-credentials: the URL has a username or a password. */
export function includesCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

export function isHttpScheme(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}
