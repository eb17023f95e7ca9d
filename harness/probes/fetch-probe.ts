import { defaults } from '../config/defaults.ts';
import { jsLiteral } from '../util/js-literal.ts';
import type { FetchSpec } from '../scenarios/types.ts';

/**
 * Adds the cell's token to a URL. Every cell gets its own URLs, so nothing one
 * cell leaves behind (a cached preflight, keyed by origin, URL and credentials
 * mode: https://fetch.spec.whatwg.org/#cors-preflight-cache; an HTTP-cached
 * response) can answer for another.
 */
export function withCellToken(url: string, token: string): string {
  const hash = url.indexOf('#');
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}${defaults.cellParam}=${token}${fragment}`;
}

/** The probe as the page runs it, and as the report shows it: a plain fetch() call. */
export function fetchCode(spec: FetchSpec, url: string): string {
  const init: Record<string, unknown> = {
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    mode: spec.mode,
    credentials: spec.credentials,
  };
  const fields = Object.entries(init).filter(([, v]) => v !== undefined);
  if (fields.length === 0) return `fetch(${jsLiteral(url)})`;
  return `fetch(${jsLiteral(url)}, {\n${fields.map(([k, v]) => `  ${k}: ${jsLiteral(v)},`).join('\n')}\n})`;
}
