/**
 * The results contract: what `results.json` holds and what every other report
 * (terminal, HTML, JUnit) reads. Bump RESULTS_SCHEMA_VERSION on any change a
 * reader would notice.
 */
import type { EngineName } from '../browsers/driver.ts';
import type { EngineDisagreement } from '../observations/engine-differences.ts';
import type { CellExplanation } from '../explanations/explain-cell.ts';
import type { SecurityFinding } from '../explanations/security.ts';
import type { Chapter, ClaimResult, ClaimVerdict } from '../curriculum/types.ts';
import type { Deviation, Expectation, ExpectationOverride, FetchSpec, HandlerResponse, PageOriginName, ResultKind, StackName } from '../scenarios/types.ts';

export const RESULTS_SCHEMA_VERSION = 1;

/** A header as it crossed the wire: name with its original case, value as sent; order and duplicates kept. */
export type RawHeader = [name: string, value: string];

/** One request and its response, as the recorder in front of the API saw them. */
export interface Exchange {
  /** Order of arrival at the recorder, within one stack. */
  seq: number;
  /** ms since the run started. */
  at: number;
  /** `setup`: a request the harness made itself before the probe (a warm-up), not the browser. */
  kind: 'preflight' | 'actual' | 'setup';
  request: {
    method: string;
    /** Path and query, as in the request line. */
    target: string;
    httpVersion: string;
    headers: RawHeader[];
    body?: string;
    /** Size of the whole body; `body` keeps at most the first defaults.maxBodyBytes of it. */
    bodyBytes?: number;
  };
  response?: {
    httpVersion: string;
    status: number;
    statusText: string;
    headers: RawHeader[];
    body?: string;
    bodyTruncated?: boolean;
    /** Size of the whole body; `body` keeps at most the first defaults.maxBodyBytes of it. */
    bodyBytes?: number;
    /** The last byte was passed on to the browser. */
    complete: boolean;
  };
  /** The app behind the recorder could not be reached or broke off; nothing was invented in its place. */
  upstreamError?: string;
  /** The app's handler ran for this request (side effects happened). */
  reachedHandler: boolean;
  /**
   * Behind a proxy: the same request as it went from the proxy to the app,
   * and what the app answered before the proxy changed it. Absent when the
   * proxy answered by itself (a preflight it handles, a cached response, an
   * app that is down).
   */
  appHop?: Omit<Exchange, 'reachedHandler' | 'appHop' | 'kind' | 'seq' | 'at'>;
}

/** What the page's JavaScript got. */
export type JsOutcome =
  | {
      kind: 'response';
      /** Response.type: "cors", "basic" or "opaque". */
      type: string;
      status: number;
      statusText: string;
      /** The headers JavaScript could read (the browser filters the rest out). */
      headers: RawHeader[];
      body: string;
      bodyTruncated: boolean;
    }
  | { kind: 'error'; name: string; message: string }
  | { kind: 'timeout'; afterMs: number };

/** What the engine itself said about a request, where it says anything. */
export interface EngineMessage {
  source: 'console' | 'devtools';
  text: string;
  /** Chromium's structured CORS reason (DevTools Network.CorsError), when the engine gives one. */
  corsError?: string;
  failedParameter?: string;
}

export interface Observation {
  /** What JavaScript could do with the response; absent when the harness could not tell (then the verdict is error). */
  result?: ResultKind;
  preflight: Exchange | null;
  actual: Exchange | null;
  /** Every exchange attributed to the cell, in order. */
  exchanges: Exchange[];
  reachedHandler: boolean;
  /** Names of the cookies the actual request carried (null when no actual request went out). */
  cookiesSent: string[] | null;
  js: JsOutcome;
  messages: EngineMessage[];
  /** How this engine reports CORS failures, or a plain statement that it reports none. */
  messageSupport: string;
  durationMs: number;
}

export type Verdict = 'pass' | 'fail' | 'error';

export interface Difference {
  field: string;
  expected: unknown;
  observed: unknown;
  note?: string;
}

export interface CellResult {
  id: string;
  scenario: string;
  probe: number;
  probeName: string;
  stack: StackName;
  engine: EngineName;
  from: PageOriginName;
  pageOrigin: string;
  verdict: Verdict;
  expected: Expectation;
  /** Why this stack or engine is expected to differ from the probe's general expectation. */
  expectedBecause?: string;
  /** Absent only when the cell could not run at all (see `error`). */
  observed?: Observation;
  differences: Difference[];
  /** Why the harness could not observe (never a CORS outcome). */
  error?: string;
  /** The Fetch standard model's reading of the wire exchange: the reason, agreement with the engine, and a fix. */
  explanation?: CellExplanation;
  /** The code the page ran, with the run's real URLs. */
  pageCode: string;
  /** The request as the scenario wrote it, placeholders expanded. */
  request: FetchSpec;
}

export interface ScenarioInfo {
  id: string;
  file: string;
  chapter: string;
  title: string;
  lesson: string;
  sources: string[];
  tags: string[];
  /** The stacks this scenario applies to (its cells on other stacks are not applicable, not missing). */
  stacks: StackName[];
  /** The setup code each stack ran, in that stack's idiom. */
  serverCode: Partial<Record<StackName, string>>;
  response: Required<HandlerResponse>;
  probes: { name: string; line: number; from: PageOriginName; request: FetchSpec; expect: Expectation; expectFor: ExpectationOverride[]; deviations: Deviation[] }[];
}

export interface EngineInfo {
  name: EngineName;
  version: string;
  executable: string;
  /** Playwright's own build, or the system's. */
  source: string;
}

export interface StackInfo {
  name: StackName;
  label: string;
  packages: Record<string, string>;
  /** Docker runtime: the images this stack ran in (proxy first, then the app's Node image). Absent in the local runtime. */
  images?: ImageInfo[];
}

/** A container image as the engine had it when the run started. */
export interface ImageInfo {
  /** What the run was configured with: `nginx:1.27`, `corslab-local/nginx:1.22-bookworm`. */
  ref: string;
  /** The engine's image id (`sha256:...`): the config digest, which identifies the exact image even without a registry. */
  id: string;
  /** The registry's manifest digest (`sha256:...`), when the image came from a registry (absent for a locally built image). */
  digest?: string;
  created?: string;
}

/** Where a run's time went, for the benchmark and the results. */
export interface Timings {
  /** Starting the page server, the stacks and their recorders (in parallel with the engines). */
  serversMs: number;
  /** Each engine's launch. */
  engineLaunchMs: Partial<Record<EngineName, number>>;
  /** Each engine's cells, from its first cell to its last. */
  cellsMs: Partial<Record<EngineName, number>>;
}

export interface RunResults {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: 'corslab'; version: string };
  startedAt: string;
  durationMs: number;
  environment: {
    node: string;
    platform: string;
    playwright: string;
    engines: EngineInfo[];
    /** Engines asked for that could not be used, and why. */
    missingEngines: { name: EngineName; reason: string }[];
    stacks: StackInfo[];
    /** Where the stacks ran (absent in results written before the Docker runtime existed: local). */
    runtime?: 'local' | 'docker';
    origins: { app: string; evil: string; lookalikeSuffix?: string; lookalikePrefix?: string; api: Partial<Record<StackName, string>> };
  };
  /** What this run was asked for: an empty cell in the matrix may have been filtered out. */
  filters: { engines: EngineName[]; stacks?: StackName[]; grep?: string };
  scenarios: ScenarioInfo[];
  cells: CellResult[];
  /** Probes whose observations differ between engines on the same stack: news, shown side by side. */
  engineDisagreements: EngineDisagreement[];
  /** Unsafe configurations found from the servers' answers and code, apart from pass/fail. */
  securityFindings: SecurityFinding[];
  /**
   * The course: chapters in reading order and the claims index with each
   * claim's verdict per engine. Present when the run used a curriculum (the
   * project's own scenarios do).
   */
  curriculum?: {
    file: string;
    /** The source articles by number, with what each is about. */
    articles: Record<string, string>;
    chapters: Chapter[];
    claims: (ClaimResult & { line: number })[];
    counts: Record<ClaimVerdict, number>;
  };
  /** Where the run's time went. */
  timings: Timings;
  summary: {
    total: number;
    pass: number;
    fail: number;
    error: number;
    /** Cells where the engine did something other than what the Fetch standard model says. */
    modelDisagreements: number;
  };
}
