import type { EngineSession, ProbeContext, ProbePage } from '../browsers/driver.ts';
import type { EngineProfile } from '../results/types.ts';

export type Lane = keyof EngineProfile['lanes'];

/**
 * Counts where one engine's cell time goes, for the results' profile and
 * `npm run bench`: the schedule's lanes, the contexts and pages it opened,
 * the deliberate waits, each cell. Counting only: it changes nothing a
 * cell does or sees.
 */
export class EngineProfiler {
  readonly figures: EngineProfile = {
    lanes: { shared: { cells: 0, ms: 0 }, proxied: { cells: 0, ms: 0 }, isolated: { cells: 0, ms: 0 } },
    isolatedScenarios: 0,
    contextsOpened: 0,
    contextOpenMs: 0,
    pagesOpened: 0,
    pageOpenMs: 0,
    waitMs: 0,
    longestWaitMs: 0,
    cellMs: 0,
  };

  /** Times a lane of the schedule, from its start to the end of its last cell. */
  async lane<T>(name: Lane, cells: number, run: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await run();
    } finally {
      this.figures.lanes[name] = { cells, ms: Date.now() - started };
    }
  }

  cell(id: string, ms: number, waitMs: number): void {
    const f = this.figures;
    f.cellMs += ms;
    f.waitMs += waitMs;
    f.longestWaitMs = Math.max(f.longestWaitMs, waitMs);
    if (!f.slowestCell || ms > f.slowestCell.ms) f.slowestCell = { id, ms };
  }

  /** The session, its openings counted and timed. */
  session(session: EngineSession): EngineSession {
    const timed = async <T>(open: () => Promise<T>, count: (ms: number) => void): Promise<T> => {
      const started = Date.now();
      try {
        return await open();
      } finally {
        count(Date.now() - started);
      }
    };
    const page = (ms: number) => {
      this.figures.pagesOpened++;
      this.figures.pageOpenMs += ms;
    };
    const context = (ms: number) => {
      this.figures.contextsOpened++;
      this.figures.contextOpenMs += ms;
    };
    // Delegates, never copies: the session's own fields stay its own.
    return {
      get name() {
        return session.name;
      },
      get version() {
        return session.version;
      },
      get executable() {
        return session.executable;
      },
      get source() {
        return session.source;
      },
      get network() {
        return session.network;
      },
      openPage: (origin, options) => timed(() => session.openPage(origin, options), (ms) => (options.freshContext ? (context(0), page(ms)) : page(ms))),
      openContext: async (options): Promise<ProbeContext> => {
        const opened = await timed(() => session.openContext(options), context);
        return {
          openPage: (origin) => timed((): Promise<ProbePage> => opened.openPage(origin), page),
          ...(opened.reuse
            ? {
                reuse: async (visit: { visitFirst?: string }) => {
                  const reused = await opened.reuse!(visit);
                  if (reused) this.figures.contextsReused = (this.figures.contextsReused ?? 0) + 1;
                  return reused;
                },
              }
            : {}),
          close: () => opened.close(),
        };
      },
      close: () => session.close(),
    };
  }
}
