import type { Browser, BrowserContext, Page } from 'playwright-core';
import { defaults } from '../config/defaults.ts';
import { DeadlineError, withDeadline } from '../core/deadline.ts';
import type { EngineName } from '../core/names.ts';
import type { EngineSession, LabNetwork, OpenPageOptions, RemoteBrowser, PageOutcome, PageProbe, ProbeContext, ProbePage } from './driver.ts';

/**
 * The part every Playwright-driven engine shares: one browser per run, one
 * context for the shared pages (made once, when first needed), a fresh
 * context for a page that asks for one, the navigation to the page's origin
 * (after a first-party visit when the cell sets cookies), and cleanup when a
 * page cannot be opened. An engine supplies its page: how it listens for the
 * engine's own messages.
 *
 * Faults are bounded here, for every engine: a page whose renderer crashed
 * fails its probes at once (Playwright's evaluate on a crashed Chromium page
 * never settles), a browser that exited fails them with that said, and no
 * close waits longer than defaults.closeMs (issue 17: a close that never
 * resolved after a renderer was killed kept the run from ending).
 */
export abstract class PlaywrightSession implements EngineSession {
  abstract readonly name: EngineName;
  /** For people, in what-died messages: "Chromium". */
  protected abstract readonly label: string;
  readonly version: string;
  private sharedContext: Promise<BrowserContext> | undefined;
  private closing = false;
  /** Set when the browser went away without being asked to. */
  private exited: string | undefined;

  constructor(
    protected readonly browser: Browser,
    readonly executable: string,
    readonly source: string,
    readonly network?: string,
  ) {
    this.version = browser.version();
    browser.on('disconnected', () => {
      if (!this.closing) this.exited = `the ${this.label} browser exited during the run (its process was killed or crashed)`;
    });
  }

  /** Set for a browser the run connected to (`--connect`): the lab's network then goes with each context (see remoteContextOptions). */
  remote?: RemoteBrowser;
  protected remoteNetwork?: LabNetwork;

  /** A browser started elsewhere: its launch options are its server's, so the lab's mapping proxy is given to every context instead. */
  connectedTo(remote: RemoteBrowser, network: LabNetwork | undefined): this {
    this.remote = remote;
    this.remoteNetwork = network;
    return this;
  }

  /** Playwright's per-context proxy (Chromium and Firefox take it), with the lab's own names direct, as the launch option would have given. */
  protected remoteContextOptions(): { proxy?: { server: string; bypass: string } } {
    const network = this.remoteNetwork;
    return network ? { proxy: { server: `http://${network.proxy}`, bypass: this.remoteBypass(network) } } : {};
  }

  protected remoteBypass(network: LabNetwork): string {
    return network.direct.join(',');
  }

  /** A new context; an engine may translate what goes wrong (Firefox: a protocol mismatch). */
  protected newContext(): Promise<BrowserContext> {
    return this.browser.newContext(this.remoteContextOptions());
  }

  /** The context every shared page of the run lives in. */
  protected shared(): Promise<BrowserContext> {
    this.sharedContext ??= this.newContext();
    return this.sharedContext;
  }

  /** The engine's probe page around a Playwright page; `ownContext`, if any, is the page's to close. */
  protected abstract wrap(page: Page, context: BrowserContext, ownContext: BrowserContext | undefined): Promise<ProbePage>;

  async openPage(origin: string, options: OpenPageOptions): Promise<ProbePage> {
    let watch: PageWatch | undefined;
    try {
      const ownContext = options.freshContext ? await this.newContext() : undefined;
      const context = ownContext ?? (await this.shared());
      let page: Page | undefined;
      try {
        page = await this.newPage(context);
        const opened = page;
        const watching = (watch = this.watch(opened, origin));
        // Each step races the page's loss: a DevTools command to a crashed renderer never answers.
        const inner = await this.settingUp(this.wrap(opened, context, ownContext), watching);
        if (options.visitFirst) await Promise.race([opened.goto(options.visitFirst), watching.gone]);
        await Promise.race([opened.goto(`${origin}/`), watching.gone]);
        return this.guarded(watching, inner);
      } catch (error) {
        await bounded(page?.close());
        await bounded(ownContext?.close());
        throw error;
      }
    } catch (error) {
      throw await this.explained(error, watch);
    }
  }

  async openContext(options: { visitFirst?: string }): Promise<ProbeContext> {
    let context: BrowserContext;
    try {
      context = await this.newContext();
    } catch (error) {
      throw await this.explained(error);
    }
    try {
      // The first-party visit happens in the page that will be the context's first probe page.
      let spare: Page | undefined = await this.newPage(context);
      let visitor: Page | undefined;
      if (options.visitFirst) await spare.goto(options.visitFirst);
      return {
        openPage: async (origin: string) => {
          let page: Page;
          try {
            page = spare ?? (await this.newPage(context));
          } catch (error) {
            throw await this.explained(error);
          }
          spare = undefined;
          const watch = this.watch(page, origin);
          try {
            // Closing a page of this context leaves the context (and its jar) to the context's owner.
            const inner = await this.settingUp(this.wrap(page, context, undefined), watch);
            await Promise.race([page.goto(`${origin}/`), watch.gone]);
            return this.guarded(watch, inner);
          } catch (error) {
            await bounded(page.close());
            throw await this.explained(error, watch);
          }
        },
        reuse: async ({ visitFirst }) => {
          try {
            await context.clearCookies();
            // Proven, not assumed: whatever could have put a cookie in the jar, the engine lists none now.
            if ((await context.cookies()).length > 0) return false;
            if (visitFirst) {
              // One page of the context makes every later visit: it stays on the API's host, so no new renderer starts for it.
              visitor ??= await this.newPage(context);
              await visitor.goto(visitFirst);
            }
            return true;
          } catch {
            return false;
          }
        },
        close: () => bounded(context.close()),
      };
    } catch (error) {
      await bounded(context.close());
      throw await this.explained(error);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await withDeadline(this.browser.close(), defaults.closeMs, `the ${this.label} browser did not close within ${defaults.closeMs} ms`);
  }

  /** A new page; Playwright's newPage can wait forever when the page's renderer is killed while it starts. */
  private newPage(context: BrowserContext): Promise<Page> {
    return withDeadline(context.newPage(), PAGE_SETUP_MS, `the ${this.label} browser did not open a page within ${PAGE_SETUP_MS} ms`);
  }

  /**
   * An engine's page set-up (listeners, DevTools sessions) takes well under a
   * second; one that does not finish in PAGE_SETUP_MS is on a page that died
   * before its 'crash' could be heard, and the page is dropped.
   */
  private async settingUp(setup: Promise<ProbePage>, watch: PageWatch): Promise<ProbePage> {
    try {
      return await withDeadline(Promise.race([setup, watch.gone]), PAGE_SETUP_MS, `the ${this.label} page did not finish its set-up within ${PAGE_SETUP_MS} ms (its renderer may have died)`);
    } catch (error) {
      // Either way the page is not used again; explained() says why.
      if (error instanceof DeadlineError) watch.lose(error.message);
      throw error;
    }
  }

  /** Watches a page from its creation: `gone` rejects, with what happened, once its renderer crashed or it (or its browser) closed. */
  private watch(page: Page, origin: string): PageWatch {
    let lost: string | undefined;
    let reject: (error: Error) => void = () => {};
    const gone = new Promise<never>((_, r) => (reject = r));
    gone.catch(() => {});
    const lose = (reason: string) => {
      if (lost) return;
      lost = reason;
      reject(new Error(lost));
    };
    // The browser's 'disconnected' and the page's 'close' come in the same turn; the browser's says more.
    const later = (reason: () => string) => setImmediate(() => lose(reason()));
    const crashed = () => this.exited ?? `the ${this.label} page at ${origin} crashed (its renderer process died)`;
    page.once('crash', () => later(crashed));
    page.once('close', () => later(() => this.exited ?? `the ${this.label} page at ${origin} was closed`));
    return { gone, lost: () => lost, lose, crashed: () => lose(crashed()) };
  }

  /**
   * The engine's page, with its faults bounded: once its renderer crashed or
   * the page (or its browser) closed, every probe fails at once with what
   * happened, instead of waiting for an answer that cannot come.
   */
  private guarded(watch: PageWatch, inner: ProbePage): ProbePage {
    return {
      messageSupport: inner.messageSupport,
      lost: watch.lost,
      run: async (probe: PageProbe): Promise<PageOutcome> => {
        const lost = watch.lost();
        if (lost) throw new Error(lost);
        // The probe runner answers within timeoutMs in the page itself; a page that does not answer
        // at all has died unheard (its renderer killed before the 'crash' listener was there): drop it.
        const limit = probe.timeoutMs + UNANSWERED_GRACE_MS;
        try {
          return await withDeadline(Promise.race([inner.run(probe), watch.gone]), limit, `the ${this.label} page did not answer the probe within ${limit} ms, so it is not used again (its renderer may have died)`);
        } catch (error) {
          if (error instanceof DeadlineError) watch.lose(error.message);
          throw await this.explained(error, watch);
        }
      },
      close: () => bounded(inner.close()),
    };
  }

  /**
   * An error from Playwright, or what died if something did: "Target page,
   * context or browser has been closed" or "net::ERR_ABORTED" says neither
   * which nor why. The crash or the disconnection may be heard a moment after
   * the error it caused, so it is given that moment.
   */
  private async explained(error: unknown, watch?: PageWatch): Promise<unknown> {
    // Playwright's own word for a renderer that died before the page's 'crash' was listened to.
    if (watch && error instanceof Error && /\b(Target|Page) crashed\b/.test(error.message)) watch.crashed();
    const lost = () => watch?.lost();
    for (let waited = 0; waited < EXPLAIN_WAIT_MS && !this.exited && !lost(); waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
    const reason = this.exited ?? lost();
    return reason ? new Error(reason) : error;
  }
}

interface PageWatch {
  gone: Promise<never>;
  lost(): string | undefined;
  lose(reason: string): void;
  /** Marks the page crashed (Playwright said so in an error before the event came). */
  crashed(): void;
}

/** How long an error waits for the crash or the disconnection behind it to be heard (explained). */
const EXPLAIN_WAIT_MS = 250;
/** How long an engine's page set-up may take (see settingUp). */
const PAGE_SETUP_MS = 15_000;
/** A probe's time in the page, and this on top for the answer to come back. */
const UNANSWERED_GRACE_MS = 4_000;

/** Closing what may already be gone: at most defaults.closeMs, and never an error (the browser's close, or the exit hook, ends what is left). */
async function bounded(closing: Promise<void> | undefined): Promise<void> {
  if (!closing) return;
  await withDeadline(closing, defaults.closeMs, 'did not close').catch(() => {});
}
