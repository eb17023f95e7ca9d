import type { LabOrigins } from '../../harness/core/origins.ts';
import type { AppStackName } from '../../harness/core/names.ts';
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

/** One scenario's app on a stack's server. */
export interface ScenarioMount {
  scenarioId: string;
  /** Path the scenario's app is mounted at, e.g. `/s/preflight.put`. */
  prefix: string;
  /** The code that sets the app up, in this stack's idiom (what the report shows). */
  code: string;
  response: HandlerResponse;
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
  /** Folders its server writes to at run time (Next.js's build cache): a container gets them read-write, the rest of the project read-only. */
  writableDirs?: string[];
  /** What it adds to the scenario schema: the schema of `server.<name>`, and the definitions it refers to. */
  setupSchema: SetupSchema;
  /** Problems with a raw setup that the schema cannot see (code that does not compile), at their path below `server.<name>`. */
  checkSetup?(raw: Raw): SetupProblem[];
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
