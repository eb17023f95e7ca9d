import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { defaults } from '../../config/defaults.ts';
import { probeRunnerCall } from '../page-runtime.ts';
import { MessageBook } from '../message-book.ts';
import { PlaywrightSession } from '../playwright-session.ts';
import { locateExecutable } from '../../system/locate.ts';
import type { EngineDriver, EngineLocation, EngineSession, PageOutcome, PageProbe, ProbePage } from '../driver.ts';
import type { JsOutcome } from '../../results/types.ts';

/** Debian's package; other distributions name it differently. */
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * Flags that keep Chromium off the (closed) network and quiet. None of them
 * touches web security: CORS stays enforced exactly as in a user's browser.
 */
export const CHROMIUM_LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const MESSAGE_SUPPORT = 'Chromium gives its CORS error as a console message and a structured reason through DevTools (Network.loadingFailed corsErrorStatus).';

export const chromiumDriver: EngineDriver = {
  name: 'chromium',
  label: 'Chromium',
  shortVersion: (version) => version.split('.')[0]!,

  async locate(): Promise<EngineLocation> {
    // Playwright's own Chromium is there after `npx playwright install chromium`.
    return locateExecutable({ what: 'Chromium', envVar: 'CORSLAB_CHROMIUM_PATH', bundled: chromium.executablePath(), candidates: SYSTEM_CHROMIUM, install: 'install it with scripts/setup.mjs' });
  },

  async launch(executable: string, source: string): Promise<EngineSession> {
    // Signals are the harness's (harness/cli/main.ts stops everything through Cleanup): Playwright's own SIGINT handler would exit as soon as its browsers closed, before the run's containers were removed.
    const browser = await chromium.launch({ executablePath: executable, args: CHROMIUM_LAUNCH_ARGS, headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    return new ChromiumSession(browser, executable, source);
  },
};

class ChromiumSession extends PlaywrightSession {
  readonly name = 'chromium' as const;

  protected async wrap(page: Page, context: BrowserContext, ownContext: BrowserContext | undefined): Promise<ProbePage> {
    const probePage = new ChromiumPage(page, await context.newCDPSession(page), ownContext);
    await probePage.listen();
    return probePage;
  }
}

class ChromiumPage implements ProbePage {
  readonly messageSupport = MESSAGE_SUPPORT;
  private readonly messages = new MessageBook();
  private readonly requestTokens = new Map<string, string>();

  constructor(
    private readonly page: Page,
    private readonly cdp: CDPSession,
    private readonly ownContext: BrowserContext | undefined,
  ) {}

  async listen(): Promise<void> {
    this.page.on('console', (message) => {
      const text = message.text();
      const token = this.messages.tokenIn(text) ?? this.messages.tokenIn(message.location().url);
      if (token) this.messages.add(token, { source: 'console', text });
    });
    this.cdp.on('Network.requestWillBeSent', (event) => {
      const token = this.messages.tokenIn(event.request.url);
      if (token) this.requestTokens.set(event.requestId, token);
    });
    this.cdp.on('Network.loadingFailed', (event) => {
      const token = this.requestTokens.get(event.requestId);
      if (!token) return;
      const status = event.corsErrorStatus;
      this.messages.add(token, {
        source: 'devtools',
        text: status ? `${event.errorText} (${status.corsError}${status.failedParameter ? `: ${status.failedParameter}` : ''})` : event.errorText,
        ...(status ? { corsError: status.corsError, failedParameter: status.failedParameter } : {}),
      });
    });
    await this.cdp.send('Network.enable');
  }

  async run(probe: PageProbe): Promise<PageOutcome> {
    const js = (await this.page.evaluate(probeRunnerCall(probe.code, probe.timeoutMs))) as JsOutcome;
    if (js.kind === 'error') {
      // The console message and the DevTools event may trail the rejection by a few ms.
      await this.messages.waitFor(probe.token, (m) => m.source === 'devtools' && m.corsError !== undefined, defaults.messageSettleMs);
    }
    return { js, messages: this.messages.take(probe.token) };
  }

  async close(): Promise<void> {
    await this.cdp.detach().catch(() => {});
    await this.page.close();
    await this.ownContext?.close();
  }
}
