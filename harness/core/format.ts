/**
 * The scenario format, as TypeScript. `scenarios/schema.json` is the same
 * format for editors and for validation; `schema.test.ts` keeps the two honest.
 */

import type { AppStackName, EngineName, PageOriginName, StackName, WarmUpOriginName } from './names.ts';

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

/** Raw, stack-specific setup: a code snippet, or the CORS library's options as data. */
export interface StackCode {
  code?: string;
  options?: Record<string, unknown>;
}

/** One entry of next.config's `headers()`; `source` is relative to the scenario's path. */
export interface NextHeaderRule {
  source: string;
  headers: { key: string; value: string }[];
}

/**
 * Next.js, set up with its own files rather than a snippet: a route handler
 * module, next.config `headers()` entries, a proxy (formerly middleware)
 * function, and a pages-router API route.
 */
export interface NextSetup {
  route?: string;
  headers?: NextHeaderRule[];
  middleware?: string;
  pagesApi?: string;
  /** Next takes no snippet and no library options (it reaches the stacks as their StackCode). */
  code?: never;
  options?: never;
}

/**
 * A reverse proxy in front of the app, as snippets of its own configuration
 * at three levels: the whole server (`http` in nginx, the main config in
 * Apache), the virtual server, and the scenario's location, which proxies to
 * the app.
 */
export interface ProxySetup {
  http?: string;
  server?: string;
  location?: string;
  /** The app stacks to put behind it (default: every app stack the scenario's app setup applies to). */
  apps?: AppStackName[];
}

export const PROXY_LEVELS = ['http', 'server', 'location'] as const;
export type ProxyLevel = (typeof PROXY_LEVELS)[number];

export interface ServerSetup {
  policy?: Policy;
  /** Behind a proxy: apply the policy at the app (default), at the proxy, or at both. */
  policyAt?: 'app' | 'proxy' | 'both';
  /** Behind a proxy: `down` puts nothing behind it, so the proxy answers by itself (nginx 502, Apache 503). */
  upstream?: 'up' | 'down';
  response?: HandlerResponse;
  nginx?: ProxySetup;
  apache?: ProxySetup;
  'express-cors'?: StackCode;
  'express-manual'?: StackCode;
  'fastify-cors'?: StackCode;
  next?: NextSetup;
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
   * The page makes the same request again, this long after the first one
   * settled, to the same URL (or to `url`): what JavaScript read is the
   * second answer, and `preflights` counts both (the preflight cache,
   * https://fetch.spec.whatwg.org/#cors-preflight-cache).
   */
  again?: { afterMs: number; url?: string };
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
