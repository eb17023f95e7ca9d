/**
 * An app stack that runs a scenario's code (Express, Fastify), in a child
 * process of its own: the local runtime's counterpart of the Docker runtime's
 * container (servers/runtimes/docker/app-main.ts), so that a scenario's
 * `code:` that exits, throws at the top or loops forever stops this process,
 * never the harness (issue 17). Started by app-child.ts as
 * `node --import tsx servers/runtimes/local/app-main.ts` with an IPC channel.
 *
 * Before anything of the stack loads, the process may listen on 127.0.0.1
 * and reach loopback only (loopback-only.ts). Then, over the channel:
 *   harness -> child   { type: 'start', spec }       the stack's start options, as data
 *   child -> harness   { type: 'started', port, setupErrors, notes } or { type: 'failed', error }
 *   child -> harness   { type: 'mark', id, exchange } a request reached the handler; the
 *   harness -> child   { type: 'marked', id }         handler answers only once it is marked
 *   child -> harness   { type: 'beat' }               every defaults.appBeatMs: the event loop runs
 */
import type { IncomingHttpHeaders } from 'node:http';
import { allowLoopbackOnly } from './loopback-only.ts';
import type { AppChildSpec, FromChild, ToChild } from './app-child.ts';

allowLoopbackOnly();

// Loaded after the wraps are in (a static import would run first).
const { defaults } = await import('../../../harness/config/defaults.ts');
const { HandlerLog } = await import('../../apps/handler-log.ts');
const { stackDefinition } = await import('../../apps/catalog.ts');

const send = (message: FromChild) => process.send?.(message);

/** Marks go to the harness, and are in before the handler answers. */
class ParentHandlerLog extends HandlerLog {
  private next = 0;
  private readonly waiting = new Map<number, () => void>();

  override mark(headers: IncomingHttpHeaders): Promise<void> {
    const exchange = headers[defaults.exchangeHeader];
    if (typeof exchange !== 'string') return Promise.resolve();
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      send({ type: 'mark', id, exchange });
    });
  }

  marked(id: number): void {
    this.waiting.get(id)?.();
    this.waiting.delete(id);
  }

  override listen(): Promise<never> {
    return Promise.reject(new Error('a stack in a child process has no mark endpoint of its own (Next.js runs in the harness)'));
  }
}

const handlerLog = new ParentHandlerLog();
let stop: (() => Promise<void>) | undefined;

async function start(spec: AppChildSpec): Promise<void> {
  try {
    const started = await stackDefinition(spec.app).start({ ...spec.options, handlerLog });
    stop = started.stop;
    send({ type: 'started', port: started.port, setupErrors: Object.fromEntries(started.setupErrors), ...(started.notes ? { notes: Object.fromEntries(started.notes) } : {}) });
    setInterval(() => send({ type: 'beat' }), defaults.appBeatMs);
  } catch (error) {
    send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  }
}

process.on('message', (message: ToChild) => {
  if (message.type === 'start') void start(message.spec);
  else if (message.type === 'marked') handlerLog.marked(message.id);
});
// The harness closes the channel when it goes: nothing is left to serve.
process.on('disconnect', () => {
  void (stop?.() ?? Promise.resolve()).finally(() => process.exit(0));
});
process.on('SIGTERM', () => {
  void (stop?.() ?? Promise.resolve()).finally(() => process.exit(0));
});
send({ type: 'ready' });
