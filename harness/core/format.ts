/**
 * The scenario format, as TypeScript. `scenarios/schema.json` is the same
 * format for editors and for validation; `schema.test.ts` keeps the two honest.
 * The parts that belong to one app stack or proxy are typed by its folder.
 */

import { EXTENSION_NAME, type EngineName, type PageOriginName, type StackName, type WarmUpOriginName } from './names.ts';

export type ResultKind = 'allowed' | 'blocked' | 'opaque';

/**
 * One intent, rendered by each stack in its own idiom.
 * `origin`: "*" (any, literally), "reflect" (echo whatever Origin came), one origin, or a list.
 * Omitted fields are left to each library's default, so differences between libraries show.
 */
export interface Policy {
  origin: string | string[];
  methods?: string[];
  allowedHeaders?: string[];
  exposedHeaders?: string[];
  credentials?: boolean;
  maxAge?: number;
}

/** What the app's handler answers when a request reaches it. */
export interface HandlerResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The API under test. Besides the fields every scenario may use, `server:`
 * holds the raw setup of app stacks (`express-cors: { code }`) and proxies
 * (`nginx: { location }`), each under its name. Each stack's and proxy's
 * folder owns the type and the schema of its part (servers/apps/<stack>/,
 * servers/proxies/<proxy>/), and the scenario schema has checked it by the
 * time a scenario is loaded; here it is `unknown`.
 */
export interface ServerSetup {
  policy?: Policy;
  /** Behind a proxy: apply the policy at the app (default), at the proxy, or at both. */
  policyAt?: 'app' | 'proxy' | 'both';
  /** Behind a proxy: `down` puts nothing behind it, so the proxy answers by itself (nginx 502, Apache 503). */
  upstream?: 'up' | 'down';
  response?: HandlerResponse;
  /** An app stack's or a proxy's own setup, under its name. */
  [stackOrProxy: string]: unknown;
}

/** The fields of `server:` that every scenario may use; its other keys are app stacks' and proxies' names. */
export const COMMON_SERVER_FIELDS = ['policy', 'response', 'policyAt', 'upstream'] as const;

/** Why `name` cannot name an app stack or a proxy (it would not be a key of its own under `server:`), or undefined when it can. */
export function extensionNameProblem(name: string): string | undefined {
  if (!EXTENSION_NAME.test(name)) return `\`${name}\` is not lower-case words joined by dashes, as a name in a column (nginx>express-cors) must be`;
  if ((COMMON_SERVER_FIELDS as readonly string[]).includes(name)) return `\`${name}\` is a field of server: that every scenario may use`;
  return undefined;
}

/** A part of the scenario format's JSON Schema (draft-07), as data. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * What an app stack or a proxy adds to the scenario schema: the schema of
 * `server.<name>`, and the definitions it refers to (`#/definitions/...`).
 * Two extensions may share a definition (the Node stacks' `stackCode`) if
 * they give the same one.
 */
export interface SetupSchema {
  property: JsonSchema;
  definitions?: Readonly<Record<string, JsonSchema>>;
}

/** A problem with a stack's raw setup that its schema cannot see (code that does not compile), at its path below `server.<name>`. */
export interface SetupProblem {
  segments: (string | number)[];
  message: string;
}

export interface FetchSpec {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  mode?: 'cors' | 'no-cors' | 'same-origin';
  credentials?: 'omit' | 'same-origin' | 'include';
}

export interface Expectation {
  /** A CORS preflight (OPTIONS with Access-Control-Request-Method) crossed the wire. */
  preflight?: boolean;
  /** The actual request reached the app's handler (its side effects happened). */
  reachedHandler?: boolean;
  /** What JavaScript got: a readable response, a network error, or an opaque response. */
  result?: ResultKind;
  /** The status JavaScript read (only when the result is `allowed`). */
  status?: number;
  /** Response headers JavaScript must be able to read. */
  readable?: string[];
  /** Response headers JavaScript must not be able to read (although the server sent them). */
  unreadable?: string[];
  /** A substring the body JavaScript read must contain. */
  bodyContains?: string;
  /** Exactly the scenario's cookies (by name) that the actual request carried. */
  cookiesSent?: string[];
  /** How many preflights crossed the wire for the probe (with `again`: both requests together). */
  preflights?: number;
}

/** A cookie set first-party on the API's host before a probe runs. */
export interface CookieSpec {
  name: string;
  value?: string;
  sameSite?: 'unset' | 'Lax' | 'Strict' | 'None';
  secure?: boolean;
}

/** An expectation that differs on some stacks or engines, with the reason (and, for engines, a source). */
export interface ExpectationOverride {
  stack?: StackName | StackName[];
  engine?: EngineName | EngineName[];
  expect: Expectation;
  why: string;
  source?: string;
}

/** A documented difference between engines and the Fetch standard on one probe. */
export interface Deviation {
  engine?: EngineName | EngineName[];
  why: string;
  source: string;
}

export interface Probe {
  name?: string;
  from?: PageOriginName;
  fetch: FetchSpec;
  expect: Expectation;
  expectFor?: ExpectationOverride[];
  deviations?: Deviation[];
  /** Before the page's request, the harness makes the same GET once with this page's Origin, as another visitor would have (to fill a proxy's cache). */
  warmUp?: { from: WarmUpOriginName };
  /**
   * The page makes the request again, this long after the first one
   * settled: what JavaScript read is the second answer, and `preflights`
   * counts both (the preflight cache,
   * https://fetch.spec.whatwg.org/#cors-preflight-cache).
   */
  again?: Again;
}

/**
 * The second request of a probe: the same fetch() call, but for what is
 * given here. The preflight cache is keyed by origin, URL and credentials
 * mode, and an entry covers only the methods and headers its preflight
 * answer listed, so each of these can decide whether the second request is
 * preflighted again.
 */
export interface Again {
  afterMs: number;
  /** Another URL of the same API (default: the same URL). */
  url?: string;
  /** Another credentials mode (default: the first request's). */
  credentials?: FetchSpec['credentials'];
  /** The second request's headers, instead of the first's (`{}` for none). */
  headers?: Record<string, string>;
}

/** The fetch() call of a probe's second request: the first one with `again`'s changes. */
export function againFetch(first: FetchSpec, again: Again): FetchSpec {
  const second: FetchSpec = { ...first };
  if (again.url !== undefined) second.url = again.url;
  if (again.credentials !== undefined) second.credentials = again.credentials;
  if (again.headers !== undefined) second.headers = again.headers;
  return second;
}

/** A scenario file as written (after YAML parsing and validation). */
export interface ScenarioFile {
  title: string;
  lesson: string;
  sources?: string[];
  tags?: string[];
  server: ServerSetup;
  cookies?: CookieSpec[];
  probes: Probe[];
}

/** A loaded, validated scenario with where it came from. */
export interface Scenario extends ScenarioFile {
  /** Path below the scenario root without extension, e.g. `preflight/put-needs-preflight`. */
  id: string;
  /** The file as given on disk, relative to the working directory. */
  file: string;
  /** The folder below the scenario root, e.g. `preflight`. */
  chapter: string;
  /** Line of each probe in the file (1-based), for error messages and the report. */
  probeLines: number[];
  /** Line where each proxy snippet's text starts (1-based), keyed like `nginx.location`. */
  fieldLines?: Record<string, number>;
}
