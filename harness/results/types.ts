/**
 * The results contract: what `results.json` holds and what every other report
 * (terminal, HTML, JUnit) reads. Bump RESULTS_SCHEMA_VERSION on any change a
 * reader would notice.
 */
import type { Failure, Finding, Latitude } from '../model/index.ts';
import type { Policy, Deviation, Expectation, ExpectationOverride, FetchSpec, HandlerResponse, ResultKind } from '../core/format.ts';
import type { EngineName, PageOriginName, StackName } from '../core/names.ts';

/**
 * 5: `scenarioSetHash`, `shard` and `environment.machine` in every run;
 * `merged` and each cell's `source` in what `corslab merge` writes; an
 * engine's `remote` (issue 19). Nothing of version 4 changed meaning.
 * 4: `Observation.preflight` and `Observation.actual` are indexes into
 * `Observation.exchanges` (or null), no longer copies of those exchanges, so
 * each exchange is stored once (issue 18).
 * 3: a request's `target` may be in absolute form (an http origin reached through the lab's mapping proxy); `environment.network`; an engine's `network`.
 */
export const RESULTS_SCHEMA_VERSION = 5;

/**
 * A header as it crossed the wire: name with its original case; the value as
 * sent, which is everything after the colon less the one conventional space
 * (`Name:   x  \t` is `'  x  \t'`, untrimmed: a reader that compares values
 * normalizes them first, as harness/model/headers.ts does; an obsolete line
 * fold reads as one space, and `rawHead` keeps its bytes); order and
 * duplicates kept. One char per byte (latin1).
 */
export type RawHeader = [name: string, value: string];

/**
 * The head exactly as it crossed the wire, one char per byte (latin1): the
 * start line through the empty line that ends the head. Present only when it
 * differs from the canonical serialization of what is recorded (the start
 * line, then `name: value` CRLF per header, then CRLF): a header line with no
 * space or a tab after its colon, an obsolete line fold (recorded in the
 * value as one space), a bare LF line end, a line that is not a header. So it
 * is absent in the usual case, and the record is byte-exact either way.
 */
export type RawHead = string;

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
    /**
     * The request line's target, as sent: path and query (origin form,
     * `/items?x=1`), or, for a request that came through the lab's mapping
     * proxy (servers/gateway), the absolute form a browser sends a forward
     * proxy (`http://api.example.com/items?x=1`; a note says so, and the
     * server behind got the origin form). Read the path and query with
     * originFormOf (servers/recorder/http1.ts), whichever form it is.
     */
    target: string;
    httpVersion: string;
    headers: RawHeader[];
    /** The request head byte for byte, when it differs from the canonical form of the fields above (see RawHead). */
    rawHead?: RawHead;
    body?: string;
    /** Size of the whole body; `body` keeps at most the first defaults.maxBodyBytes of it. */
    bodyBytes?: number;
    /** What the recorder saw that these fields cannot say (a line it could not read as a header, a body it could not delimit and passed on raw), in plain words. */
    notes?: string[];
  };
  response?: {
    httpVersion: string;
    status: number;
    statusText: string;
    headers: RawHeader[];
    /** The response head byte for byte, when it differs from the canonical form of the fields above (see RawHead). */
    rawHead?: RawHead;
    body?: string;
    bodyTruncated?: boolean;
    /** Size of the whole body; `body` keeps at most the first defaults.maxBodyBytes of it. */
    bodyBytes?: number;
    /** The last byte was passed on to the browser (or read from the app after the browser had left; a note says so). */
    complete: boolean;
    /** What the recorder saw that these fields cannot say (an interim 1xx response before this one, bytes after it, a body it could not delimit, a browser that left early), in plain words. */
    notes?: string[];
  };
  /** The app behind the recorder could not be reached or broke off; nothing was invented in its place. */
  upstreamError?: string;
  /** The app's handler ran for this request (side effects happened); null when it cannot be known (a server the user runs, which the lab does not mark: harness/core/target.ts). */
  reachedHandler: boolean | null;
  /**
   * Which layer gave the answer the browser got, read from the two
   * recorders and the handler's mark: `handler` (the scenario's handler ran),
   * `app` (the app's server answered before any handler ran: its HTTP parser,
   * its framework's routing or its CORS layer), `proxy` (the proxy in front
   * answered by itself; nothing crossed the hop to the app). Absent when no
   * answer came.
   */
  answeredBy?: 'handler' | 'app' | 'proxy';
  /**
   * Behind a proxy: the same request as it went from the proxy to the app,
   * and what the app answered before the proxy changed it. Absent when the
   * proxy answered by itself (a preflight it handles, a cached response, an
   * app that is down).
   */
  appHop?: Omit<Exchange, 'reachedHandler' | 'appHop' | 'kind' | 'seq' | 'at'>;
}

/** A position in `Observation.exchanges`: 0 for the first exchange. */
export type ExchangeIndex = number;

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
  | {
      kind: 'error';
      name: string;
      message: string;
      /**
       * The promise fetch() returned was already rejected (or the probe's code
       * threw) when the code returned: the browser refused the request without
       * fetching, as when the Request constructor throws
       * (https://fetch.spec.whatwg.org/#dom-global-fetch), so before any
       * network activity. false: it rejected later (only a plain fetch() call
       * can be seen at once; a sandboxed frame's or a repeated request's
       * cannot). Absent in results written before this was measured.
       */
      atOnce?: boolean;
    }
  | { kind: 'timeout'; afterMs: number };

/** What the engine itself said about a request, where it says anything. */
export interface EngineMessage {
  source: 'console' | 'devtools';
  text: string;
  /** Chromium's structured CORS reason (DevTools Network.CorsError), when the engine gives one. */
  corsError?: string;
  failedParameter?: string;
}

/**
 * The browser refused the request before sending it: fetch() rejected with a
 * TypeError, nothing with the cell's token reached the recorder, and either
 * the rejection was there at once, when fetch() returned (before any network
 * activity), or a control request the page made right after reached the same
 * API while the Fetch standard model says this request is refused before it
 * is sent.
 */
export interface NotSent {
  /** Why, in one sentence: the standard's rule as the model states it, or else the engine's own words. */
  reason: string;
  /** How the harness knows, in plain words, one line per piece of evidence. */
  evidence: string[];
  /** fetch()'s promise was already rejected when it returned (see JsOutcome's atOnce). */
  rejectedAtOnce: boolean;
  /** The control request the page made right after, when it made one: a no-cors GET without credentials to the same URL, under its own token. */
  control?: { url: string; code: string; reached: boolean; status?: number; js: string };
}

export interface Observation {
  /** What JavaScript could do with the response; absent when the harness could not tell (then the verdict is error). */
  result?: ResultKind;
  /** Present when the browser refused the request before sending anything (then result is `blocked`). */
  notSent?: NotSent;
  /**
   * The CORS preflight: its index in `exchanges` (the first preflight), or
   * null when none reached the recorder. An index, not a copy, so each
   * exchange is stored once; 0 is a valid index, so test it with `!== null`.
   * exchangeAt() (harness/results/exchanges.ts) reads it.
   */
  preflight: ExchangeIndex | null;
  /**
   * The request itself: its index in `exchanges` (with `again`, the later
   * one, whose answer JavaScript read), or null when none reached the recorder.
   */
  actual: ExchangeIndex | null;
  /** Every exchange attributed to the cell, in the order the recorder saw them. */
  exchanges: Exchange[];
  /** null: not known (a server the user runs; see Exchange.reachedHandler). */
  reachedHandler: boolean | null;
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
  /** In merged results: which of `merged.sources` ran this cell (an index). Absent in a single run's results. */
  source?: number;
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
  /** `server.response`, with its defaults. */
  response: Required<HandlerResponse>;
  /** `server.responses`, each with its defaults, by path below the scenario's mount; absent when the scenario has none. */
  responses?: Record<string, Required<HandlerResponse>>;
  probes: { name: string; line: number; from: PageOriginName; request: FetchSpec; expect: Expectation; expectFor: ExpectationOverride[]; deviations: Deviation[] }[];
}

export interface EngineInfo {
  name: EngineName;
  version: string;
  /** The version as the matrix header shows it (the engine's own say: Chromium's 156, WebKitGTK's 2.50). */
  shortVersion: string;
  executable: string;
  /** Playwright's own build, or the system's. */
  source: string;
  /** How the engine reached the lab (the mapping proxy, which hosts went direct) and how it trusted the run's certificates. */
  network?: string;
  /** The browser ran elsewhere and the run connected to it (`--connect`, `--webdriver`): how, and where. Absent for a browser the run launched. */
  remote?: { protocol: 'playwright' | 'webdriver'; endpoint: string };
}

/** The machine a run ran on. */
export interface MachineInfo {
  hostname: string;
  /** `os.type() os.release() os.arch()`. */
  os: string;
  cpus: number;
}

/** One run that `corslab merge` read: where it ran and what with, as recorded there. */
export interface RunSource {
  /** The folder its results.json was read from. */
  dir: string;
  shard?: { index: number; total: number };
  machine: MachineInfo;
  startedAt: string;
  durationMs: number;
  runtime?: 'local' | 'docker';
  /** Each engine's exact version, as it was where the run ran. */
  engines: EngineInfo[];
  /** Each stack's package versions and images, as they were where the run ran. */
  stacks: StackInfo[];
}

/** The lab's network in a run: the mapping proxy every engine used for every host but the lab's own names. */
export interface NetworkInfo {
  /** Where the mapping proxy listened, `127.0.0.1:PORT`. */
  proxy: string;
  /** Every origin a scenario declared (`origins:`): the hosts the proxy mapped to the lab's listeners. */
  declared: string[];
  /** What the proxy refused (a host no scenario declared, a request it could not route): none of it left the machine. */
  refused: { origin: string; target?: string; method?: string; reason: string; count: number }[];
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
  engineLaunchMs: Record<EngineName, number>;
  /** Each engine's cells, from its first cell to its last. */
  cellsMs: Record<EngineName, number>;
  /** Where that time went, in more detail (`npm run bench` prints it). */
  profile?: RunProfile;
}

/** A run's profile: what each stack's start took and how each engine's cells were spent. */
export interface RunProfile {
  /** Each stack's start, in parallel with the others: its recorder, its app server and, for a proxied stack, one proxy per scenario. */
  stacks: Record<StackName, { ms: number; proxies: number }>;
  engines: Record<EngineName, EngineProfile>;
}

/** One engine's cells, by lane of the schedule (harness/run/schedule.ts); the lanes run side by side. */
export interface EngineProfile {
  /** From the lane's start to its last cell's end: shared pages of the lab's origins, shared pages reached through the mapping proxy, and cookie-isolated scenarios in contexts of their own. */
  lanes: Record<'shared' | 'proxied' | 'isolated', { cells: number; ms: number }>;
  /** Scenarios whose cookies matter, each in a context of its own. */
  isolatedScenarios: number;
  /** Contexts opened (a scenario's, or a new one after a Set-Cookie), and their opening time summed (they overlap). */
  contextsOpened: number;
  contextOpenMs: number;
  /** Contexts that served another scenario once their jar was proven empty (ProbeContext.reuse), instead of a new context. */
  contextsReused?: number;
  /** Pages opened, and their opening time summed. */
  pagesOpened: number;
  pageOpenMs: number;
  /** The probes' deliberate waits (`again.afterMs`): summed, and the longest (no lane can end before it). */
  waitMs: number;
  longestWaitMs: number;
  /** Each cell's own time (page, probe, wire, verdict), summed over cells in flight at once; and the slowest cell. */
  cellMs: number;
  slowestCell?: { id: string; ms: number };
}

/** What a run confined, in words (servers/runtimes/local/confine.ts): each kind present only when the run started one. */
export interface ConfinementInfo {
  /** nginx and Apache httpd: "bubblewrap (...)", or "not confined: <why>". */
  proxies?: string;
  /** The app stacks that run a scenario's code (Express, Fastify): their child process and its limits. */
  apps?: string;
}

export interface RunResults {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: 'corslab'; version: string };
  /**
   * SHA-256 (hex) of every scenario the run loaded, as validated (whatever
   * its filters or shard ran of them): runs with the same hash planned from
   * the same scenarios, which `corslab merge` requires.
   */
  scenarioSetHash: string;
  /** The part of the planned cells this run ran (`--shard`). Absent for a whole run. */
  shard?: { index: number; total: number };
  /** Present in what `corslab merge` wrote: the runs it read, in order (each cell's `source` indexes them). */
  merged?: { sources: RunSource[] };
  startedAt: string;
  durationMs: number;
  environment: {
    /** Where the run ran (in merged results: the machine of the first input; each source has its own). */
    machine: MachineInfo;
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
    /** The mapping proxy and what it refused (absent in results written before it existed). */
    network?: NetworkInfo;
    /** How the servers that run a scenario's config or code were confined, or "not confined: <why>" (absent in results written before it was recorded). */
    confinement?: ConfinementInfo;
  };
  /** What this run was asked for: an empty cell in the matrix may have been filtered out. */
  filters: { engines: EngineName[]; stacks?: StackName[]; grep?: string };
  scenarios: ScenarioInfo[];
  /** The cells that ran. With notRun, the run's plan is these and notRun's cells. */
  cells: CellResult[];
  /**
   * Cells that were planned but never started, because the run stopped early
   * (`--max-failures`): neither pass, fail nor error, and not in `cells` or in
   * the summary's pass/fail/error counts. Absent when every planned cell ran.
   */
  notRun?: NotRun;
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
    /** Planned cells that never started (see notRun); `total` counts the cells that ran. Absent when every planned cell ran. */
    notRun?: number;
  };
}

/** The cells a run stopped before (`--max-failures`), and why. */
export interface NotRun {
  /** Why they did not run, in a sentence: `--max-failures 3: 3 cells failed or errored`. */
  reason: string;
  /** The limit that stopped the run. */
  maxFailures: number;
  cells: Pick<CellResult, 'id' | 'scenario' | 'probe' | 'probeName' | 'stack' | 'engine'>[];
}

// ------------------------------------------------------------------
// What the harness derives from the observations: explanations, fixes,
// security findings, engine disagreements and the claims index.

/** What the Fetch standard model says about one cell, given what the server answered on the wire. */
export interface ModelAnswer {
  preflight: boolean | 'undetermined';
  /** With `again`: how many preflights both requests make (`undetermined` where the preflight cache's life is left to the browser). */
  preflights?: number | 'undetermined';
  actualSent: boolean;
  /** With `again`: how many actual requests both make. */
  actuals?: number;
  result: 'allowed' | 'blocked' | 'opaque' | 'undetermined';
  status: number | null;
  readable: string[];
  /** One sentence naming the header and the values involved. */
  explanation: string;
  failures: Failure[];
  /** Where the standard leaves this request's outcome to the browser. */
  notes: Latitude[];
}

export interface CellExplanation {
  /** Why the cell came out as it did, in one sentence computed from the wire exchange. */
  reason: string;
  model: ModelAnswer;
  /**
   * true: the engine did what the standard says; false: it did not (news: a
   * browser deviation or a model bug, see `modelDifferences`); null: the
   * model could not decide (the standard leaves it to the browser) or the
   * harness could not observe.
   */
  agreesWithModel: boolean | null;
  modelDifferences: Difference[];
  /** The scenario documents this engine's difference from the standard (with its source). */
  deviation?: { why: string; source: string };
  /** The smallest server change that lets the page through, for a blocked request the site's own page makes. */
  fix?: Fix;
}

/** The smallest change that lets the page through, as a policy and in each stack's idiom. */
export interface Fix {
  /** What to change, in one sentence. */
  summary: string;
  /**
   * The policy with the change applied (placeholders expanded), when the fix
   * is a change of policy. Absent when the fix is structural (e.g. answer
   * OPTIONS before authentication), which no policy can express.
   */
  policy?: Policy;
  /** The fixed setup in each stack's own idiom: cors options, @fastify/cors options, hand-written headers. */
  perStack: Partial<Record<StackName, string>>;
}

/** An unsafe configuration, found from what a server answered or from its code; reported apart from pass/fail. */
/**
 * What the preflights of a server the user runs show (harness/explanations/preflight-hygiene.ts):
 * an OPTIONS that needs authentication, a preflight answered with a status that is not ok,
 * a max-age missing or above what browsers keep.
 */
export type PreflightHygieneId = 'preflight-behind-auth' | 'preflight-not-ok' | 'max-age-missing' | 'max-age-over-cap';

export interface SecurityFinding extends Omit<Finding, 'id'> {
  id: Finding['id'] | PreflightHygieneId;
  scenario: string;
  stack: StackName;
  /** The cells whose exchanges show it. */
  cells: string[];
  /**
   * An attacker's page (any page but the app's: evil.localhost, a sandboxed
   * frame, a look-alike host) really read a response to a request that carried
   * the user's cookie, in these engines. Only then is a finding called exploitable.
   */
  exploitedIn: string[];
  /** An attacker's page read a credentialed-mode response, but the engine had sent no cookie with it: nothing private was read. */
  readWithoutCookieIn: string[];
}

/** What is compared between engines: the outcome, not the timing or the exact header bytes. */
export interface EngineOutcome {
  result?: string;
  preflight: boolean;
  reachedHandler: boolean | null;
  status?: number;
  cookiesSent: string[] | null;
  readable: string[];
}

/** One probe on one stack whose observations differ between engines. */
export interface EngineDisagreement {
  scenario: string;
  probe: number;
  probeName: string;
  stack: StackName;
  /** The fields of EngineOutcome that differ. */
  fields: (keyof EngineOutcome)[];
  byEngine: Record<EngineName, EngineOutcome>;
}

export interface Chapter {
  /** The scenario folder, e.g. `preflight`. */
  id: string;
  title: string;
  intro: string;
}

/** One probe (or every probe) of a scenario, and what the article says it shows. */
export interface ClaimCheck {
  scenario: string;
  probe?: string;
  stacks?: StackName[];
  /** The article's claim in the scenario expectation vocabulary; judged against what the browser did. */
  says: Expectation;
}

export interface Claim {
  id: string;
  article: string;
  quote: string;
  claim: string;
  chapter: string;
  checks: ClaimCheck[];
  /** Why the claim cannot be observed in real time here; its checks (if any) are what was checked instead. */
  notObservable?: string;
}

/**
 * One engine's answer to a claim, over every cell its checks select:
 * every cell as the article says (confirmed), none (refuted), some but not
 * others: true for one request or stack and not another (partly), or no cell observed (not run).
 */
export type EngineClaimVerdict = 'confirmed' | 'refuted' | 'partly' | 'not run';

/** The claim over all engines. */
export type ClaimVerdict = EngineClaimVerdict | 'engine-dependent' | 'not observable';

export interface EngineClaimResult {
  verdict: EngineClaimVerdict;
  /** Cells whose observation matched what the article says. */
  matched: string[];
  /** Cells whose observation did not, with the first difference. */
  contradicted: { cell: string; field: string; expected: unknown; observed: unknown }[];
  /** Cells that could not be observed (errors): they decide nothing. */
  errors: string[];
}

export interface ClaimResult extends Claim {
  verdict: ClaimVerdict;
  engines: Record<EngineName, EngineClaimResult>;
}
