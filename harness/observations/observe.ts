import type { EngineMessage, Exchange, JsOutcome, Observation } from '../results/types.ts';

export interface ObserveInput {
  js: JsOutcome;
  messages: EngineMessage[];
  messageSupport: string;
  exchanges: Exchange[];
  durationMs: number;
}

/**
 * Turns the evidence of one cell into an observation. "blocked" is only ever
 * concluded from evidence: the page's fetch() rejected with a TypeError AND
 * either the wire shows the server's answer was delivered in full, or the
 * engine itself named a CORS reason. Anything else (a timeout, the app not
 * answering, a rejection with nothing on the wire) is a harness error.
 */
export function observe(input: ObserveInput): { observation: Observation; error?: string } {
  const { js, exchanges } = input;
  const preflight = exchanges.find((e) => e.kind === 'preflight') ?? null;
  // With `again` there are two: the later one is the request whose answer JavaScript read.
  const actual = exchanges.filter((e) => e.kind === 'actual').at(-1) ?? null;
  const observation: Observation = {
    preflight,
    actual,
    exchanges,
    reachedHandler: exchanges.some((e) => e.kind === 'actual' && e.reachedHandler),
    cookiesSent: actual ? actual.request.headers.filter(([n]) => n.toLowerCase() === 'cookie').flatMap(([, v]) => cookieNames(v)) : null,
    js,
    messages: input.messages,
    messageSupport: input.messageSupport,
    durationMs: input.durationMs,
  };
  const brokenUpstream = exchanges.find((e) => e.upstreamError);
  if (brokenUpstream) return { observation, error: `the app behind the recorder failed: ${brokenUpstream.upstreamError}` };

  switch (js.kind) {
    case 'timeout':
      return { observation, error: `the page got no answer within ${js.afterMs} ms; a timeout says nothing about CORS` };
    case 'response':
      observation.result = js.type === 'opaque' ? 'opaque' : 'allowed';
      return { observation };
    case 'error': {
      if (js.name !== 'TypeError') {
        return { observation, error: `the page's code threw ${js.name}: ${js.message} (not a network error, so not a CORS outcome)` };
      }
      const last = exchanges.filter((e) => e.kind !== 'setup').at(-1);
      const engineNamedCors = input.messages.some((m) => m.corsError !== undefined);
      if ((last?.response?.complete ?? false) || engineNamedCors) {
        observation.result = 'blocked';
        return { observation };
      }
      if (last) {
        return { observation, error: `fetch() rejected (${js.message}) while the server's answer to ${last.request.method} was still incomplete` };
      }
      return {
        observation,
        error: `fetch() rejected (${js.message}) but no request reached the API and the engine named no CORS reason; the harness cannot tell a CORS block from a failed connection`,
      };
    }
  }
}

/** Cookie names in a Cookie request header. */
function cookieNames(header: string): string[] {
  return header
    .split(';')
    .map((pair) => pair.trim().split('=')[0]!)
    .filter(Boolean);
}
