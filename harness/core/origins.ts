import { defaults } from '../config/defaults.ts';
import type { DefaultPageName, PageOriginName } from './names.ts';

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

/** Every page origin of the run's defaults, by the name probes use in `from`. `sandboxed` is `null`: what its requests carry. */
export type PageOrigins = Record<DefaultPageName, string>;

/**
 * A scenario's origins by name: the lab's defaults (`app`, `evil`, the
 * look-alikes, `sandboxed`, and the stack's `api`), overridden and extended by
 * the scenario's `origins:` (and the run's `--origin NAME=ORIGIN`). Every name
 * is a page a probe can come `from`, and a placeholder `{name}`.
 */
export type OriginTable = Readonly<Record<string, string>>;

/**
 * What a name under `origins:` may be: it is also a placeholder (`{cdn}`),
 * so a word of letters and digits starting with a lower-case letter.
 */
export const ORIGIN_NAME = /^[a-z][a-zA-Z0-9]*$/;

/** Names that mean something of their own and cannot be declared under `origins:`. */
export const RESERVED_ORIGIN_NAMES = ['apiOrigin', 'mount', 'sandboxed'] as const;

/** The placeholders every scenario has, whatever it declares. */
export const PLACEHOLDERS = ['app', 'evil', 'api', 'apiOrigin', 'mount'] as const;
export type PlaceholderValues = Readonly<Record<string, string>>;

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
export function hostPageOf(from: PageOriginName): PageOriginName {
  return from === 'sandboxed' ? 'evil' : from;
}

export function apiOrigin(apiPort: number): string {
  return `http://${defaults.hosts.api}:${apiPort}`;
}

/** The path under which one scenario's app is mounted on a stack's server. */
export function mountPath(scenarioId: string): string {
  return `/s/${scenarioId.replaceAll('/', '.')}`;
}

/** One scenario's origins on one stack: the defaults, with what the scenario declares over them. */
export function originTable(origins: LabOrigins, pages: PageOrigins, declared: OriginTable | undefined): OriginTable {
  return { ...pages, app: origins.app, evil: origins.evil, api: origins.apiOrigin, ...declared };
}

/**
 * The placeholders of one scenario on one stack: every origin by its name,
 * `{apiOrigin}` (the API's origin), `{mount}` (the scenario's path on the
 * stack's server) and `{api}` (the two together: the scenario's API base URL).
 */
export function placeholderValues(origins: LabOrigins, scenarioId: string, declared?: OriginTable, mount: string = mountPath(scenarioId)): PlaceholderValues {
  const api = declared?.api ?? origins.apiOrigin;
  const named = Object.fromEntries(Object.entries(declared ?? {}).filter(([name]) => ORIGIN_NAME.test(name)));
  // `mount` is the scenario's path on the lab's stack, or on a server the user runs the base path of its `server.url`.
  return { app: origins.app, evil: origins.evil, ...named, apiOrigin: api, mount, api: api + mount };
}

/** Replaces every `{name}` that has a value; leaves every other brace alone (code has plenty). */
export function expandPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(ANY_BRACED_WORD, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}

/** Braced words in a URL or origin that are neither placeholders nor declared origins, e.g. `{ap}`: almost always a typo. */
export function unknownPlaceholders(text: string, declared?: OriginTable): string[] {
  const known = new Set<string>([...PLACEHOLDERS, ...Object.keys(declared ?? {})]);
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

/**
 * Why a value under `origins:` cannot be an origin, or undefined when it can.
 * It must be an origin as the browser serializes it
 * (https://html.spec.whatwg.org/#ascii-serialisation-of-an-origin), since
 * that is the value the server sees in `Origin` and compares byte for byte:
 * http or https, a lower-case host, a port only when it is not the scheme's
 * default, nothing after it. The lab's own `*.localhost` names are taken.
 */
export function originProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(value)} is not an origin (write it like https://app.example.com or http://localhost:5173)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${JSON.stringify(value)} has the scheme ${url.protocol.slice(0, -1)}; an origin of the lab is http or https`;
  if (url.username || url.password) return `${JSON.stringify(value)} carries user info; an origin has none`;
  if (url.origin !== value) {
    return `${JSON.stringify(value)} is not how the browser serializes this origin: write ${JSON.stringify(url.origin)} (no path or trailing slash, a lower-case host, no default port)`;
  }
  const host = url.hostname;
  for (const own of Object.values(defaults.hosts)) {
    if (host === own || host.endsWith(`.${own}`)) return `${host} is the lab's own name (${own}); pick another host`;
  }
  return undefined;
}
/** The lab's origins as a scenario is checked against them (the real ports are picked at run time). */
export const SAMPLE_ORIGINS: PlaceholderValues = { app: 'http://app.example.localhost:1', evil: 'http://evil.localhost:1', apiOrigin: 'http://api.example.localhost:2', mount: '/s/x', api: 'http://api.example.localhost:2/s/x' };
const SAMPLE_LAB_ORIGINS: LabOrigins = { app: SAMPLE_ORIGINS.app!, evil: SAMPLE_ORIGINS.evil!, apiOrigin: SAMPLE_ORIGINS.apiOrigin! };

/** The placeholders as a scenario that declares these origins is checked against them. */
export function sampleValues(declared?: OriginTable): PlaceholderValues {
  return declared ? placeholderValues(SAMPLE_LAB_ORIGINS, 'x', declared) : SAMPLE_ORIGINS;
}

/**
 * Whether a URL the browser will follow (a redirect's Location, a Refresh)
 * leads back into the lab, read the way the browser reads it: with the URL
 * standard's parser against the API's URL, so `/\evil.example`,
 * `{api}@evil.example`, a tab inside `//` and the like resolve to the host
 * they really name (https://url.spec.whatwg.org/#concept-basic-url-parser).
 * The lab is its default origins and the ones the scenario declares.
 */
export function staysInLab(target: string, declared?: OriginTable): boolean {
  const values = sampleValues(declared);
  const lab = new Set([SAMPLE_ORIGINS.app, SAMPLE_ORIGINS.evil, SAMPLE_ORIGINS.apiOrigin, ...Object.values(declared ?? {})]);
  try {
    const url = new URL(expandPlaceholders(target, values), `${values.api}/`);
    return lab.has(url.origin) && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
