import { ModelInputError, explainFailure, prepareRequest, type Failure } from '../model/index.ts';
import { modelRequest } from './model-request.ts';
import type { FetchSpec } from '../core/format.ts';
import type { EngineMessage, Exchange, JsOutcome, NotSent, Observation } from '../results/types.ts';

/**
 * A control request the page made right after its probe had rejected with
 * nothing on the wire: a no-cors GET without credentials to the same URL,
 * under a token of its own, to show whether the connection to the API works.
 */
export interface ControlRequest {
  url: string;
  code: string;
  js: JsOutcome;
  /** What the recorder saw under the control's token. */
  exchanges: Exchange[];
}

export interface ObserveInput {
  js: JsOutcome;
  messages: EngineMessage[];
  messageSupport: string;
  exchanges: Exchange[];
  durationMs: number;
  /** The probe's request, placeholders expanded, and the page's origin: what the model reads to say whether it is refused before sending. */
  request?: { spec: FetchSpec; pageOrigin: string };
  control?: ControlRequest;
  /**
   * When the page's control did not reach the API either and the URL is an
   * http origin the scenario declares (so the lab's mapping proxy is the
   * browser's only way to it, and it sees every such request's token): the
   * harness's own request to the same URL through that proxy.
   */
  proxyControl?: ControlRequest;
}

/**
 * Turns the evidence of one cell into an observation. "blocked" is only ever
 * concluded from evidence: the page's fetch() rejected with a TypeError AND
 * either the wire shows the server's answer was delivered in full, or the
 * engine itself named a CORS reason, or nothing was sent and the evidence
 * shows the browser refused it (see `refusedBeforeSending`). Anything else
 * (a timeout, the app not answering, a rejection with nothing on the wire
 * and no such evidence) is a harness error.
 */
export function observe(input: ObserveInput): { observation: Observation; error?: string } {
  const { js, exchanges } = input;
  const kinds = exchanges.map((e) => e.kind);
  const preflightAt = kinds.indexOf('preflight');
  // With `again` there are two: the later one is the request whose answer JavaScript read.
  const actualAt = kinds.lastIndexOf('actual');
  const actual = exchanges[actualAt] ?? null;
  // Indexes into `exchanges`, not copies: each exchange is stored once (results schema 4).
  const observation: Observation = {
    preflight: preflightAt === -1 ? null : preflightAt,
    actual: actual ? actualAt : null,
    exchanges,
    reachedHandler: handlerReached(exchanges),
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
      if (!last) {
        const refused = refusedBeforeSending(js, input);
        if (refused.notSent) {
          observation.result = 'blocked';
          observation.notSent = refused.notSent;
          return { observation };
        }
        if (refused.why) return { observation, error: refused.why };
      }
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

/**
 * Whether a TypeError with nothing on the wire is the browser refusing the
 * request before sending it. Silence alone proves nothing (a connection that
 * failed is silent too), so it takes one of:
 * - the rejection was there at once: fetch() returned an already-rejected
 *   promise, so the browser refused it before any network activity (nothing
 *   the network does reaches the page before fetch() returns). The Request
 *   constructor refuses this way (https://fetch.spec.whatwg.org/#dom-global-fetch),
 *   and Chromium and Firefox refuse a same-origin-mode request to another
 *   origin this way too, where the standard does it in parallel; or
 * - a control request the page made right after reached the same API (the
 *   connection works) while the model of the Fetch standard says this
 *   request is refused before it is sent (no-cors with a method other than
 *   GET, HEAD or POST: https://fetch.spec.whatwg.org/#dom-request; mode
 *   same-origin to another origin: https://fetch.spec.whatwg.org/#main-fetch).
 * The engine's own words, where it gives any, are kept with the evidence.
 * `why` says what was missing, for the harness error, when it can say more
 * than the generic message.
 */
function refusedBeforeSending(js: Extract<JsOutcome, { kind: 'error' }>, input: ObserveInput): { notSent?: NotSent; why?: string } {
  const refusal = modelRefusal(input.request);
  const atOnce = js.atOnce === true;
  const control = input.control;
  const reached = control?.exchanges.find((e) => e.kind !== 'setup');
  const evidence = [`fetch() rejected with ${js.name}: ${js.message}`, "no request of the browser's with this cell's token reached the recorder"];
  if (atOnce) evidence.push('the promise fetch() returned was already rejected when it returned: the browser refused the request before any network activity');
  else evidence.push('the rejection came later than fetch() returning');
  if (control) {
    evidence.push(
      reached
        ? `a control request right after to the same URL (\`${control.code}\`) reached the API: ${reached.request.method} answered ${reached.response ? reached.response.status : 'without a response'}`
        : `a control request right after to the same URL (\`${control.code}\`) did not reach the API either`,
    );
  }
  if (refusal) evidence.push(`the Fetch standard refuses this request before it is sent: ${explainFailure(refusal)} (${refusal.anchor})`);
  for (const message of input.messages) evidence.push(`the engine said: ${message.text}`);
  if (atOnce || (reached && refusal)) {
    return {
      notSent: {
        reason: refusal ? explainFailure(refusal) : `the browser refused it before sending: ${js.name}: ${js.message}`,
        evidence,
        rejectedAtOnce: atOnce,
        ...(control ? { control: { url: control.url, code: control.code, reached: reached !== undefined, ...(reached?.response ? { status: reached.response.status } : {}), js: describeJs(control.js) } } : {}),
      },
    };
  }
  const viaProxy = input.proxyControl?.exchanges.find((e) => e.kind !== 'setup');
  if (control && !reached && input.proxyControl) {
    evidence.push(
      viaProxy
        ? `the harness's own control through the lab's mapping proxy (\`${input.proxyControl.code}\`) reached the API: ${viaProxy.request.method} answered ${viaProxy.response ? viaProxy.response.status : 'without a response'}; the proxy is the browser's only way to this origin, it works, and nothing with the probe's or the page's control's token came through it`
        : `the harness's own control through the lab's mapping proxy (\`${input.proxyControl.code}\`) did not reach the API either`,
    );
  }
  if (control && !reached && viaProxy) {
    return {
      notSent: {
        reason: refusal ? explainFailure(refusal) : `the engine refused to send it, and did not say why: ${js.name}: ${js.message}`,
        evidence,
        rejectedAtOnce: atOnce,
        control: { url: control.url, code: control.code, reached: false, js: describeJs(control.js) },
      },
    };
  }
  if (control && !reached) {
    return { why: `fetch() rejected (${js.message}) and nothing reached the API, not even a control request the page made right after to the same URL: the connection to the API failed, which says nothing about CORS` };
  }
  if (reached && !refusal) {
    return { why: `fetch() rejected (${js.message}) and the request never reached the API, although a control request right after did; the model of the Fetch standard says this request is sent, and the engine named no CORS reason, so the harness cannot tell why the browser did not send it` };
  }
  return {};
}

/** The rule that makes a conforming browser refuse the request before sending it, or null. */
function modelRefusal(request: ObserveInput['request']): Failure | null {
  if (!request) return null;
  try {
    return prepareRequest(modelRequest(request.spec, request.pageOrigin)).error;
  } catch (error) {
    if (error instanceof ModelInputError) return null;
    throw error;
  }
}

function describeJs(js: JsOutcome): string {
  if (js.kind === 'response') return `a ${js.type} response, status ${js.status}`;
  if (js.kind === 'error') return `${js.name}: ${js.message}`;
  return `no answer within ${js.afterMs} ms`;
}

/** Cookie names in a Cookie request header. */
function cookieNames(header: string): string[] {
  return header
    .split(';')
    .map((pair) => pair.trim().split('=')[0]!)
    .filter(Boolean);
}

/**
 * Whether the actual request reached the app's handler: true when one did;
 * null when one reached a server whose handler the lab cannot see (a server
 * the user runs) and none is known to have; false otherwise (nothing reached
 * the server at all, or the lab's handler did not mark it).
 */
function handlerReached(exchanges: readonly Exchange[]): boolean | null {
  const actual = exchanges.filter((e) => e.kind === 'actual');
  if (actual.some((e) => e.reachedHandler === true)) return true;
  return actual.some((e) => e.reachedHandler === null) ? null : false;
}
