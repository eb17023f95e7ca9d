import { defaults } from '../config/defaults.ts';
import { PROBE_RUNNER_SOURCE } from './page-runtime.ts';
import type { JsOutcome } from '../results/types.ts';

/** Runs one script in the page and returns what it passed to its callback (WebDriver's Execute Async Script). */
export type ExecuteAsync = (script: string, args: unknown[]) => Promise<unknown>;

/**
 * Execute Async Script over a Playwright page: the script runs as a function
 * body whose last argument is the callback, as WebDriver runs it
 * (https://w3c.github.io/webdriver/#execute-async-script), and the call
 * resolves with what it passed to the callback.
 */
export function evaluateAsync(page: { evaluate(expression: string): Promise<unknown> }): ExecuteAsync {
  return (script, args) => page.evaluate(`new Promise((reply) => (function () {\n${script}\n}).apply(null, ${JSON.stringify(args)}.concat([reply])))`);
}

interface PumpProbe {
  id: number;
  code: string;
  timeoutMs: number;
}

interface PumpReply {
  finished: [id: number, outcome: JsOutcome][];
  /** Every probe the page still runs, so that a probe the page lost (it reloaded) is noticed. */
  pending: number[];
}

/**
 * The body of the Execute Async Script command: starts the new probes with the
 * shared probe runner, then answers once every probe in the page has finished,
 * or after `maxWaitMs` with those that have. Probes live in a page global
 * between calls, so a slow probe never holds back the others: the next call
 * starts newcomers and collects whatever finished meanwhile.
 */
export const PUMP_SCRIPT = `
const runProbe = ${PROBE_RUNNER_SOURCE};
const [newProbes, maxWaitMs, maxBodyChars] = arguments;
const reply = arguments[arguments.length - 1];
const state = (window.__corslabPump ??= { pending: new Set(), finished: [], wake: undefined });
for (const probe of newProbes) {
  state.pending.add(probe.id);
  runProbe(probe.code, probe.timeoutMs, maxBodyChars)
    .catch((error) => ({ kind: 'error', name: 'HarnessError', message: String(error) }))
    .then((outcome) => {
      state.pending.delete(probe.id);
      state.finished.push([probe.id, outcome]);
      if (state.wake) state.wake();
    });
}
let timer;
const answer = () => {
  clearTimeout(timer);
  state.wake = undefined;
  reply({ finished: state.finished.splice(0), pending: [...state.pending] });
};
if (state.pending.size === 0) {
  answer();
} else {
  timer = setTimeout(answer, maxWaitMs);
  state.wake = () => { if (state.pending.size === 0) answer(); };
}
`;

interface Waiting extends PumpProbe {
  resolve: (outcome: JsOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * A WebDriver session runs one command at a time, and a command's round trip
 * costs more than a fetch on loopback. So `run()` does not send one script per
 * probe: probes that arrive while a script is in flight wait and go into the
 * next script together, and each script answers for every probe that finished.
 * Under the runner's 16 concurrent `run()` calls that gives batches of up to
 * 16 probes per command.
 */
export class ProbePump {
  private readonly queue: Waiting[] = [];
  private readonly inPage = new Map<number, Waiting>();
  private nextId = 1;
  private pumping = false;
  private closedBecause: string | undefined;
  /** Commands sent and probes carried, for measurements. */
  readonly stats = { commands: 0, probes: 0 };

  constructor(
    private readonly execute: ExecuteAsync,
    /** How long one command may wait in the page for slow probes before it answers with the finished ones. */
    private readonly maxWaitMs = 100,
  ) {}

  run(code: string, timeoutMs: number): Promise<JsOutcome> {
    if (this.closedBecause) return Promise.reject(new Error(this.closedBecause));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, code, timeoutMs, resolve, reject });
      void this.pump();
    });
  }

  /** Fails every waiting probe; later `run()` calls fail at once. */
  close(reason: string): void {
    this.closedBecause = reason;
    const error = new Error(reason);
    for (const probe of this.queue.splice(0)) probe.reject(error);
    this.failInPage(error);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 || this.inPage.size > 0) {
        const starting = this.queue.splice(0);
        for (const probe of starting) this.inPage.set(probe.id, probe);
        this.stats.commands++;
        this.stats.probes += starting.length;
        let reply: PumpReply;
        try {
          reply = parseReply(
            await this.execute(PUMP_SCRIPT, [starting.map(({ id, code, timeoutMs }) => ({ id, code, timeoutMs })), this.maxWaitMs, defaults.maxBodyBytes]),
          );
        } catch (error) {
          // The command failed, so the page's state is unknown: nothing in it can be trusted to answer.
          // Probes queued meanwhile get their own try.
          this.failInPage(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        for (const [id, outcome] of reply.finished) {
          const probe = this.inPage.get(id);
          if (!probe) continue;
          this.inPage.delete(id);
          probe.resolve(outcome);
        }
        const pending = new Set(reply.pending);
        for (const [id, probe] of this.inPage) {
          if (pending.has(id)) continue;
          this.inPage.delete(id);
          probe.reject(new Error('the page lost the probe before it finished (did the page navigate or reload?)'));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private failInPage(error: Error): void {
    for (const probe of this.inPage.values()) probe.reject(error);
    this.inPage.clear();
  }
}

function parseReply(value: unknown): PumpReply {
  const reply = value as Partial<PumpReply> | null;
  if (!reply || !Array.isArray(reply.finished) || !Array.isArray(reply.pending)) {
    throw new Error(`the page answered the probe script with ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return reply as PumpReply;
}
