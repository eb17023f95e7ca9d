/**
 * The scenario format, as TypeScript. `scenarios/schema.json` is the same
 * format for editors and for validation; `schema.test.ts` keeps the two honest.
 */

import type { EngineName } from '../browsers/driver.ts';

export const STACK_NAMES = ['express-cors', 'express-manual', 'fastify-cors'] as const;
export type StackName = (typeof STACK_NAMES)[number];

export const PAGE_ORIGINS = ['app', 'evil'] as const;
/** Which page the probe runs in: `app` is same-site with the API, `evil` is a cross-site attacker. */
export type PageOriginName = (typeof PAGE_ORIGINS)[number];

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

export interface ServerSetup {
  policy?: Policy;
  response?: HandlerResponse;
  'express-cors'?: StackCode;
  'express-manual'?: StackCode;
  'fastify-cors'?: StackCode;
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
}
