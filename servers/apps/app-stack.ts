import { defaults } from '../../harness/config/defaults.ts';
import type { LabOrigins } from '../../harness/core/origins.ts';
import type { AppStackName, StackName } from '../../harness/core/names.ts';
import type { HandlerResponse, Policy, SetupProblem, SetupSchema } from '../../harness/core/format.ts';
import type { HandlerLog } from './handler-log.ts';

/**
 * What a scenario asks of one stack, with placeholders already expanded: a
 * policy, the stack's raw setup (`server.<stack>`, of the type the stack's
 * schema accepts: a snippet, the CORS library's options, Next.js's files),
 * both, or neither (an app with no CORS handling at all).
 */
export interface StackSetup<Raw = unknown> {
  policy?: Policy;
  raw?: Raw;
}

/** What a scenario's handler answers, each answer resolved (resolveAnswers). */
export interface HandlerAnswers {
  /** `server.response`: the answer for every path `responses` does not name. */
  response: Required<HandlerResponse>;
  /** `server.responses`: the answer for one path below the mount (`/old`), by that path exactly; none when absent. */
  responses?: Record<string, Required<HandlerResponse>>;
}

/** One scenario's app on a stack's server. Its handler answers with answerForTarget(mount, target). */
export interface ScenarioMount extends HandlerAnswers {
  scenarioId: string;
  /** Path the scenario's app is mounted at, e.g. `/s/preflight.put`. */
  prefix: string;
  /** The code that sets the app up, in this stack's idiom (what the report shows). */
  code: string;
  /** What the scenario's code sees as `origins`, when the scenario declares its own: the lab's with them over (`{ app, evil, apiOrigin, cdn, ... }`). */
  origins?: Readonly<Record<string, string>>;
  /** The scenario's part for this stack (`server.<name>`), placeholders expanded: for a stack that reads it when it starts (a user's app module). */
  raw?: unknown;
  /** The scenario file, for a stack whose setup names files relative to it (`server.app.module`). */
  scenarioFile?: string;
}

export interface StackStartOptions {
  host: string;
  /**
   * A port handed out by the harness (freePort), for an app it does not run
   * itself (Docker runtime): a port the OS picks inside a container on the
   * host's network could be one the harness just handed to a proxy. Default:
   * the OS picks.
   */
  port?: number;
  mounts: ScenarioMount[];
  handlerLog: HandlerLog;
  origins: LabOrigins;
}

export interface StartedStack {
  port: number;
  /** Scenarios whose setup code threw: their cells are errors, the others still run. */
  setupErrors: Map<string, string>;
  stop(): Promise<void>;
  /** For a server in a process of its own (Next.js): what died, once it exited during the run without being stopped. */
  died?(): string | undefined;
  /** What the stack found out when it started, by scenario id, for the code the report shows (a user's app: what kind of app it is). */
  notes?: Map<string, string>;
}

/**
 * A way to serve the API. Every stack has the same shape: it renders a
 * scenario's setup as code in its own idiom, and starts one server for all of
 * a run's scenarios, each mounted at its own path. `Raw` is the type of its
 * part of a scenario (`server.<name>`), which its schema describes; the
 * scenario loader has checked it against that schema before any render sees
 * it.
 */
export interface StackDefinition<Raw = unknown> {
  /** Its column's name, and its key under a scenario's `server:` (lower-case words with dashes). */
  name: AppStackName;
  /** Column header in the matrix, e.g. "Express + cors". */
  label: string;
  /** npm packages whose installed versions the results record. */
  packages: string[];
  /**
   * Its start spawns a server process of its own (Next.js's `next start`), so
   * the local runtime calls it in the harness's process; every other stack
   * starts in a child process (servers/runtimes/local/app-child.ts).
   */
  startsOwnProcess?: boolean;
  /** Folders its server writes to at run time (Next.js's build cache): a container gets them read-write, the rest of the project read-only. */
  writableDirs?: string[];
  /** What it adds to the scenario schema: the schema of `server.<name>`, and the definitions it refers to. */
  setupSchema: SetupSchema;
  /** Problems with a raw setup that the schema cannot see (code that does not compile, a module file that is not there), at their path below `server.<name>`. */
  checkSetup?(raw: Raw, context: { file: string }): SetupProblem[];
  /**
   * A stack that serves a user's own app (`server.app`): it runs only the
   * scenarios that configure it, each in the column `column(raw)` names
   * (`app@app.js`), and the app answers its own paths, so probes address
   * them below `{apiOrigin}` (the lab's `{mount}` is no path of it).
   */
  /** False for a stack that can serve a scenario only below its mount (Next.js: a route folder per scenario), so not behind a user's own proxy config. Default: true. */
  servesAtRoot?: boolean;
  ownApp?: {
    column(raw: Raw): StackName;
    /** Loads the app (running the user's module) and says what it is; throws, naming the module, when it cannot: before anything starts. */
    check(raw: Raw, scenarioFile: string): Promise<string>;
  };
  render(setup: StackSetup<Raw>): string;
  /** A policy in this stack's idiom without the catch-all routes, for fixes (a fix never changes the routes). */
  renderPolicy(policy: Policy): string;
  /** The fix when something in front of CORS (authentication, rate limits) refuses preflights: answer OPTIONS first, in this stack's idiom. */
  preflightFirst: string;
  /**
   * Starts one server for every scenario of a run. The server framework
   * loads only when this is called (a `server.ts` beside the definition),
   * so the definition stays pure: `corslab explain` and validation load none.
   */
  start(options: StackStartOptions): Promise<StartedStack>;
}

/** The handler answers with this unless the scenario says otherwise. */
export const DEFAULT_RESPONSE: Required<HandlerResponse> = {
  status: 200,
  headers: { 'Content-Type': 'application/json; charset=utf-8' },
  body: '{"ok":true}',
};

export function resolveResponse(response: HandlerResponse | undefined): Required<HandlerResponse> {
  return {
    status: response?.status ?? DEFAULT_RESPONSE.status,
    headers: response?.headers ?? DEFAULT_RESPONSE.headers,
    body: response?.body ?? DEFAULT_RESPONSE.body,
  };
}

/** `server.response` and `server.responses` as the handler uses them: each answer on its own defaults (an entry does not inherit from `response`). */
export function resolveAnswers(response: HandlerResponse | undefined, responses: Record<string, HandlerResponse> | undefined): HandlerAnswers {
  const resolved: HandlerAnswers = { response: resolveResponse(response) };
  if (responses) resolved.responses = Object.fromEntries(Object.entries(responses).map(([at, r]) => [at, resolveResponse(r)]));
  return resolved;
}

/*
 * What the lab's own handler answers, on every stack. The Express and
 * Fastify handlers call these; Next.js runs its handler in its own process
 * from plain JavaScript, servers/apps/next/template/corslab/answer.js, which
 * is the same logic line for line (next/answer.test.ts holds the two to the
 * same answers).
 */

/**
 * The answer for a request whose path below the scenario's mount is
 * `pathBelowMount` (undefined: the request is not below it) and whose query
 * string is `query` (without `?`): the `responses` entry for that path
 * exactly, else `response`.
 *
 * Every request a cell makes carries `corslab_cell=<token>` in its query,
 * and the recorder attributes exchanges by it. A redirect's next hop is a
 * request the browser makes to the Location, with that URL's query only; so
 * a Location without the parameter gets the request's own query string
 * appended (after `?`, or `&` when it has a query), and the next hop is the
 * same cell's. A Location that already names the parameter is left as it is.
 */
export function answerFor(answers: HandlerAnswers, pathBelowMount: string | undefined, query: string, cellParam: string = defaults.cellParam): Required<HandlerResponse> {
  const own = pathBelowMount !== undefined && answers.responses !== undefined && Object.hasOwn(answers.responses, pathBelowMount);
  const answer = own ? answers.responses![pathBelowMount]! : answers.response;
  if (query === '') return answer;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) headers[name] = name.toLowerCase() === 'location' ? withCellQuery(value, query, cellParam) : value;
  return { ...answer, headers };
}

/** A request target (`/s/x/old?corslab_cell=abc`) split into its path below the mount at `prefix` (undefined when not below it) and its query (without `?`). */
export function splitTarget(prefix: string, target: string): { pathBelowMount: string | undefined; query: string } {
  const mark = target.indexOf('?');
  const path = mark === -1 ? target : target.slice(0, mark);
  const query = mark === -1 ? '' : target.slice(mark + 1);
  const below = path === prefix || path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
  return { pathBelowMount: below, query };
}

/** What the handler of the scenario mounted at `mount.prefix` answers to a request for `target` (path and query, as on the request line). */
export function answerForTarget(mount: HandlerAnswers & { prefix: string }, target: string, cellParam: string = defaults.cellParam): Required<HandlerResponse> {
  const { pathBelowMount, query } = splitTarget(mount.prefix, target);
  return answerFor(mount, pathBelowMount, query, cellParam);
}

/** `location` with `query` appended unless its own query already has `cellParam` (read as the recorder reads it); a fragment stays last. */
function withCellQuery(location: string, query: string, cellParam: string): string {
  const hash = location.indexOf('#');
  const url = hash === -1 ? location : location.slice(0, hash);
  const fragment = hash === -1 ? '' : location.slice(hash);
  const mark = url.indexOf('?');
  if (mark !== -1 && new URLSearchParams(url.slice(mark + 1)).has(cellParam)) return location;
  const separator = mark === -1 ? '?' : url.endsWith('?') || url.endsWith('&') ? '' : '&';
  return `${url}${separator}${query}${fragment}`;
}

/** The methods the catch-all routes answer. OPTIONS is left to the CORS layer (or to the framework's default). */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * A policy as options of the `cors` package and of @fastify/cors, which use the
 * same names (https://github.com/expressjs/cors#configuration-options,
 * https://github.com/fastify/fastify-cors#options). Omitted fields stay
 * omitted, so each library's own default applies.
 */
export function corsLibraryOptions(policy: Policy): Record<string, unknown> {
  return {
    // Both libraries take `true` to mean "reflect the request's Origin".
    origin: policy.origin === 'reflect' ? true : policy.origin,
    methods: policy.methods,
    allowedHeaders: policy.allowedHeaders,
    exposedHeaders: policy.exposedHeaders,
    credentials: policy.credentials,
    maxAge: policy.maxAge,
  };
}
