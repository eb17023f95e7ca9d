import { defaults } from '../config/defaults.ts';
import { withDeadline } from '../core/deadline.ts';
import type { Scenario } from '../core/format.ts';
import { isTargetStack } from '../core/target.ts';
import type { PlannedCell } from '../plan/plan.ts';
import type { EngineSession, ProbeContext, ProbePage } from '../browsers/driver.ts';
import type { CellResult } from '../results/types.ts';
import { cookieSetupUrl } from '../../servers/page/cookies.ts';
import { cookieOriginFor, hostPageOrigin, type Lab } from './start-servers.ts';
import type { RunLimits } from './prepare.ts';
import type { EngineProfiler } from './profile.ts';

/** One engine's share of a run, as a schedule gets it. */
export interface EngineWork {
  readonly session: EngineSession;
  readonly cells: readonly PlannedCell[];
  readonly lab: Lab;
  readonly limits: Pick<RunLimits, 'concurrencyPerPage' | 'isolatedContexts'>;
  /** This engine's share of the run's probes in flight on shared pages, which grows as other engines finish theirs. */
  readonly inFlight: ChangingLimit;
  /**
   * Runs a cell on the page `page()` gives (cell.ts): its result, or an error
   * cell when the page could not be had or the engine failed. Never throws.
   */
  runCell(cell: PlannedCell, page: () => Promise<ProbePage>): Promise<CellResult>;
  /** Hands a cell's result to the run (progress, reporters), as soon as it has one. */
  record(result: CellResult): void;
  /**
   * The run is stopping early (maxFailures reached): a schedule starts no
   * new cell once this is true (cells in flight finish). The run reports the
   * cells never started as not run.
   */
  stopping(): boolean;
  /** Counts where the time goes (lanes; the session's openings and the cells are counted already). */
  readonly profile: EngineProfiler;
}

/**
 * How one engine's cells are run: which page each cell gets and how many are
 * in flight at once. Whatever the schedule, every cell has its own URLs, so
 * sharing a page or a context shares no cached preflight or response.
 */
export type Schedule = (work: EngineWork) => Promise<void>;

/**
 * The harness's way. Cells that cannot carry cookies (see needsOwnContext)
 * share one page per origin, many in flight at once. Cells whose cookies
 * matter run one scenario at a time, each scenario in a context of its own
 * (see inOwnContext), a few scenarios side by side.
 */
export const batched: Schedule = async (work) => {
  // Cells that wait on purpose (a probe asking again seconds later) start first, so their
  // waiting overlaps the quick cells instead of trailing after them. Results are put back in
  // plan order afterwards.
  const waitFirst = (a: PlannedCell, b: PlannedCell) => (b.probe.again?.afterMs ?? 0) - (a.probe.again?.afterMs ?? 0);
  const shared = work.cells.filter((c) => !c.freshContext && !throughProxy(c)).sort(waitFirst);
  const proxied = work.cells.filter((c) => !c.freshContext && throughProxy(c)).sort(waitFirst);
  const fresh = work.cells.filter((c) => c.freshContext).sort(waitFirst);
  const byScenario = new Map<string, PlannedCell[]>();
  for (const cell of fresh) byScenario.set(cell.scenario.id, [...(byScenario.get(cell.scenario.id) ?? []), cell]);
  const pages = sharedPages(work.session);
  work.profile.figures.isolatedScenarios = byScenario.size;
  // A cell whose stack is still starting (openLab) waits its turn: the cells of the stacks that are up go first.
  const stackStarting = (cell: PlannedCell) => {
    const stack = work.lab.stacks.get(cell.stack)!;
    return stack.isReady ? undefined : stack.ready;
  };
  await Promise.all([
    work.profile.lane('shared', shared.length, () =>
      inPool(shared, work.inFlight, work.stopping, async (cell) => work.record(await work.runCell(cell, () => pages.at(pageOriginFor(work.lab, cell)))), stackStarting),
    ),
    work.profile.lane('proxied', proxied.length, () =>
      inPool(proxied, Math.min(work.limits.concurrencyPerPage ?? defaults.concurrencyPerPage, defaults.concurrencyThroughProxy), work.stopping, async (cell) => work.record(await work.runCell(cell, () => pages.at(pageOriginFor(work.lab, cell)))), stackStarting),
    ),
    work.profile.lane('isolated', fresh.length, async () => {
      const slots: ContextSlot[] = [];
      try {
        await inPool([...byScenario.values()], work.limits.isolatedContexts, work.stopping, async (group, worker) => inOwnContext(work, group, (slots[worker] ??= { pages: new Map() })), (group) => stackStarting(group[0]!));
      } finally {
        await Promise.all(slots.map(dropContext));
      }
    }),
  ]);
  await pages.closeAll();
};

/** Whether a cell's page or API is an origin its scenario declares, which the engine reaches through the lab's mapping proxy. */
function throughProxy(cell: PlannedCell): boolean {
  return cell.scenario.origins !== undefined;
}

/** The page origin a cell's probe runs in (a sandboxed frame's host page for `sandboxed`). */
export function pageOriginFor(lab: Lab, cell: PlannedCell): string {
  return hostPageOrigin(lab, cell.stack, cell.scenario, cell.from);
}

/** A new context's first visit: the URL that sets the scenario's cookies first-party on the API's host, if it has any. */
export function cookieVisit(lab: Lab, scenario: Scenario): { visitFirst?: string } {
  return scenario.cookies ? { visitFirst: cookieSetupUrl(cookieOriginFor(lab, scenario), scenario.cookies) } : {};
}

/**
 * One page per origin in the session's shared context, opened when a cell
 * first needs it, and opened again in place of one that was lost (its
 * renderer crashed): the cells that were on the lost page are errors, the
 * cells after them get a page that works. A page that could not be opened is
 * tried once more (a renderer killed while the page loaded), then its
 * failure stands for the origin's remaining cells.
 */
function sharedPages(session: EngineSession): { at(origin: string): Promise<ProbePage>; closeAll(): Promise<void> } {
  interface Entry {
    page: Promise<ProbePage>;
    opened?: ProbePage;
    failed?: boolean;
    tries: number;
  }
  const pages = new Map<string, Entry>();
  const every: Promise<ProbePage>[] = [];
  return {
    at(origin) {
      const known = pages.get(origin);
      const usable = known && !known.opened?.lost?.() && !(known.failed && known.tries < 2);
      if (known && usable) return known.page;
      const entry: Entry = { page: session.openPage(origin, { freshContext: false }), tries: known?.failed ? known.tries + 1 : 1 };
      entry.page.then(
        (p) => (entry.opened = p),
        () => (entry.failed = true),
      );
      pages.set(origin, entry);
      every.push(entry.page);
      return entry.page;
    },
    async closeAll() {
      // A page still opening when the cells are done is not waited for long: the browser's close ends it.
      const settled = (p: Promise<ProbePage>) => withDeadline(p, defaults.closeMs, 'still opening').catch(() => undefined);
      await Promise.all(every.map(async (p) => (await settled(p))?.close().catch(() => {})));
    },
  };
}

/**
 * A browser context of the isolated lane, with the pages it opened (one per
 * origin). One slot serves its scenarios one after another: a scenario's
 * context is the last one's, made new (ProbeContext.reuse), where the engine
 * can prove its jar empty, and a new context otherwise.
 */
interface ContextSlot {
  context?: ProbeContext;
  pages: Map<string, ProbePage>;
}

async function dropContext(slot: ContextSlot): Promise<void> {
  const closing = slot.context;
  slot.context = undefined;
  slot.pages.clear();
  await closing?.close().catch(() => {});
}

/**
 * One scenario's cookie-sensitive cells, one after another, in a context of
 * their own. The context's jar starts with exactly the scenario's cookies
 * (set first-party, as a browser would store them) and only a response that
 * sets a cookie can change it: after any cell whose wire shows a Set-Cookie
 * (or that could not be observed, so nobody knows), the next cell gets a new
 * context. So each cell sends what a fresh context would have sent, without
 * paying for a new context (and a new browser, for WebKitGTK) every time.
 * The slot's context of the last scenario serves this one once its jar is
 * proven empty and this scenario's cookies are set; its pages stay open
 * (a page is a renderer process, the largest cost of a cell here).
 */
async function inOwnContext(work: EngineWork, cells: PlannedCell[], slot: ContextSlot): Promise<void> {
  const visit = cookieVisit(work.lab, cells[0]!.scenario);
  if (slot.context && !(await slot.context.reuse?.(visit))) await dropContext(slot);
  const pageFor = async (cell: PlannedCell) => {
    slot.context ??= await work.session.openContext(visit);
    const origin = pageOriginFor(work.lab, cell);
    let page = slot.pages.get(origin);
    if (!page || page.lost?.()) {
      page = await slot.context.openPage(origin);
      slot.pages.set(origin, page);
    }
    return page;
  };
  try {
    for (const cell of cells) {
      if (work.stopping()) break;
      const result = await work.runCell(cell, () => pageFor(cell));
      work.record(result);
      // A server the user runs sees the same URLs from every cell (no token in them), so each cell gets a
      // new context: no preflight or response one cell's context cached can answer another's
      // (the preflight cache lives in the context: https://fetch.spec.whatwg.org/#cors-preflight-cache).
      if (jarMayHaveChanged(result) || isTargetStack(cell.stack)) await dropContext(slot);
    }
  } catch (error) {
    await dropContext(slot);
    throw error;
  }
}

/** After an error nobody knows what the jar holds; after a Set-Cookie it holds something new. */
function jarMayHaveChanged(result: CellResult): boolean {
  return result.verdict === 'error' || (result.observed?.exchanges ?? []).some((e) => e.response?.headers.some(([name]) => name.toLowerCase() === 'set-cookie'));
}

/** A pool's limit that may change while it runs (InFlightShares): workers above it wait until it grows. */
export interface ChangingLimit {
  limit(): number;
  most(): number;
  changed(): Promise<void>;
}

/**
 * Runs `work` on every item, at most `limit` at once (each worker numbered,
 * from 0), in the items' order but skipping an item while `waitsFor` gives
 * what it still waits for, starting none once `stop()` is true.
 */
export async function inPool<T>(
  items: readonly T[],
  limit: number | ChangingLimit,
  stop: () => boolean,
  work: (item: T, worker: number) => Promise<void>,
  waitsFor: (item: T) => Promise<void> | undefined = () => undefined,
): Promise<void> {
  const limits: ChangingLimit = typeof limit === 'number' ? { limit: () => limit, most: () => limit, changed: () => new Promise(() => {}) } : limit;
  const left = [...items];
  // Set once nothing is left to start: a worker waiting for a larger limit has nothing to wait for any more.
  let drained!: () => void;
  const emptied = new Promise<void>((resolve) => (drained = resolve));
  // The first item left that waits for nothing; when every one waits (on a stack still starting), the first to be free.
  const take = async (): Promise<T | undefined> => {
    for (;;) {
      if (left.length === 0 || stop()) return undefined;
      const free = left.findIndex((item) => !waitsFor(item));
      if (free >= 0) return left.splice(free, 1)[0];
      await Promise.race(new Set(left.map((item) => waitsFor(item)!)));
    }
  };
  const workers = Array.from({ length: Math.min(limits.most(), items.length) }, async (_, worker) => {
    for (;;) {
      while (worker >= limits.limit() && left.length > 0 && !stop()) await Promise.race([limits.changed(), emptied]);
      const item = await take();
      if (item === undefined) break;
      await work(item, worker);
    }
    drained();
  });
  try {
    await Promise.all(workers);
  } finally {
    drained();
  }
}
