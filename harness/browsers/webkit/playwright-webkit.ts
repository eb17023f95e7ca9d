import { webkit, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { nicedExecutable } from '../../system/priority.ts';
import { defaults } from '../../config/defaults.ts';
import { probeRunnerCall } from '../page-runtime.ts';
import { MessageBook } from '../message-book.ts';
import { PlaywrightSession } from '../playwright-session.ts';
import type { EngineSession, LabNetwork, PageOutcome, PageProbe, ProbePage, RemoteBrowser } from '../driver.ts';
import type { JsOutcome } from '../../results/types.ts';

/**
 * WebKit logs a refused CORS request to the Web Inspector console ("Origin ...
 * is not allowed by Access-Control-Allow-Origin. Status code: ..."), naming the
 * URL. Playwright's WebKit build speaks that protocol, so its console events
 * carry the message. (Not exercised on machines without Playwright's WebKit:
 * there the system WebKitGTK over WebDriver is used instead.)
 */
const MESSAGE_SUPPORT = "Playwright's WebKit: WebKit's console messages that name a cell's URL (Web Inspector protocol), as text; no structured reason.";

/** Playwright's own WebKit build (after `npx playwright install webkit`). */
export async function launchPlaywrightWebKit(executable: string, source: string, network?: LabNetwork): Promise<EngineSession> {
  // Signals are the harness's (harness/cli/main.ts stops everything through Cleanup): Playwright's own SIGINT handler would exit as soon as its browsers closed, before the run's containers were removed.
  const browser = await webkit.launch({
    executablePath: nicedExecutable(executable),
    headless: true,
    ...(network ? { proxy: { server: `http://${network.proxy}`, bypass: network.direct.join(',') } } : {}),
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const routing = network && `Playwright's WebKit: every host but the lab's own *.localhost names through the lab's mapping proxy (${network.proxy}; Playwright's \`proxy\` launch option); the run's certificates accepted per context (ignoreHTTPSErrors).`;
  return new PlaywrightWebKitSession(browser, executable, source, routing, network !== undefined);
}

/** Playwright's own WebKit behind its browser server (`--connect webkit=ws://…`): the lab's proxy goes with each context. */
export async function connectPlaywrightWebKit(remote: RemoteBrowser, network?: LabNetwork): Promise<EngineSession> {
  const browser = await webkit.connect(remote.endpoint, { timeout: defaults.remoteConnectMs });
  const routing = network && `Playwright's WebKit (remote, ${remote.endpoint}): every host but the lab's own *.localhost names through the lab's mapping proxy (${network.proxy}), given per browser context (Playwright's \`proxy\` of newContext); the run's certificates accepted per context (ignoreHTTPSErrors).`;
  return new PlaywrightWebKitSession(browser, remote.endpoint, 'remote', routing, network !== undefined).connectedTo(remote, network);
}

class PlaywrightWebKitSession extends PlaywrightSession {
  protected readonly label = 'WebKit';
  readonly name = 'webkit' as const;

  constructor(browser: Browser, executable: string, source: string, network: string | undefined, private readonly acceptLabCertificates: boolean) {
    super(browser, executable, source, network);
  }

  protected override newContext(): Promise<BrowserContext> {
    return this.browser.newContext({ ...(this.acceptLabCertificates ? { ignoreHTTPSErrors: true } : {}), ...this.remoteContextOptions() });
  }

  protected async wrap(page: Page, _context: BrowserContext, ownContext: BrowserContext | undefined): Promise<ProbePage> {
    return new PlaywrightWebKitPage(page, ownContext);
  }
}

class PlaywrightWebKitPage implements ProbePage {
  readonly messageSupport = MESSAGE_SUPPORT;
  private readonly messages = new MessageBook();

  constructor(
    private readonly page: Page,
    private readonly ownContext: BrowserContext | undefined,
  ) {
    page.on('console', (message) => this.file(message.text(), message.location().url));
    page.on('pageerror', (error) => this.file(error.name ? `${error.name}: ${error.message}` : error.message));
  }

  private file(text: string, url?: string): void {
    const token = this.messages.tokenIn(text) ?? this.messages.tokenIn(url);
    if (token) this.messages.add(token, { source: 'console', text });
  }

  async run(probe: PageProbe): Promise<PageOutcome> {
    const js = (await this.page.evaluate(probeRunnerCall(probe.code, probe.timeoutMs))) as JsOutcome;
    if (js.kind === 'error') await this.messages.waitFor(probe.token, () => true, defaults.messageSettleMs);
    return { js, messages: this.messages.take(probe.token) };
  }

  async close(): Promise<void> {
    await this.page.close();
    await this.ownContext?.close();
  }
}
