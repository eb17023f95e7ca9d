import type { EngineName } from '../core/names.ts';
import type { EngineMessage, JsOutcome } from '../results/types.ts';


/** Where an engine's browser is, or why it cannot be used on this machine. */
export type EngineLocation =
  | { available: true; executable: string; source: 'playwright' | 'system' | 'configured' }
  | { available: false; reason: string };

/**
 * One engine, behind the small interface the runner uses. Each engine lives in
 * its own folder; `registry.ts` is the only file that imports them.
 */
export interface EngineDriver {
  readonly name: EngineName;
  /** For people: "Chromium", "Firefox", "WebKit". */
  readonly label: string;
  /** The version as the matrix header shows it: as much of it as tells the release apart (Chromium's 156, WebKitGTK's 2.50). */
  shortVersion(version: string): string;
  locate(): Promise<EngineLocation>;
  /**
   * How many entries the engine's CORS-preflight cache holds before it
   * evicts the oldest (https://fetch.spec.whatwg.org/#cors-preflight-cache
   * leaves the size to the browser); absent: no limit known. A cell that
   * asks again later relies on its entry still being there, so the run keeps
   * the other cells from filling the cache while it waits
   * (harness/run/cache-room.ts).
   */
  readonly preflightCacheEntries?: number;
  /** Launches the browser; with `network`, routed through the lab's mapping proxy and trusting the run's CA. */
  launch(executable: string, source: string, network?: LabNetwork): Promise<EngineSession>;
  /** The ways a browser started elsewhere can be reached (`--connect`: Playwright's browser server; `--webdriver`: a W3C WebDriver endpoint). Absent: none. */
  readonly remoteProtocols?: readonly RemoteBrowser['protocol'][];
  /**
   * Connects to a browser started elsewhere (one of remoteProtocols). Its
   * launch options are its server's, so the lab's network is given per
   * context where the protocol allows (Playwright's `proxy` of newContext)
   * and otherwise per session (WebDriver capabilities); see README "Shards
   * and remote browsers".
   */
  connect?(remote: RemoteBrowser, network?: LabNetwork): Promise<EngineSession>;
  /**
   * Starts Playwright's browser server for this engine, launched as the lab
   * launches it (the same flags, and trust for the lab's CA where that is a
   * launch option), for `--connect` (`corslab browser-server`). Absent: the
   * engine has none (WebKitGTK: start WebKitWebDriver instead).
   */
  serve?(executable: string, options: { host: string; port?: number; spkiHashes: readonly string[] }): Promise<BrowserServerHandle>;
}

/** A browser server that `serve` started. */
export interface BrowserServerHandle {
  wsEndpoint: string;
  close(): Promise<void>;
}

/** A browser that runs elsewhere, reached by URL: `--connect chromium=ws://…` (playwright) or `--webdriver webkit=http://…` (webdriver). */
export interface RemoteBrowser {
  protocol: 'playwright' | 'webdriver';
  endpoint: string;
}

/**
 * How an engine reaches the lab. The lab's own `*.localhost` names resolve to
 * 127.0.0.1 in every engine and go there directly, as they always have;
 * every other host (the origins a scenario declares, and anything else)
 * goes through the lab's mapping proxy, which sends declared origins to the
 * lab's listeners and refuses the rest, so nothing leaves the machine.
 */
export interface LabNetwork {
  /** The mapping proxy, `127.0.0.1:PORT`: an HTTP proxy (absolute-form for http, CONNECT for https). */
  proxy: string;
  /** Host names that go straight to 127.0.0.1, without the proxy. */
  direct: readonly string[];
  /** base64 SHA-256 of the DER SubjectPublicKeyInfo of the run's CA and of its host key. */
  spkiHashes: readonly string[];
}

/** A launched browser. Launched once per run. */
export interface EngineSession {
  readonly name: EngineName;
  readonly version: string;
  readonly executable: string;
  readonly source: string;
  /** How it was routed to the lab and how it trusts the run's certificates, in a sentence for the report; undefined when launched without a LabNetwork. */
  readonly network?: string;
  /** The browser runs elsewhere and the run connected to it. */
  readonly remote?: RemoteBrowser;
  /**
   * A page at `origin`. `freshContext` gives the page its own browser context
   * (own cookie jar and caches) for cells whose cookie state matters; without
   * it, pages share one context so that many cells can run side by side.
   * `visitFirst` is a URL the page navigates to, top-level, before `origin`
   * (how a scenario's cookies get set first-party on the API's host).
   */
  openPage(origin: string, options: OpenPageOptions): Promise<ProbePage>;
  /**
   * A browser context of its own (own cookie jar and caches, shared with no
   * other page of the run) that can hold pages at several origins. Its jar
   * starts with what a top-level visit to `visitFirst` set, and then changes
   * only if a response sets a cookie: the runner watches for that.
   */
  openContext(options: { visitFirst?: string }): Promise<ProbeContext>;
  close(): Promise<void>;
}

/** An isolated context from `openContext`: pages in it share its cookie jar; closing it closes them. */
export interface ProbeContext {
  openPage(origin: string): Promise<ProbePage>;
  /**
   * Makes the context serve another scenario as a new one would: empties its
   * jar, proves it empty (the engine lists no cookie), then makes the
   * scenario's first-party visit. False when the jar could not be proven
   * empty: the caller closes the context and opens a new one. An engine that
   * cannot prove it leaves this out. A reused
   * context keeps its pages; it shares no cached preflight or response with
   * the last scenario, since every cell requests its own URLs.
   */
  reuse?(options: { visitFirst?: string }): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenPageOptions {
  freshContext: boolean;
  visitFirst?: string;
}

/** One request the page makes: `code` is a JavaScript expression that evaluates to a Promise of a Response. */
export interface PageProbe {
  /** The cell's token; it is in every URL the probe requests, so messages can be attributed. */
  token: string;
  code: string;
  timeoutMs: number;
}

export interface PageOutcome {
  js: JsOutcome;
  messages: EngineMessage[];
}

/** A page that runs probes; `run` may be called many times concurrently. */
export interface ProbePage {
  run(probe: PageProbe): Promise<PageOutcome>;
  /** How this engine reports CORS failures, or a plain statement that it reports none. */
  readonly messageSupport: string;
  /**
   * Why the page can run no more probes (its renderer crashed, its browser
   * exited), or undefined while it can. A schedule opens a new page in place
   * of a lost one; the cells that were on it are errors that say what died.
   */
  lost?(): string | undefined;
  close(): Promise<void>;
}
