import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { EngineName } from '../core/names.ts';
import type { EngineSession, OpenPageOptions, ProbeContext, ProbePage } from './driver.ts';

/**
 * The part every Playwright-driven engine shares: one browser per run, one
 * context for the shared pages (made once, when first needed), a fresh
 * context for a page that asks for one, the navigation to the page's origin
 * (after a first-party visit when the cell sets cookies), and cleanup when a
 * page cannot be opened. An engine supplies its page: how it listens for the
 * engine's own messages.
 */
export abstract class PlaywrightSession implements EngineSession {
  abstract readonly name: EngineName;
  readonly version: string;
  private sharedContext: Promise<BrowserContext> | undefined;

  constructor(
    protected readonly browser: Browser,
    readonly executable: string,
    readonly source: string,
    readonly network?: string,
  ) {
    this.version = browser.version();
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
    const ownContext = options.freshContext ? await this.newContext() : undefined;
    const context = ownContext ?? (await this.shared());
    let page: Page | undefined;
    try {
      page = await context.newPage();
      const probePage = await this.wrap(page, context, ownContext);
      if (options.visitFirst) await page.goto(options.visitFirst);
      await page.goto(`${origin}/`);
      return probePage;
    } catch (error) {
      await page?.close().catch(() => {});
      await ownContext?.close().catch(() => {});
      throw error;
    }
  }

  async openContext(options: { visitFirst?: string }): Promise<ProbeContext> {
    const context = await this.newContext();
    try {
      // The first-party visit happens in the page that will be the context's first probe page.
      let spare: Page | undefined = await context.newPage();
      if (options.visitFirst) await spare.goto(options.visitFirst);
      return {
        openPage: async (origin: string) => {
          const page = spare ?? (await context.newPage());
          spare = undefined;
          try {
            // Closing a page of this context leaves the context (and its jar) to the context's owner.
            const probePage = await this.wrap(page, context, undefined);
            await page.goto(`${origin}/`);
            return probePage;
          } catch (error) {
            await page.close().catch(() => {});
            throw error;
          }
        },
        close: () => context.close(),
      };
    } catch (error) {
      await context.close().catch(() => {});
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
