import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { nicedExecutable } from '../../system/priority.ts';
import { defaults } from '../../config/defaults.ts';
import { withDeadline } from '../../core/deadline.ts';
import { probeRunnerCall } from '../page-runtime.ts';
import { MessageBook } from '../message-book.ts';
import { PlaywrightSession } from '../playwright-session.ts';
import { locateExecutable } from '../../system/locate.ts';
import type { EngineDriver, EngineLocation, EngineSession, LabNetwork, PageOutcome, PageProbe, ProbePage } from '../driver.ts';
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

/** The parts of DevTools' Network events the page reads (the same from the page's session and from a frame's). */
interface RequestWillBeSent {
  requestId: string;
  request: { url: string };
}
interface LoadingFailed {
  requestId: string;
  errorText: string;
  corsErrorStatus?: { corsError: string; failedParameter: string };
}

const MESSAGE_SUPPORT = 'Chromium gives its CORS error as a console message and a structured reason through DevTools (Network.loadingFailed corsErrorStatus).';

export const chromiumDriver: EngineDriver = {
  name: 'chromium',
  label: 'Chromium',
  shortVersion: (version) => version.split('.')[0]!,
  // services/network/public/cpp/cors/preflight_cache.cc: kMaxCacheEntries = 1024 (per network context).
  preflightCacheEntries: 1024,

  async locate(): Promise<EngineLocation> {
    // Playwright's own Chromium is there after `npx playwright install chromium`.
    return locateExecutable({ what: 'Chromium', envVar: 'CORSLAB_CHROMIUM_PATH', bundled: chromium.executablePath(), candidates: SYSTEM_CHROMIUM, install: 'install it with scripts/setup.mjs' });
  },

  async launch(executable: string, source: string, network?: LabNetwork): Promise<EngineSession> {
    // Signals are the harness's (harness/cli/main.ts stops everything through Cleanup): Playwright's own SIGINT handler would exit as soon as its browsers closed, before the run's containers were removed.
    const browser = await chromium.launch({
      executablePath: nicedExecutable(executable),
      args: [...CHROMIUM_LAUNCH_ARGS, ...(network ? chromiumTrustArgs(network) : [])],
      ...(network ? { proxy: { server: `http://${network.proxy}`, bypass: chromiumBypass(network) } } : {}),
      headless: true,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    return new ChromiumSession(browser, executable, source, network && chromiumRouting(network));
  },

  remoteProtocols: ['playwright'],

  async serve(executable, { host, port, spkiHashes }) {
    const server = await chromium.launchServer({
      executablePath: executable,
      args: [...CHROMIUM_LAUNCH_ARGS, ...chromiumTrustArgs({ spkiHashes })],
      headless: true,
      host,
      ...(port !== undefined ? { port } : {}),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    return { wsEndpoint: server.wsEndpoint(), close: () => server.close() };
  },

  async connect(remote, network) {
    const browser = await chromium.connect(remote.endpoint, { timeout: defaults.remoteConnectMs });
    const routing =
      network &&
      `Chromium (remote, ${remote.endpoint}): every host but the lab's own *.localhost names through the lab's mapping proxy (${network.proxy}), given per browser context (Playwright's \`proxy\` of newContext, <-loopback> first), since the launch options are the browser server's; the run's CA trusted by its key hash only if the server was started with it (\`corslab browser-server chromium\` does: --ignore-certificate-errors-spki-list).`;
    return new ChromiumSession(browser, remote.endpoint, 'remote', routing).connectedTo(remote, network);
  },
};

/**
 * Trust for the run's certificates that keeps https what it is: with the
 * CA's and the host key's SPKI hashes on this list, Chromium accepts the
 * lab's certificates as valid (the flag web-platform-tests uses), so the page
 * is a secure context, Secure cookies are kept and mixed content is still
 * blocked. Nothing is installed in a system store, and no other certificate
 * error is ignored. (It needs a --user-data-dir, which Playwright always gives.)
 */
export function chromiumTrustArgs(network: Pick<LabNetwork, 'spkiHashes'>): string[] {
  return [`--ignore-certificate-errors-spki-list=${network.spkiHashes.join(',')}`];
}

/**
 * The lab's names go direct; everything else, loopback names included
 * (`localhost:5173` may be a declared origin), through the proxy. Chromium
 * bypasses loopback by itself unless `<-loopback>` says not to, and it reads
 * the rules in order with the last match winning, so `<-loopback>` comes
 * first and the lab's own names after it.
 */
function chromiumBypass(network: LabNetwork): string {
  return ['<-loopback>', ...network.direct].join(',');
}

function chromiumRouting(network: LabNetwork): string {
  return `Chromium: every host but the lab's own *.localhost names through the lab's mapping proxy (${network.proxy}; Playwright's \`proxy\` launch option, loopback not bypassed: <-loopback>); the run's CA trusted by its key hash (--ignore-certificate-errors-spki-list), certificate checking otherwise on.`;
}

class ChromiumSession extends PlaywrightSession {
  protected readonly label = 'Chromium';
  readonly name = 'chromium' as const;

  protected override remoteBypass(network: LabNetwork): string {
    return chromiumBypass(network);
  }

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
    this.cdp.on('Network.requestWillBeSent', (event) => this.requestWillBeSent('page', event));
    this.cdp.on('Network.loadingFailed', (event) => this.loadingFailed('page', event));
    // A sandboxed frame (a `from: sandboxed` probe) is out of process: Chromium isolates sandboxed
    // iframes, so the frame is a DevTools target of its own and its requests' Network events never
    // reach the page's session (the console messages do: Playwright attaches to the frame for them).
    // Attach to every such target, non-flattened so that its events come back through this session
    // (Target.receivedMessageFromTarget), and listen to its network too.
    this.cdp.on('Target.attachedToTarget', (event) => void this.attachFrame(event.sessionId, event.targetInfo.type, event.waitingForDebugger));
    this.cdp.on('Target.receivedMessageFromTarget', (event) => this.fromFrame(event.sessionId, event.message));
    await this.cdp.send('Network.enable');
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
    // The target is not held for this session (Playwright's own session holds it, and lets it go at
    // once), so the frame could make its request before Network.enable reaches it. A sandboxed probe
    // therefore waits for the go-ahead of corslabFrameReady (harness/probes/fetch-probe.ts), which
    // answers once every frame attached so far is listened to. The frame asks only after it is
    // running in its own process, so its Target.attachedToTarget came first on the connection.
    await this.page.exposeBinding('corslabFrameReady', () => this.framesListenedTo());
  }

  /** Frames being attached to: each settles once Network.enable has reached the frame (or the frame is gone). */
  private readonly attaching = new Set<Promise<void>>();

  private async framesListenedTo(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    // Never hold a probe for long: at worst the structured reason is missing, and the console still has the message.
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, defaults.messageSettleMs)));
    await Promise.race([Promise.all([...this.attaching]), bound]);
    clearTimeout(timer);
  }

  private async attachFrame(sessionId: string, type: string, waiting: boolean): Promise<void> {
    let id = 0;
    const send = (method: string, params: object = {}) => this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: ++id, method, params }) });
    const listening = (async () => {
      if (type === 'iframe') await send('Network.enable');
      if (waiting) await send('Runtime.runIfWaitingForDebugger');
    })().catch(() => {
      // The frame went away before it could be listened to: nothing of it to attribute.
    });
    this.attaching.add(listening);
    await listening;
    this.attaching.delete(listening);
  }

  private fromFrame(sessionId: string, message: string): void {
    let parsed: { method?: string; params?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.method === 'Network.requestWillBeSent') this.requestWillBeSent(sessionId, parsed.params as RequestWillBeSent);
    else if (parsed.method === 'Network.loadingFailed') this.loadingFailed(sessionId, parsed.params as LoadingFailed);
  }

  /** Request ids are per target: `session` tells the page's (`page`) from a frame's. */
  private requestWillBeSent(session: string, event: RequestWillBeSent): void {
    const token = this.messages.tokenIn(event.request.url);
    if (token) this.requestTokens.set(`${session} ${event.requestId}`, token);
  }

  private loadingFailed(session: string, event: LoadingFailed): void {
    const token = this.requestTokens.get(`${session} ${event.requestId}`);
    if (!token) return;
    const status = event.corsErrorStatus;
    this.messages.add(token, {
      source: 'devtools',
      text: status ? `${event.errorText} (${status.corsError}${status.failedParameter ? `: ${status.failedParameter}` : ''})` : event.errorText,
      ...(status ? { corsError: status.corsError, failedParameter: status.failedParameter } : {}),
    });
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
    // On a page whose renderer crashed, detach never settles (issue 17): the page's close ends the session anyway.
    await withDeadline(this.cdp.detach(), 1_000, 'DevTools session did not detach').catch(() => {});
    await this.page.close();
    await this.ownContext?.close();
  }
}
