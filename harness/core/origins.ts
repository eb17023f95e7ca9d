import { defaults } from '../config/defaults.ts';
import type { PageOriginName } from './names.ts';

/**
 * The lab's origins for one run. Ports are chosen at run time by the OS, so two
 * runs at once never collide; host names come from `defaults.hosts`.
 *
 * `app` and `api` are same-site (both under example.localhost) but cross-origin;
 * `evil` is cross-site. See https://html.spec.whatwg.org/multipage/browsers.html#same-site
 */
export interface LabOrigins {
  app: string;
  evil: string;
  /** The API origin the browser talks to (the recorder's port, in front of the stack). */
  apiOrigin: string;
}

/** Every page origin of the run, by the name probes use in `from`. `sandboxed` is `null`: what its requests carry. */
export type PageOrigins = Record<PageOriginName, string>;

export const PLACEHOLDERS = ['app', 'evil', 'api', 'apiOrigin'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string>;

const PLACEHOLDER_PATTERN = /\{(app|evil|apiOrigin|api)\}/g;
const ANY_BRACED_WORD = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

export function pageOrigins(pagePort: number): PageOrigins {
  return {
    app: `http://${defaults.hosts.app}:${pagePort}`,
    evil: `http://${defaults.hosts.evil}:${pagePort}`,
    // An opaque origin serializes as "null" (https://html.spec.whatwg.org/#ascii-serialisation-of-an-origin).
    sandboxed: 'null',
    'lookalike-suffix': `http://${defaults.hosts.lookalikeSuffix}:${pagePort}`,
    'lookalike-prefix': `http://${defaults.hosts.lookalikePrefix}:${pagePort}`,
  };
}

/** The page a probe runs in: a sandboxed frame lives in the attacker's page. */
export function hostPageOf(from: PageOriginName): Exclude<PageOriginName, 'sandboxed'> {
  return from === 'sandboxed' ? 'evil' : from;
}

export function apiOrigin(apiPort: number): string {
  return `http://${defaults.hosts.api}:${apiPort}`;
}

/** The path under which one scenario's app is mounted on a stack's server. */
export function mountPath(scenarioId: string): string {
  return `/s/${scenarioId.replaceAll('/', '.')}`;
}

export function placeholderValues(origins: LabOrigins, scenarioId: string): PlaceholderValues {
  return {
    app: origins.app,
    evil: origins.evil,
    apiOrigin: origins.apiOrigin,
    api: origins.apiOrigin + mountPath(scenarioId),
  };
}

/** Replaces `{app}`, `{evil}`, `{api}` and `{apiOrigin}`; leaves every other brace alone (code has plenty). */
export function expandPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(PLACEHOLDER_PATTERN, (_, name: Placeholder) => values[name]);
}

/** Braced words in a URL or origin that are not placeholders, e.g. `{ap}`: almost always a typo. */
export function unknownPlaceholders(text: string): string[] {
  const known = new Set<string>(PLACEHOLDERS);
  return [...text.matchAll(ANY_BRACED_WORD)].map((m) => m[1]!).filter((name) => !known.has(name));
}

/** Replaces placeholders in every string of a value (a scenario's server setup or request). */
export function expandDeep<T>(value: T, values: PlaceholderValues): T {
  if (typeof value === 'string') return expandPlaceholders(value, values) as T;
  if (Array.isArray(value)) return value.map((v) => expandDeep(v, values)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandDeep(v, values)])) as T;
  }
  return value;
}

/** The lab's origins as a scenario is checked against them (the real ports are picked at run time). */
export const SAMPLE_ORIGINS: PlaceholderValues = { app: 'http://app.example.localhost:1', evil: 'http://evil.localhost:1', apiOrigin: 'http://api.example.localhost:2', api: 'http://api.example.localhost:2/s/x' };
const LAB_HOSTS = new Set(Object.values(SAMPLE_ORIGINS).map((o) => new URL(o).host));

/**
 * Whether a URL the browser will follow (a redirect's Location, a Refresh)
 * leads back into the lab, read the way the browser reads it: with the URL
 * standard's parser against the API's URL, so `/\evil.example`,
 * `{api}@evil.example`, a tab inside `//` and the like resolve to the host
 * they really name (https://url.spec.whatwg.org/#concept-basic-url-parser).
 */
export function staysInLab(target: string): boolean {
  try {
    const url = new URL(expandPlaceholders(target, SAMPLE_ORIGINS), `${SAMPLE_ORIGINS.api}/`);
    return url.protocol === 'http:' && LAB_HOSTS.has(url.host) && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
