import { ModelInputError, predictProbe, type ProbePrediction } from '../model/index.ts';
import { fixFor } from './fixes.ts';
import { engineDriver } from '../browsers/catalog.ts';
import { modelRequest } from '../observations/model-request.ts';
import type { EngineName, PageOriginName, StackName } from '../core/names.ts';
import type { CellExplanation, Difference, ModelAnswer, Observation } from '../results/types.ts';
import type { Deviation, Expectation, FetchSpec, Policy } from '../core/format.ts';
import { exchangeAt } from '../results/exchanges.ts';

export interface ExplainInput {
  request: FetchSpec;
  pageOrigin: string;
  from: PageOriginName;
  engine: EngineName;
  stack: StackName;
  observed: Observation | undefined;
  expected: Expectation;
  policy: Policy | undefined;
  stacks: readonly StackName[];
  deviations: readonly Deviation[];
  /** The probe's second request (`again`), placeholders expanded: what JavaScript read is its answer. */
  again?: { afterMs: number; request: FetchSpec };
}


/**
 * Runs the model over a cell's request and the exchanges the recorder saw,
 * compares its answer with what the engine did, and derives the reason and,
 * where the site's own page was blocked, a fix.
 */
export function explainCell(input: ExplainInput): CellExplanation | undefined {
  const { observed } = input;
  if (!observed || observed.result === undefined) return undefined;
  let prediction: ProbePrediction;
  try {
    // The harness's own warm-up requests are not the browser's: the model reads only the probe's exchanges.
    const browserExchanges = observed.exchanges.filter((e): e is typeof e & { kind: 'preflight' | 'actual' } => e.kind !== 'setup');
    const again = input.again && {
      afterMs: input.again.afterMs,
      init: modelRequest(input.again.request, input.pageOrigin),
      // A sandboxed probe makes each request in a frame of its own (harness/probes/fetch-probe.ts).
      sameClient: input.from !== 'sandboxed',
    };
    prediction = predictProbe(modelRequest(input.request, input.pageOrigin), browserExchanges, again);
  } catch (error) {
    if (error instanceof ModelInputError) return undefined;
    throw error;
  }
  const model: ModelAnswer = {
    preflight: prediction.preflight,
    ...(input.again ? { preflights: prediction.preflights, actuals: prediction.actuals } : {}),
    actualSent: prediction.actualSent,
    result: prediction.result,
    status: prediction.status,
    readable: prediction.readable,
    explanation: prediction.explanation,
    failures: prediction.failures,
    notes: prediction.notes,
  };
  const modelDifferences = compareWithModel(model, observed);
  const agreesWithModel = model.result === 'undetermined' ? null : modelDifferences.length === 0;
  const engine = engineDriver(input.engine)?.label ?? input.engine;
  const reason = agreesWithModel === false
    ? `${engine} differs from the Fetch standard here: it ${describe(observed, input.again !== undefined)}, while the standard says ${model.explanation}`
    : `${refusedBeforeHandler(observed)}${model.explanation}`;
  const explanation: CellExplanation = { reason, model, agreesWithModel, modelDifferences };

  const deviation = input.deviations.find((d) => d.engine === undefined || [d.engine].flat().includes(input.engine));
  if (agreesWithModel === false && deviation) explanation.deviation = { why: deviation.why, source: deviation.source };

  // The site's own page is meant to get through; the attacker's page is meant to be kept out.
  const readable = new Set(observed.js.kind === 'response' ? observed.js.headers.map(([n]) => n.toLowerCase()) : []);
  // Exposing a header only helps if the server sends it at all.
  const actual = exchangeAt(observed, 'actual');
  const sent = new Set((actual?.response?.headers ?? []).map(([n]) => n.toLowerCase()));
  const unreadable = observed.result === 'allowed' ? (input.expected.readable ?? []).filter((h) => !readable.has(h.toLowerCase()) && sent.has(h.toLowerCase())) : [];
  // The app's own server refused it before any handler: a proxy's own error keeps the proxy's fixes (add_header … always).
  const refused = refusedBeforeHandler(observed);
  if (input.from === 'app' && refused && actual?.answeredBy === 'app' && observed.result === 'blocked') {
    // No CORS setting helps a request that never reaches the CORS layer.
    explanation.fix = {
      summary: `make the layer that answered ${actual.response!.status} accept this ${actual.request.method} request (a method token it knows, in the case it knows it: only DELETE, GET, HEAD, OPTIONS, POST and PUT are upper-cased by fetch), or have that layer add the CORS headers to its own error answers`,
      perStack: {},
    };
  } else if (input.from === 'app' && (observed.result === 'blocked' || unreadable.length > 0)) {
    const fix = fixFor({
      failures: model.failures,
      unreadable,
      plan: (prediction.second ?? prediction.first).request,
      pageOrigin: input.pageOrigin,
      policy: input.policy,
      stacks: input.stacks,
    });
    if (fix) explanation.fix = fix;
  }
  return explanation;
}

function describe(o: Observation, twice: boolean): string {
  const preflights = o.exchanges.filter((e) => e.kind === 'preflight').length;
  const parts = twice
    ? [`sent ${preflights === 0 ? 'no' : preflights} preflight${preflights === 1 ? '' : 's'} for the two requests`]
    : [o.preflight !== null ? 'sent a preflight' : 'sent no preflight'];
  parts.push(o.actual !== null ? 'sent the request' : 'did not send the request');
  parts.push(o.result === 'allowed' ? 'let the page read the response' : o.result === 'opaque' ? 'gave the page an opaque response' : 'blocked the response');
  return parts.join(', ');
}

/** The fields where the engine did something other than what the model says. */
export function compareWithModel(model: ModelAnswer, observed: Observation): Difference[] {
  const differences: Difference[] = [];
  const compare = (field: string, fromModel: unknown, fromEngine: unknown) => {
    if (fromModel === 'undetermined') return;
    if (JSON.stringify(fromModel) !== JSON.stringify(fromEngine)) differences.push({ field, expected: fromModel, observed: fromEngine });
  };
  compare('preflight', model.preflight, observed.preflight !== null);
  // With `again`, both requests: how many preflights and actual requests crossed the wire.
  if (model.preflights !== undefined) compare('preflights', model.preflights, observed.exchanges.filter((e) => e.kind === 'preflight').length);
  compare('actualSent', model.actualSent, observed.actual !== null);
  if (model.actuals !== undefined) compare('actuals', model.actuals, observed.exchanges.filter((e) => e.kind === 'actual').length);
  compare('result', model.result, observed.result);
  if (model.result === 'allowed' && observed.result === 'allowed' && observed.js.kind === 'response') {
    compare('status', model.status, observed.js.status);
    compare('readable', [...model.readable].sort(), observed.js.headers.map(([n]) => n.toLowerCase()).sort());
  }
  return differences;
}

/**
 * When the actual request got an error from a layer in front of the
 * scenario's handler (Node's HTTP parser refusing a method token it does not
 * know, a framework's 400, a proxy's own 502), that is why no CORS header
 * came: said first, since no CORS setting changes it.
 */
function refusedBeforeHandler(observed: Observation): string {
  const actual = exchangeAt(observed, 'actual');
  const status = actual?.response?.status ?? 0;
  if (!actual || actual.reachedHandler || status < 400 || actual.answeredBy === undefined || actual.answeredBy === 'handler') return '';
  const layer = actual.answeredBy === 'proxy' ? 'the proxy in front answered it by itself' : "the app's server answered it before any handler ran (its HTTP parser or framework refused the request)";
  return `the ${actual.request.method} request got ${status} from a layer in front of the handler: ${layer}; `;
}
