import { execFile } from 'node:child_process';
import { nicedExecutable } from '../../system/priority.ts';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { firefox, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { defaults } from '../../config/defaults.ts';
import { withDeadline } from '../../core/deadline.ts';
import { evaluateAsync, ProbePump } from '../probe-pump.ts';
import { MessageBook } from '../message-book.ts';
import { protocolMismatch, type Versions } from './protocol-mismatch.ts';
import { PlaywrightSession } from '../playwright-session.ts';
import { locateExecutable } from '../../system/locate.ts';
import { packageVersion, projectRoot } from '../../system/project.ts';
import type { EngineDriver, EngineLocation, EngineSession, LabNetwork, PageOutcome, PageProbe, ProbePage } from '../driver.ts';
import type { EngineMessage } from '../../results/types.ts';

/** Debian ships ESR as firefox-esr; other distributions as firefox. */
const SYSTEM_FIREFOX = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

/**
 * Playwright's Firefox profile relaxes the same-origin rule between file://
 * documents. The lab loads no file:// page, but it restores Firefox's shipped
 * value anyway so that the browser under test is the one users run. No other
 * pref is set: nothing here touches CORS or web security.
 */
const FIREFOX_PREFS = { 'security.fileuri.strict_origin_policy': true };

/**
 * Firefox writes a refused CORS request to the web console as
 * "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the
 * remote resource at <url>. (Reason: ...)". Over WebDriver BiDi that is a
 * log.entryAdded entry of type "javascript", level "error", which Playwright
 * hands out as a 'pageerror' (not as 'console', which only carries console.*
 * calls). The pref devtools.console.stdout.content does not help: it copies
 * console.* calls to stdout, not these network errors.
 */
const BIDI_MESSAGE_SUPPORT =
  'Firefox writes its CORS error to the web console ("Cross-Origin Request Blocked: ... (Reason: ...)"); over WebDriver BiDi it arrives as a log entry (a JavaScript error) naming the URL, and is filed by that URL. It is text only: Firefox gives automation no structured CORS reason.';
const JUGGLER_MESSAGE_SUPPORT =
  "Playwright's Firefox build (Juggler protocol): Firefox's console and page errors that name a cell's URL are collected as text; whether Juggler forwards Firefox's CORS console error has not been confirmed by this harness.";

/**
 * After a failed preflight Firefox writes two lines for the same URL: the
 * reason, then a generic "(Reason: CORS request did not succeed)". The
 * generic one alone is also what a dropped connection gives, so it is not
 * waited for.
 */
const GENERIC_REASON = /\(Reason: CORS request did not succeed\)/;

export const firefoxDriver: EngineDriver = {
  name: 'firefox',
  label: 'Firefox',
  shortVersion: (version) => version.split('.')[0]!,
  // netwerk/protocol/http/nsCORSListenerProxy.cpp: PREFLIGHT_CACHE_SIZE 100, one cache for the whole browser. Measured:
  // a cell that asked again 6 s later got a second preflight (max-age 600) once about 120 other cells had run meanwhile.
  preflightCacheEntries: 100,

  async locate(): Promise<EngineLocation> {
    // Playwright's own Firefox is there after `npx playwright install firefox`.
    return locateExecutable({ what: 'Firefox', envVar: 'CORSLAB_FIREFOX_PATH', bundled: firefox.executablePath(), candidates: SYSTEM_FIREFOX, install: 'install it (apt-get install firefox-esr)' });
  },

  async launch(executable: string, source: string, network?: LabNetwork): Promise<EngineSession> {
    // Playwright's build speaks Playwright's own protocol (Juggler); a stock Firefox (system or
    // CORSLAB_FIREFOX_PATH) is driven over WebDriver BiDi, Firefox's standard automation protocol.
    const bidi = source !== 'playwright';
    const options: LaunchOptions = {
      executablePath: nicedExecutable(executable),
      headless: true,
      firefoxUserPrefs: { ...FIREFOX_PREFS, ...(network ? proxyPrefs(network) : {}) },
      // Firefox needs HOME to be the user's real home (machine notes); a test runner may have changed it.
      env: { ...process.env, HOME: os.userInfo().homedir },
      ...(bidi ? { channel: 'moz-firefox' } : {}),
      // Signals are the harness's (see chromium-driver.ts).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    };
    let browser: Browser;
    try {
      browser = await firefox.launch(options);
    } catch (error) {
      throw protocolMismatch(error, 'launch', versions(await executableVersion(executable))) ?? error;
    }
    try {
      if (bidi) await withoutNetworkEvents(browser);
      const session = new FirefoxSession(browser, executable, source, bidi ? BIDI_MESSAGE_SUPPORT : JUGGLER_MESSAGE_SUPPORT, network);
      // The shared context is made now, not at the first cell, so that a protocol mismatch fails the launch with a plain message.
      await session.ready();
      return session;
    } catch (error) {
      await withDeadline(browser.close(), defaults.closeMs, 'Firefox did not close').catch(() => {});
      throw error;
    }
  },

  remoteProtocols: ['playwright'],

  async serve(executable, { host, port }) {
    // The run's certificates are accepted per context (acceptInsecureCerts), as for a launched Firefox: nothing to add here.
    const server = await firefox.launchServer({ ...firefoxServerOptions(executable), host, ...(port !== undefined ? { port } : {}) });
    return { wsEndpoint: server.wsEndpoint(), close: () => server.close() };
  },

  /**
   * A Firefox behind Playwright's browser server (`corslab browser-server
   * firefox` starts a stock Firefox over BiDi, as launch does). The lab's
   * proxy goes with each context (Playwright's `proxy` of newContext), for
   * http and https (measured with tests/fixtures/named-origins); localhost
   * goes through it only with the hijacking prefs firefoxServerOptions sets.
   */
  async connect(remote, network) {
    const browser = await firefox.connect(remote.endpoint, { timeout: defaults.remoteConnectMs });
    const routing =
      network &&
      `Firefox (remote, ${remote.endpoint}): every host but the lab's own *.localhost names through the lab's mapping proxy (${network.proxy}), given per browser context (Playwright's \`proxy\` of newContext; localhost too when the server was started with the hijacking prefs, as \`corslab browser-server firefox\` does), since the launch options are the browser server's; the run's certificates accepted per context (acceptInsecureCerts).`;
    const session = new FirefoxSession(browser, remote.endpoint, 'remote', BIDI_MESSAGE_SUPPORT, network, routing).connectedTo(remote, network);
    try {
      await session.ready();
      return session;
    } catch (error) {
      await withDeadline(browser.close(), defaults.closeMs, 'Firefox did not close').catch(() => {});
      throw error;
    }
  },
};

/**
 * Playwright subscribes its BiDi session to every `network` event of the
 * browser (https://w3c.github.io/webdriver-bidi/#module-network), which
 * Firefox's Remote Agent builds in its parent process for each request:
 * measured here, a batch of preflighted PUTs took 10 to 14 ms per fetch with
 * the subscription and 3 to 4 ms without (issue 20). The lab reads no
 * Playwright request or response event (the wire is the recorders'; a cell's
 * messages are `log` events, which stay subscribed), so the run takes the
 * subscription back. It reaches Playwright's own BiDi session, which only a
 * browser launched in this process has (playwright-core 1.60.0, pinned); where
 * that is not there, nothing changes but the speed. Nothing of what the
 * browser does, enforces or sends changes.
 */
async function withoutNetworkEvents(browser: Browser): Promise<void> {
  await playwrightServerSide<ServerBrowser>(browser)?._browserSession?.send('session.unsubscribe', { events: ['network'] }).catch(() => {});
}

/** The parts of playwright-core 1.60.0's own (server-side) BiDi objects that the two changes here use. */
interface BidiSession {
  send(method: string, params: object): Promise<unknown>;
}
interface ServerBrowser {
  _browserSession?: BidiSession;
  _bidiPages?: Map<string, { _page: unknown }>;
}
interface ServerContext {
  _browser?: ServerBrowser;
  _browserContextId?: string;
  doCreateNewPage?: () => Promise<unknown>;
}

/** Playwright's server-side object behind a client object, where the browser was launched in this process (its in-process connection); undefined otherwise. */
function playwrightServerSide<T>(object: Browser | BrowserContext): T | undefined {
  const connection = (object as unknown as { _connection?: { toImpl?: (o: unknown) => unknown } })._connection;
  try {
    return connection?.toImpl?.(object) as T | undefined;
  } catch {
    return undefined;
  }
}

/**
 * Playwright opens every BiDi page as a window of its own
 * (`browsingContext.create` with type "window"), and a Firefox window is a
 * whole browser window in the parent process: measured here, a page cost
 * 600 to 730 ms of the parent's CPU as a window and 370 ms as a tab, and an
 * idle page 22 against 6 ms of CPU per second (every window is redrawn in
 * headless Firefox). The context's pages are opened as tabs instead
 * (https://w3c.github.io/webdriver-bidi/#command-browsingContext-create),
 * in the same user context, so nothing of what the page is, sees or may do
 * changes; what a window would differ in (being the focused one) no probe
 * reads, and each tab's timers ran on time in the same measurement. Where
 * Playwright's own objects are not there (a remote browser), pages stay windows.
 */
function pagesAsTabs(context: BrowserContext): void {
  const server = playwrightServerSide<ServerContext>(context);
  const browser = server?._browser;
  if (!server || !browser?._browserSession || !browser._bidiPages || typeof server.doCreateNewPage !== 'function') return;
  const session = browser._browserSession;
  const pages = browser._bidiPages;
  server.doCreateNewPage = async () => {
    const { context: id } = (await session.send('browsingContext.create', { type: 'tab', userContext: server._browserContextId })) as { context: string };
    return pages.get(id)!._page;
  };
}

/** What `corslab browser-server firefox` launches: a stock Firefox over BiDi with the lab's prefs (the proxy comes per context). */
export function firefoxServerOptions(executable: string): LaunchOptions {
  return {
    executablePath: executable,
    headless: true,
    // The proxy itself comes per context (its port is each run's); these two let it take localhost and
    // 127.0.0.1 too, a secure context still, as proxyPrefs does for a Firefox the run launches.
    firefoxUserPrefs: { ...FIREFOX_PREFS, 'network.proxy.allow_hijacking_localhost': true, 'network.proxy.testing_localhost_is_secure_when_hijacked': true },
    env: { ...process.env, HOME: os.userInfo().homedir },
    channel: 'moz-firefox',
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  };
}

/**
 * The lab's mapping proxy for http and https (Firefox's manual proxy
 * settings; Playwright's `proxy` option would set only the http one over
 * BiDi), the lab's own names straight to 127.0.0.1. `localhost` and
 * 127.0.0.1 go through the proxy too (allow_hijacking_localhost), and stay
 * the secure contexts they are in a user's Firefox
 * (testing_localhost_is_secure_when_hijacked: without it, a hijacked
 * http://localhost would lose the rule that makes it potentially trustworthy,
 * https://w3c.github.io/webappsec-secure-contexts/#localhost).
 */
function proxyPrefs(network: LabNetwork): Record<string, string | number | boolean> {
  const [host, port] = splitHostPort(network.proxy);
  return {
    'network.proxy.type': 1,
    'network.proxy.share_proxy_settings': false,
    'network.proxy.http': host,
    'network.proxy.http_port': port,
    'network.proxy.ssl': host,
    'network.proxy.ssl_port': port,
    'network.proxy.no_proxies_on': network.direct.join(', '),
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.testing_localhost_is_secure_when_hijacked': true,
  };
}

function splitHostPort(hostPort: string): [string, number] {
  const colon = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, colon), Number(hostPort.slice(colon + 1))];
}

function firefoxRouting(network: LabNetwork): string {
  return `Firefox: every host but the lab's own *.localhost names through the lab's mapping proxy (${network.proxy}; manual proxy prefs for http and https, localhost included, kept a secure context); the run's certificates accepted per browser context (WebDriver acceptInsecureCerts: Firefox has no way to trust a CA outside its profile's certificate database), which leaves isSecureContext, Secure cookies and mixed-content blocking as they are.`;
}

class FirefoxSession extends PlaywrightSession {
  protected readonly label = 'Firefox';
  readonly name = 'firefox' as const;

  constructor(
    browser: Browser,
    executable: string,
    source: string,
    private readonly messageSupport: string,
    private readonly labNetwork?: LabNetwork,
    routing = labNetwork && firefoxRouting(labNetwork),
  ) {
    super(browser, executable, source, routing);
  }

  async ready(): Promise<void> {
    await this.shared();
  }

  protected override async newContext(): Promise<BrowserContext> {
    try {
      const context = await this.browser.newContext({ ...(this.labNetwork ? { ignoreHTTPSErrors: true } : {}), ...this.remoteContextOptions() });
      if (!this.remote) pagesAsTabs(context);
      return context;
    } catch (error) {
      throw protocolMismatch(error, 'newContext', versions(this.browser.version())) ?? error;
    }
  }

  protected async wrap(page: Page, _context: BrowserContext, ownContext: BrowserContext | undefined): Promise<ProbePage> {
    return new FirefoxPage(page, ownContext, this.messageSupport);
  }
}

class FirefoxPage implements ProbePage {
  private readonly messages = new MessageBook();
  /** Cells already answered: a line that trails the answer is dropped, not kept forever. */
  private readonly answered = new Set<string>();

  /**
   * Probes go to the page in batches, as for WebKitGTK (harness/browsers/probe-pump.ts): one
   * evaluation over BiDi costs Firefox's parent process about 4 ms of CPU (measured: 200 evaluations
   * of `1`, 840 ms), more than a fetch, so the probes that arrive while one is in flight share the next.
   */
  private readonly pump: ProbePump;

  constructor(
    private readonly page: Page,
    private readonly ownContext: BrowserContext | undefined,
    readonly messageSupport: string,
  ) {
    this.pump = new ProbePump(evaluateAsync(page), 10);
    page.on('pageerror', (error) => this.file(error.name ? `${error.name}: ${error.message}` : error.message));
    page.on('console', (message) => this.file(message.text(), message.location().url));
  }

  private file(text: string, url?: string): void {
    const token = this.messages.tokenIn(text) ?? this.messages.tokenIn(url);
    if (token && !this.answered.has(token)) this.messages.add(token, { source: 'console', text });
  }

  async run(probe: PageProbe): Promise<PageOutcome> {
    const js = await this.pump.run(probe.code, probe.timeoutMs);
    if (js.kind === 'error') {
      // The log entry travels separately from the evaluation's answer and may come a little after it.
      await this.messages.waitFor(probe.token, (m: EngineMessage) => !GENERIC_REASON.test(m.text), defaults.messageSettleMs);
    }
    this.answered.add(probe.token);
    return { js, messages: this.messages.take(probe.token) };
  }

  async close(): Promise<void> {
    this.pump.close('the page is closed');
    await this.page.close();
    await this.ownContext?.close();
  }
}

/** The playwright-core that is loaded, and the one this project's package.json pins. */
function versions(firefoxVersion: string): Versions {
  const installed = packageVersion('playwright-core');
  let pinned = 'unknown';
  try {
    const manifest = JSON.parse(readFileSync(`${projectRoot}package.json`, 'utf8')) as { dependencies?: Record<string, string> };
    pinned = manifest.dependencies?.['playwright-core'] ?? pinned;
  } catch {
    // No package.json of CORS Lab's to read.
  }
  return { firefox: firefoxVersion, playwrightCore: installed, pinned };
}

/** "Mozilla Firefox 153.7.0esr" -> "153.7.0esr"; only needed when launch failed before Playwright could say. */
function executableVersion(executable: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(executable, ['--version'], { timeout: 10_000, env: { ...process.env, HOME: os.userInfo().homedir } }, (error, stdout) => {
      resolve(error ? 'unknown' : (/(\d+(?:\.\d+)*\S*)\s*$/.exec(stdout.trim())?.[1] ?? 'unknown'));
    });
  });
}
