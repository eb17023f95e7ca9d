import type { Browser, BrowserContext, Page } from 'playwright-core';
import { defaults } from '../config/defaults.ts';
import { withDeadline } from '../core/deadline.ts';
import type { EngineName } from '../core/names.ts';
import type { EngineSession, OpenPageOptions, PageOutcome, PageProbe, ProbeContext, ProbePage } from './driver.ts';

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

  /** A new context; an engine may translate what goes wrong (Firefox: a protocol mismatch). */
  protected newContext(): Promise<BrowserContext> {
    return this.browser.newContext();
  }

  /** The context every shared page of the run lives in. */
  protected shared(): Promise<BrowserContext> {
    this.sharedContext ??= this.newContext();
    return this.sharedContext;
  }

  /** The engine's probe page around a Playwright page; `ownContext`, if any, is the page's to close. */
  protected abstract wrap(page: Page, context: BrowserContext, ownContext: BrowserContext | undefined): Promise<ProbePage>;

  async openPage(origin: string, options: OpenPageOptions): Promise<ProbePage> {
    try {
      const ownContext = options.freshContext ? await this.newContext() : undefined;
      const context = ownContext ?? (await this.shared());
      let page: Page | undefined;
      try {
        page = await context.newPage();
        const probePage = this.guarded(page, origin, await this.wrap(page, context, ownContext));
        if (options.visitFirst) await page.goto(options.visitFirst);
        await page.goto(`${origin}/`);
        return probePage;
      } catch (error) {
        await bounded(page?.close());
        await bounded(ownContext?.close());
        throw error;
      }
    } catch (error) {
      throw await this.explained(error);
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
      let spare: Page | undefined = await context.newPage();
      if (options.visitFirst) await spare.goto(options.visitFirst);
      return {
        openPage: async (origin: string) => {
          let page: Page;
          try {
            page = spare ?? (await context.newPage());
          } catch (error) {
            throw await this.explained(error);
          }
          spare = undefined;
          try {
            // Closing a page of this context leaves the context (and its jar) to the context's owner.
            const probePage = this.guarded(page, origin, await this.wrap(page, context, undefined));
            await page.goto(`${origin}/`);
            return probePage;
          } catch (error) {
            await bounded(page.close());
            throw await this.explained(error);
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

  /**
   * The engine's page, with its faults bounded: once its renderer crashed or
   * the page (or its browser) closed, every probe fails at once with what
   * happened, instead of waiting for an answer that cannot come.
   */
  private guarded(page: Page, origin: string, inner: ProbePage): ProbePage {
    let lost: string | undefined;
    let reject: (error: Error) => void = () => {};
    const gone = new Promise<never>((_, r) => (reject = r));
    gone.catch(() => {});
    const lose = (reason: () => string) => {
      if (lost) return;
      // The browser's 'disconnected' and the page's 'close' come in the same turn; the browser's says more.
      setImmediate(() => {
        lost ??= reason();
        reject(new Error(lost));
      });
    };
    page.once('crash', () => lose(() => this.exited ?? `the ${this.label} page at ${origin} crashed (its renderer process died)`));
    page.once('close', () => lose(() => this.exited ?? `the ${this.label} page at ${origin} was closed`));
    return {
      messageSupport: inner.messageSupport,
      lost: () => lost,
      run: async (probe: PageProbe): Promise<PageOutcome> => {
        if (lost) throw new Error(lost);
        try {
          return await Promise.race([inner.run(probe), gone]);
        } catch (error) {
          throw await this.explained(error, () => lost);
        }
      },
      close: () => bounded(inner.close()),
    };
  }

  /** An error from Playwright, or what died if something did: "Target page, context or browser has been closed" says neither which nor why. */
  private async explained(error: unknown, lost: () => string | undefined = () => undefined): Promise<unknown> {
    if (!this.exited && !lost() && this.browser.isConnected()) return error;
    await new Promise((resolve) => setImmediate(resolve));
    const reason = this.exited ?? lost();
    return reason ? new Error(reason) : error;
  }
}

/** Closing what may already be gone: at most defaults.closeMs, and never an error (the browser's close, or the exit hook, ends what is left). */
async function bounded(closing: Promise<void> | undefined): Promise<void> {
  if (!closing) return;
  await withDeadline(closing, defaults.closeMs, 'did not close').catch(() => {});
}
