import {
  CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
  checkPreflight,
  checkResponse,
  preflightReasons,
  prepareRequest,
  type CorsRequestInit,
  type HeaderPair,
  type RequestPlan,
} from '../model/index.ts';
import { renderPolicySetup } from './fixes.ts';
import { stackLabel } from '../../servers/labels.ts';
import type { Policy } from '../core/format.ts';
import type { StackName } from '../core/names.ts';

export interface RequestAdvice {
  plan: RequestPlan;
  /** What the server must answer to the preflight (null when none goes out). */
  preflightAnswer: { status: number; headers: HeaderPair[] } | null;
  /** What the actual response must carry for the page to read it (and the headers asked for). */
  responseAnswer: { headers: HeaderPair[] };
  /** The same, as a policy every stack renders. */
  policy: Policy;
}

/**
 * What the server must answer, step by step, for this request to be read by
 * the page (and the headers in `read` to be readable). The answer is checked
 * against the model before it is returned: if the model would still block it,
 * this throws, so the advice can never be wrong silently.
 */
export function adviseRequest(init: CorsRequestInit, read: readonly string[] = []): RequestAdvice {
  const plan = prepareRequest(init);
  const origin = plan.originHeader ?? plan.origin;
  const credentials = plan.credentialsIncluded;
  const allowOrigin: HeaderPair[] = [['Access-Control-Allow-Origin', origin]];
  if (credentials) allowOrigin.push(['Access-Control-Allow-Credentials', 'true']);

  let preflightAnswer: RequestAdvice['preflightAnswer'] = null;
  const policy: Policy = { origin };
  if (credentials) policy.credentials = true;
  if (plan.preflight) {
    const headers: HeaderPair[] = [...allowOrigin, ['Access-Control-Allow-Methods', plan.preflight.accessControlRequestMethod]];
    if (plan.preflight.unsafeMethod) policy.methods = [plan.preflight.unsafeMethod];
    if (plan.preflight.accessControlRequestHeaders) {
      headers.push(['Access-Control-Allow-Headers', plan.preflight.accessControlRequestHeaders]);
      policy.allowedHeaders = plan.preflight.accessControlRequestHeaders.split(',');
    }
    preflightAnswer = { status: 204, headers };
    const check = checkPreflight(plan, preflightAnswer);
    if (!check.ok) throw new Error(`internal: the advised preflight answer fails the model: ${check.explanation}`);
  }
  const safelisted = new Set<string>(CORS_SAFELISTED_RESPONSE_HEADER_NAMES.map((n) => n.toLowerCase()));
  const toExpose = read.filter((name) => !safelisted.has(name.toLowerCase()));
  const responseHeaders: HeaderPair[] = [...allowOrigin];
  if (toExpose.length > 0) {
    responseHeaders.push(['Access-Control-Expose-Headers', toExpose.join(', ')]);
    policy.exposedHeaders = toExpose;
  }
  if (plan.tainting === 'cors') {
    const sample = checkResponse(plan, { status: 200, headers: [...responseHeaders, ...read.map((n): HeaderPair => [n, 'x'])] });
    if (sample.result !== 'allowed') throw new Error(`internal: the advised response fails the model: ${sample.explanation}`);
  }
  return { plan, preflightAnswer, responseAnswer: { headers: plan.tainting === 'cors' ? responseHeaders : [] }, policy };
}

/** `corslab explain`: the advice as text, with the fix in each chosen stack's idiom. */
export function explainRequestText(init: CorsRequestInit, read: readonly string[], stackNames: readonly StackName[]): string {
  const plan = prepareRequest(init);
  const lines: string[] = [];
  const credentialsText = plan.credentialsIncluded ? 'with credentials (cookies, HTTP auth)' : 'without credentials';
  lines.push(`${plan.method} ${plan.url}`, `  from ${plan.pageOrigin}, mode ${plan.mode}, ${credentialsText}`, '');
  for (const dropped of plan.dropped) lines.push(`Note: the browser drops the header ${dropped.name} (${dropped.because.replaceAll('-', ' ')}).`);
  if (plan.error) {
    lines.push(`fetch() fails before anything is sent: ${plan.explanation}`);
    return `${lines.join('\n')}\n`;
  }
  if (!plan.crossOrigin) {
    lines.push('Same origin: no CORS is involved; the page reads the response as it is.');
    return `${lines.join('\n')}\n`;
  }
  const advice = adviseRequest(init, read);
  let step = 1;
  if (plan.preflight && advice.preflightAnswer) {
    lines.push(`${step++}. A preflight goes out first, because ${preflightReasons(plan.preflight)}.`);
    lines.push('   The browser sends (never with cookies or Authorization):');
    for (const [name, value] of plan.preflight.request.headers) lines.push(`     ${name}: ${value}`);
    lines.push('   The server must answer with a 2xx status (204 is usual) and:');
    for (const [name, value] of advice.preflightAnswer.headers) lines.push(`     ${name}: ${value}`);
    lines.push('   Optional: Access-Control-Max-Age: <seconds> to let the browser cache this answer (default 5 seconds; browsers cap it).');
  } else {
    lines.push(`${step++}. No preflight: ${plan.explanation}`);
  }
  if (plan.tainting === 'opaque') {
    lines.push(`${step++}. The request goes out in no-cors mode: the page gets an opaque response it cannot read, whatever the server answers.`);
  } else {
    lines.push(`${step++}. The request itself goes out${plan.credentialsIncluded ? ' with cookies' : ''}; for the page to read the response it must carry:`);
    for (const [name, value] of advice.responseAnswer.headers) lines.push(`     ${name}: ${value}`);
    if (plan.credentialsIncluded) lines.push('   With credentials, `*` is not allowed in any of these headers: name the origin, methods and headers exactly.');
    const safelisted = read.filter((n) => CORS_SAFELISTED_RESPONSE_HEADER_NAMES.some((s) => s.toLowerCase() === n.toLowerCase()));
    if (safelisted.length > 0) lines.push(`   ${safelisted.join(', ')}: readable without Access-Control-Expose-Headers (CORS-safelisted response headers).`);
    lines.push('   The server should also send `Vary: Origin` whenever the value of Access-Control-Allow-Origin depends on the request.');
  }
  lines.push('');
  for (const name of stackNames) {
    const code = renderPolicySetup(name, advice.policy);
    lines.push(`${stackLabel(name)}:`, ...code.split('\n').map((l) => `  ${l}`), '');
  }
  return `${lines.join('\n')}`;
}
