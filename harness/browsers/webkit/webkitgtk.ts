import net from 'node:net';
import { cookieSetupUrl } from '../../../servers/page/cookies.ts';
import type { Client } from 'webdriver';
import { defaults } from '../../config/defaults.ts';
import { spawnOwned, type OwnedChild } from '../../system/children.ts';
import { lowerPriority } from '../../system/priority.ts';
import { descendantsOf, isRunning, type ProcessInfo } from '../../system/procs.ts';
import { acquireDisplay, type XDisplay } from './xvfb.ts';
import { ProbePump } from '../probe-pump.ts';
import type { EngineSession, LabNetwork, OpenPageOptions, RemoteBrowser, PageOutcome, PageProbe, ProbeContext, ProbePage } from '../driver.ts';

export const WEBKIT_WEBDRIVER = '/usr/bin/WebKitWebDriver';

const MESSAGE_SUPPORT =
  'WebKitGTK is driven over classic W3C WebDriver, which has no console or network log: this engine gives no CORS message to automation. ' +
  'The page sees only the TypeError ("Load failed"); the wire is the evidence.';

/**
 * A pump command answers within about 100 ms (see ProbePump: probes that take
 * longer stay in the page and are collected by later commands), so the script
 * timeout never has to cover a whole probe. It is still set above the default
 * probe timeout, with room for a loaded machine, so that a script is never cut
 * off while the page could still answer; WebDriver's default is 30 s.
 */
const SCRIPT_TIMEOUT_MS = defaults.probeTimeoutMs + 20_000;
const PAGE_LOAD_TIMEOUT_MS = 30_000;
const DRIVER_READY_MS = 10_000;

/** WebKitGTK's MiniBrowser under WebKitWebDriver, on an X display (its own Xvfb unless DISPLAY is set). */
export async function launchWebKitGtk(miniBrowser: string, source: string, network?: LabNetwork): Promise<EngineSession> {
  const display = await acquireDisplay();
  try {
    const browser = () => WebDriverBrowser.start(miniBrowser, display.name, network);
    return new WebKitGtkSession(await browser(), browser, display, miniBrowser, source, network);
  } catch (error) {
    await display.stop();
    throw error;
  }
}

/**
 * A WebKitWebDriver started elsewhere (`--webdriver webkit=http://127.0.0.1:4444`),
 * reached by URL: the same sessions and capabilities as a driver of the run's
 * own (MiniBrowser, its --proxy to the lab's mapping proxy and
 * --ignore-tls-errors go in the session's capabilities, so the lab's network
 * comes with every session); only the endpoint changes. Its display is the
 * driver's. A cookie-isolated cell needs a browser of its own, which is a
 * second session: WebKitWebDriver gives one per process, so such cells are
 * errors that say so unless the endpoint gives several (Selenium Grid).
 */
export async function connectWebKitGtk(remote: RemoteBrowser, miniBrowser: string, network?: LabNetwork): Promise<EngineSession> {
  const browser = () => WebDriverBrowser.attach(remote.endpoint, miniBrowser, network);
  const noDisplay: XDisplay = { name: '', owned: false, stop: async () => {} };
  const session = new WebKitGtkSession(await browser(), browser, noDisplay, remote.endpoint, 'remote', network);
  session.remote = remote;
  return session;
}

class WebKitGtkSession implements EngineSession {
  readonly name = 'webkit' as const;
  readonly version: string;
  private readonly freshBrowsers = new Set<WebDriverBrowser>();
  private sharedWindows = 0;
  private closing: Promise<void> | undefined;

  remote?: RemoteBrowser;

  constructor(
    private readonly main: WebDriverBrowser,
    /** Another browser with a jar of its own: a new driver and MiniBrowser (or, remote, a new session). */
    private readonly newBrowser: () => Promise<WebDriverBrowser>,
    private readonly display: XDisplay,
    readonly executable: string,
    readonly source: string,
    labNetwork?: LabNetwork,
  ) {
    this.version = main.version;
    this.network = labNetwork && `WebKitGTK: every host but the lab's own *.localhost names through the lab's mapping proxy (${labNetwork.proxy}; MiniBrowser's --proxy and --ignore-host, since the WebDriver proxy capability speaks TLS to an https proxy); the run's certificates accepted by MiniBrowser's --ignore-tls-errors, which leaves isSecureContext, Secure cookies and mixed-content blocking as they are.`;
  }

  readonly network: string | undefined;

  async openPage(origin: string, options: OpenPageOptions): Promise<ProbePage> {
    if (this.closing) throw new Error('the WebKit session is closed');
    if (options.freshContext) {
      // WebKitWebDriver allows one session, and a session has one cookie jar, so a fresh
      // context is a browser of its own: a new WebKitWebDriver and MiniBrowser (about
      // 0.45 s with the first probe, measured here). MiniBrowser --automation keeps website
      // data in memory, so it starts with no cookies, cache or storage and shares none
      // with other pages.
      const browser = await this.newBrowser();
      this.freshBrowsers.add(browser);
      try {
        if (this.closing) throw new Error('the WebKit session is closed');
        const page = await WebDriverPage.open(browser, await browser.firstWindow(), origin, options.visitFirst, async () => {
          this.freshBrowsers.delete(browser);
          await browser.stop();
        });
        return page;
      } catch (error) {
        this.freshBrowsers.delete(browser);
        await browser.stop();
        throw error;
      }
    }
    // Shared pages are windows of one browser: one cookie jar, as in Playwright's shared context.
    const handle = this.sharedWindows++ === 0 ? await this.main.firstWindow() : await this.main.newWindow();
    try {
      return await WebDriverPage.open(this.main, handle, origin, options.visitFirst, () => this.main.closeWindow(handle));
    } catch (error) {
      await this.main.closeWindow(handle).catch(() => {});
      throw error;
    }
  }

  async openContext(options: { visitFirst?: string }): Promise<ProbeContext> {
    if (this.closing) throw new Error('the WebKit session is closed');
    // As for a fresh page: a browser of its own is the only jar of its own WebKitWebDriver offers.
    const browser = await this.newBrowser();
    this.freshBrowsers.add(browser);
    const stop = async () => {
      this.freshBrowsers.delete(browser);
      await browser.stop();
    };
    try {
      let spare: string | undefined = await browser.firstWindow();
      // Where the visits set cookies: host cookies of these origins (servers/page/cookies.ts) are all the jar can hold
      // while no response of a cell set one (after one, the schedule closes the context instead of reusing it).
      const cookieOrigins = new Set<string>();
      let visitor: string | undefined;
      if (options.visitFirst) {
        await browser.navigate(spare, options.visitFirst);
        cookieOrigins.add(new URL(options.visitFirst).origin);
      }
      return {
        openPage: async (origin: string) => {
          if (this.closing) throw new Error('the WebKit session is closed');
          const handle = spare ?? (await browser.newWindow());
          spare = undefined;
          return WebDriverPage.open(browser, handle, origin, undefined, () => browser.closeWindow(handle));
        },
        // WebDriver's cookie commands see the current document's cookies only
        // (https://w3c.github.io/webdriver/#delete-all-cookies), so each origin a visit set cookies on is
        // visited, emptied and proven empty there; then the new scenario's visit.
        reuse: async ({ visitFirst }) => {
          try {
            visitor ??= spare ?? (await browser.newWindow());
            if (visitor === spare) spare = undefined;
            for (const origin of cookieOrigins) {
              await browser.navigate(visitor, cookieSetupUrl(origin, []));
              if (!(await browser.emptyJar(visitor))) return false;
            }
            cookieOrigins.clear();
            if (visitFirst) {
              await browser.navigate(visitor, visitFirst);
              cookieOrigins.add(new URL(visitFirst).origin);
            }
            return true;
          } catch {
            return false;
          }
        },
        close: stop,
      };
    } catch (error) {
      await stop();
      throw error;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.freshBrowsers].map((b) => b.stop()));
      await this.main.stop();
      await this.display.stop();
    })();
    return this.closing;
  }
}

class WebDriverPage implements ProbePage {
  readonly messageSupport = MESSAGE_SUPPORT;
  private readonly pump: ProbePump;

  private constructor(
    private readonly browser: WebDriverBrowser,
    handle: string,
    private readonly onClose: () => Promise<void>,
  ) {
    this.pump = new ProbePump((script, args) => browser.executeAsync(handle, script, args));
  }

  lost(): string | undefined {
    return this.browser.died();
  }

  static async open(browser: WebDriverBrowser, handle: string, origin: string, visitFirst: string | undefined, onClose: () => Promise<void>): Promise<WebDriverPage> {
    if (visitFirst) await browser.navigate(handle, visitFirst);
    await browser.navigate(handle, `${origin}/`);
    return new WebDriverPage(browser, handle, onClose);
  }

  async run(probe: PageProbe): Promise<PageOutcome> {
    return { js: await this.pump.run(probe.code, probe.timeoutMs), messages: [] };
  }

  async close(): Promise<void> {
    this.pump.close('the page is closed');
    await withTimeout(this.onClose(), defaults.closeMs).catch(() => {});
  }
}

/**
 * One WebKitWebDriver process with one session (it allows no more) and so one
 * MiniBrowser. Commands go through a queue: WebDriver runs one at a time, and
 * a command for another window must first switch to it.
 */
class WebDriverBrowser {
  private queue: Promise<unknown> = Promise.resolve();
  private currentWindow: string | undefined;
  private openWindows = new Set<string>();
  private stopping: Promise<void> | undefined;
  /** The MiniBrowser the driver started, once the session is there: watched, so that its death is said by name. */
  private readonly miniBrowser: ProcessInfo | undefined;

  private constructor(
    /** The run's own WebKitWebDriver; undefined for one started elsewhere (its processes are not the run's to watch or stop). */
    private readonly driver: OwnedChild | undefined,
    private readonly client: Client,
    readonly version: string,
  ) {
    this.miniBrowser = driver ? descendantsOf(driver.process.pid!).find((p) => p.comm === 'MiniBrowser') : undefined;
    this.driverExited = new Promise((resolve) => {
      if (!driver) return;
      if (driver.process.exitCode !== null || driver.process.signalCode !== null) resolve();
      driver.process.once('exit', () => resolve());
    });
  }

  private readonly driverExited: Promise<void>;

  /** What died, if the driver or its MiniBrowser went away without being asked to; undefined while both run. */
  died(): string | undefined {
    if (this.stopping || !this.driver) return undefined;
    const { exitCode, signalCode, pid } = this.driver.process;
    if (exitCode !== null || signalCode !== null) return `WebKitWebDriver (pid ${pid}) exited during the run (${signalCode ?? `exit code ${exitCode}`})`;
    const mini = this.miniBrowser;
    if (mini && !isRunning(mini.pid, mini.start)) return `WebKit's MiniBrowser (pid ${mini.pid}) exited during the run (its process was killed or crashed)`;
    return undefined;
  }

  static async start(miniBrowser: string, display: string, network?: LabNetwork): Promise<WebDriverBrowser> {
    const { driver, port } = await startDriver(display);
    try {
      return await WebDriverBrowser.session(driver, { hostname: defaults.bindAddress, port, protocol: 'http', path: '/' }, miniBrowser, network);
    } catch (error) {
      await driver.stop();
      throw new Error(`WebKitWebDriver could not start MiniBrowser: ${firstLine(error)}${stderrHint(driver)}`);
    }
  }

  /** A session on a WebDriver endpoint started elsewhere. */
  static async attach(endpoint: string, miniBrowser: string, network?: LabNetwork): Promise<WebDriverBrowser> {
    const url = new URL(endpoint);
    try {
      return await WebDriverBrowser.session(
        undefined,
        { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), protocol: url.protocol.slice(0, -1), path: url.pathname || '/' },
        miniBrowser,
        network,
      );
    } catch (error) {
      throw new Error(`the WebDriver endpoint ${endpoint} gave no session: ${firstLine(error)} (WebKitWebDriver gives one session per process, so a second browser, for cookie-isolated cells, needs an endpoint that gives several, such as Selenium Grid)`);
    }
  }

  private static async session(driver: OwnedChild | undefined, where: { hostname: string; port: number; protocol: string; path: string }, miniBrowser: string, network?: LabNetwork): Promise<WebDriverBrowser> {
    {
      const { default: WebDriver } = await loadWebDriver();
      const client = await WebDriver.newSession({
        ...where,
        logLevel: 'silent',
        // Never re-send a command: a re-sent script would run its probes twice.
        connectionRetryCount: 0,
        connectionRetryTimeout: SCRIPT_TIMEOUT_MS + 10_000,
        capabilities: sessionCapabilities(miniBrowser, network),
      });
      await client.setTimeouts(0, PAGE_LOAD_TIMEOUT_MS, SCRIPT_TIMEOUT_MS);
      const version = String(client.capabilities.browserVersion ?? '');
      const browser = new WebDriverBrowser(driver, client, version);
      const first = await client.getWindowHandle();
      browser.currentWindow = first;
      browser.openWindows.add(first);
      return browser;
    }
  }

  firstWindow(): Promise<string> {
    return Promise.resolve([...this.openWindows][0]!);
  }

  newWindow(): Promise<string> {
    return this.serial(async () => {
      // WebDriver opens a window from the current one: after that one was closed, "no such window" (https://w3c.github.io/webdriver/#new-window).
      const current = this.currentWindow;
      if (current === undefined || !this.openWindows.has(current)) await this.switchTo([...this.openWindows][0]!);
      // A window, not a tab: a background tab may have its timers throttled.
      const { handle } = await this.client.createWindow('window');
      this.openWindows.add(handle);
      return handle;
    });
  }

  /** Loads `url` in the window; WebKit shows its own error page when a load fails, so the page's origin is checked. */
  navigate(handle: string, url: string): Promise<void> {
    return this.serial(async () => {
      await this.switchTo(handle);
      await this.client.navigateTo(url);
      const origin = await this.client.executeScript('return location.origin', []);
      if (origin !== new URL(url).origin) throw new Error(`WebKit could not load ${url} (the window shows ${String(origin)})`);
    });
  }

  executeAsync(handle: string, script: string, args: unknown[]): Promise<unknown> {
    return this.serial(async () => {
      await this.switchTo(handle);
      return this.client.executeAsyncScript(script, args as object[]);
    });
  }

  /** Deletes the cookies the window's document sees, then whether none is left there. */
  emptyJar(handle: string): Promise<boolean> {
    return this.serial(async () => {
      await this.switchTo(handle);
      await this.client.deleteAllCookies();
      return (await this.client.getAllCookies()).length === 0;
    });
  }

  /** Closes a window, except the last one: closing that would end the session, which stop() does. */
  closeWindow(handle: string): Promise<void> {
    return this.serial(async () => {
      if (this.stopping || !this.openWindows.has(handle) || this.openWindows.size === 1) return;
      await this.switchTo(handle);
      await this.client.closeWindow();
      this.openWindows.delete(handle);
      this.currentWindow = undefined;
    });
  }

  /** Ends the session (MiniBrowser closes), then stops the driver and anything left in its process group. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await withTimeout(this.client.deleteSession(), 5_000).catch(() => {});
      await this.driver?.stop();
    })();
    return this.stopping;
  }

  private async switchTo(handle: string): Promise<void> {
    if (this.currentWindow === handle) return;
    await this.client.switchToWindow(handle);
    this.currentWindow = handle;
  }

  private serial<T>(command: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.stopping) throw new Error('the WebKit browser is closed');
      const dead = this.died();
      if (dead) throw new Error(dead);
      try {
        return await command();
      } catch (error) {
        // "ECONNREFUSED" or "invalid session id" says neither what died nor that something did; the
        // socket can break a moment before Node hears of the driver's exit, so give that a moment.
        if (!this.died()) await Promise.race([this.driverExited, new Promise((resolve) => setTimeout(resolve, 500))]);
        const dead = this.died();
        throw dead ? new Error(dead) : error;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

let webdriverModule: Promise<typeof import('webdriver')> | undefined;

/**
 * The webdriver package's loggers print at "info" to the terminal unless
 * WDIO_LOG_LEVEL says otherwise, and read it once, when the package is
 * imported; so it is imported late, after a quiet default is set.
 */
function loadWebDriver(): Promise<typeof import('webdriver')> {
  process.env.WDIO_LOG_LEVEL ??= 'silent';
  webdriverModule ??= import('webdriver');
  return webdriverModule;
}

type Capabilities = Parameters<(typeof import('webdriver'))['default']['newSession']>[0]['capabilities'];

function sessionCapabilities(miniBrowser: string, network: LabNetwork | undefined): Capabilities {
  // webkitgtk:browserOptions is WebKitGTK's own capability, unknown to the webdriver package's types.
  const capabilities: Record<string, unknown> = {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: miniBrowser, args: ['--automation', ...(network ? miniBrowserNetworkArgs(network) : [])] },
    // The webdriver package asks for a BiDi session unless told not to; WebKitGTK's driver refuses that request.
    'wdio:enforceWebDriverClassic': true,
    ...(network ? { acceptInsecureCerts: true } : {}),
  };
  return capabilities as Capabilities;
}

/**
 * MiniBrowser's own proxy and TLS options. The W3C WebDriver `proxy`
 * capability does not do here: WebKitGTK's driver makes its `sslProxy` an
 * https:// proxy, so it speaks TLS to the lab's HTTP proxy instead of
 * sending CONNECT (measured: the proxy got a TLS handshake, not a request).
 * And its acceptInsecureCerts did not reach MiniBrowser's automation session
 * (the lab's https pages did not load with it alone), so MiniBrowser is told
 * to ignore TLS errors, which leaves an https page an https page: a secure
 * context whose Secure cookies are kept and whose mixed content is blocked.
 */
function miniBrowserNetworkArgs(network: LabNetwork): string[] {
  return [`--proxy=http://${network.proxy}`, ...network.direct.map((host) => `--ignore-host=${host}`), '--ignore-tls-errors'];
}

/** Starts WebKitWebDriver on a free loopback port and waits until it answers /status. */
async function startDriver(display: string): Promise<{ driver: OwnedChild; port: number }> {
  let lastError = '';
  // A free port can be taken between asking and binding; try again with another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const driver = spawnOwned(WEBKIT_WEBDRIVER, [`--host=${defaults.bindAddress}`, `--port=${port}`], {
      env: { ...process.env, DISPLAY: display },
    });
    driver.unref();
    // Before it starts any MiniBrowser, which inherits it (harness/system/priority.ts).
    lowerPriority(driver.process.pid);
    const deadline = Date.now() + DRIVER_READY_MS;
    while (Date.now() < deadline && driver.process.exitCode === null && driver.process.signalCode === null) {
      try {
        const response = await fetch(`http://${defaults.bindAddress}:${port}/status`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return { driver, port };
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    lastError = driver.process.exitCode === null ? `it did not answer on port ${port} within ${DRIVER_READY_MS} ms` : `it exited${stderrHint(driver)}`;
    await driver.stop();
  }
  throw new Error(`${WEBKIT_WEBDRIVER} did not start: ${lastError}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, defaults.bindAddress, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function stderrHint(child: OwnedChild): string {
  const last = child.stderr().trim().split('\n').at(-1);
  return last ? ` (${last})` : '';
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
