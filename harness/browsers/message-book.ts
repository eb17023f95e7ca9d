import { defaults } from '../config/defaults.ts';
import type { EngineMessage } from '../results/types.ts';

const TOKEN = new RegExp(`${defaults.cellParam}=([a-z0-9]+)`);

/**
 * An engine's own messages, filed by cell. Every URL a cell requests carries
 * its token, so a console line or a protocol event that names the URL can be
 * given to the right cell even when many cells share a page.
 */
export class MessageBook {
  private readonly byToken = new Map<string, EngineMessage[]>();
  private readonly waiters = new Set<() => void>();

  tokenIn(text: string | undefined): string | undefined {
    return text ? TOKEN.exec(text)?.[1] : undefined;
  }

  add(token: string, message: EngineMessage): void {
    const list = this.byToken.get(token) ?? [];
    list.push(message);
    this.byToken.set(token, list);
    for (const wake of this.waiters) wake();
  }

  /** Resolves once a message for `token` satisfies `predicate`, or after `timeoutMs` (messages are evidence, not a condition). */
  waitFor(token: string, predicate: (m: EngineMessage) => boolean, timeoutMs: number): Promise<void> {
    const found = () => (this.byToken.get(token) ?? []).some(predicate);
    if (found()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (found()) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** The messages of a cell, removed from the book. */
  take(token: string): EngineMessage[] {
    const list = this.byToken.get(token) ?? [];
    this.byToken.delete(token);
    return list;
  }
}
