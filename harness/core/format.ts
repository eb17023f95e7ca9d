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
  /** What the lab's handler answers on every path `responses` does not name (default: 200, `{"ok":true}`). */
  response?: HandlerResponse;
  /**
   * What the lab's handler answers on one path below the scenario's mount
   * (`/old` answers `/s/<id>/old`), by that path exactly: it starts with `/`,
   * has no query, fragment or `.`/`..` segment (RESPONSE_PATH). Each entry
   * has the defaults of `response`, not its values. A `Location` it sends
   * gets the request's query string appended unless it names the cell's
   * parameter itself, so the redirect's next hop is the same cell's.
   */
  responses?: Record<string, HandlerResponse>;
  /**
   * A server the user runs, on loopback (`http://127.0.0.1:3000`, with an
   * optional base path that `{api}` points at): the lab relays to it from
   * the recorder instead of starting a stack (harness/core/target.ts).
   */
  url?: string;
  /** An app stack's or a proxy's own setup, under its name. */
  [stackOrProxy: string]: unknown;
}

/** The fields of `server:` that every scenario may use; its other keys are app stacks' and proxies' names. */
export const COMMON_SERVER_FIELDS = ['policy', 'response', 'responses', 'policyAt', 'upstream', 'url'] as const;

/**
 * A key of `server.responses`: a path below the scenario's mount, written as
 * the browser sends it, since it is compared with the request's path byte
 * for byte. It starts with `/` and holds only what a path sends unencoded
 * (RFC 3986 pchar: letters, digits, `-._~!$&'()*+,;=:@`, `%` and two hex
 * digits), so no query (`?`), fragment (`#`) or space; and no `.` or `..`
 * segment (`%2e` counts as a dot), which the browser resolves away before
 * sending (https://url.spec.whatwg.org/#path-state), so it could never match.
 */
export const RESPONSE_PATH = "^(?!.*/(?:\\.|%2[Ee]){1,2}(?:/|$))/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$";

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

/**
 * A request header list as the page writes it: a record, or `[name, value]`
 * pairs that the page appends in order (`Headers.append`), so a name given
 * twice is sent as the browser combines it.
 */
export type FetchHeaders = Record<string, string> | [name: string, value: string][];

/**
 * A request body of one of the kinds fetch() takes, built in the page so the
 * browser sets the Content-Type it sets for that kind
 * (https://fetch.spec.whatwg.org/#concept-bodyinit-extract): a string
 * (`text/plain;charset=UTF-8`), URLSearchParams
 * (`application/x-www-form-urlencoded;charset=UTF-8`), FormData
 * (`multipart/form-data; boundary=…`) or a Blob (its own type, none if empty).
 */
export type FetchBody =
  | string
  | { urlSearchParams: Record<string, string> }
  | { formData: Record<string, string> }
  | { blob: { type?: string; text: string } };

export interface FetchSpec {
  url: string;
  method?: string;
  headers?: FetchHeaders;
  body?: FetchBody;
  mode?: 'cors' | 'no-cors' | 'same-origin';
  credentials?: 'omit' | 'same-origin' | 'include';
}

/** A request header's value as expected on the wire: exactly this, or matching a regular expression (a multipart boundary differs every time). */
export type HeaderValueExpectation = string | { matches: string };

/** Headers expected on one hop of the wire, a request's or a response's, by name (case-insensitive). */
export interface WireHeaders {
  /** Headers the message carried. */
  present?: string[];
  /** Headers it did not carry (for a request: the browser dropped them, or never adds them). */
  absent?: string[];
  /** The value each header had on the wire (several lines of one name read as one value, joined with ", "). */
  values?: Record<string, HeaderValueExpectation>;
}

/** What the browser sent in its CORS preflight. */
export interface PreflightSent {
  /** Always OPTIONS for a preflight; stated for readers. */
  method?: string;
  /** The Origin header's value, or false for none. */
  origin?: string | false;
  /** Access-Control-Request-Method, exactly (methods are case-sensitive). */
  requestMethod?: string;
  /** Access-Control-Request-Headers exactly as the browser wrote it (lowercase, sorted, comma-separated, no spaces), or false for none. */
  requestHeaders?: string | false;
  headers?: WireHeaders;
}

/** What the browser sent as the request itself. */
export interface ActualSent {
  /** The method on the request line, exactly (fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT). */
  method?: string;
  /** The Origin header's value, or false for none. */
  origin?: string | false;
  headers?: WireHeaders;
  /** Exactly the scenario's cookies (by name) the request carried. */
  cookies?: string[];
}

/** What crossed the wire, hop by hop. */
export interface SentExpectation {
  preflight?: PreflightSent;
  actual?: ActualSent;
}

/** What the server answered on one hop, as the recorder kept it, before the browser decided anything. */
export interface WireAnswer {
  status?: number;
  /** Values exactly as sent, surrounding whitespace included. */
  headers?: WireHeaders;
  /** A substring of the body as it crossed the wire. */
  bodyContains?: string;
}

/** What the server answered, hop by hop: what the page may never see, such as a status the browser hides. */
export interface AnsweredExpectation {
  preflight?: WireAnswer;
  actual?: WireAnswer;
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
  /**
   * What the browser sent, per hop; or `false`: it refused the request before
   * sending anything (fetch() threw a TypeError and nothing reached the wire),
   * which is a `blocked` result proven by evidence, not by silence.
   */
  sent?: false | SentExpectation;
  /** What the server answered on the wire, per hop (with `again`: to the second request). */
  answered?: AnsweredExpectation;
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
  /**
   * The scenario's origins by name (`app: https://app.example.com`), over the
   * lab's defaults: `app` is the page, `api` the stack under test, `evil` the
   * attacker, and any further name is another page or redirect target. Each
   * is mapped to the lab's own listeners on 127.0.0.1 (harness/core/origins.ts).
   */
  origins?: Record<string, string>;
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
