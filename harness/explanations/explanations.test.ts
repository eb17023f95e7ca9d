import { describe, expect, it } from 'vitest';
import { adviseRequest, explainRequestText } from './explain-request.ts';
import { fixFor } from './fixes.ts';
import { compareWithModel, explainCell } from './explain-cell.ts';
import type { ModelAnswer, Observation } from '../results/types.ts';
import { attackerRead } from './security.ts';
import { prepareRequest, predict } from '../model/index.ts';

const app = 'https://app.example.com';
const api = 'https://api.example.com/items';

describe('explaining a request offline (corslab explain)', () => {
  it('asks for exactly what a credentialed, preflighted request needs, and the model accepts the answer', () => {
    const advice = adviseRequest({ pageOrigin: app, url: api, method: 'PUT', headers: { 'X-Api-Key': 'k' }, credentials: 'include' }, ['X-Total-Count']);
    expect(advice.preflightAnswer!.headers).toEqual([
      ['Access-Control-Allow-Origin', app],
      ['Access-Control-Allow-Credentials', 'true'],
      ['Access-Control-Allow-Methods', 'PUT'],
      ['Access-Control-Allow-Headers', 'x-api-key'],
    ]);
    expect(advice.responseAnswer.headers).toContainEqual(['Access-Control-Expose-Headers', 'X-Total-Count']);
    expect(advice.policy).toEqual({ origin: app, credentials: true, methods: ['PUT'], allowedHeaders: ['x-api-key'], exposedHeaders: ['X-Total-Count'] });
  });

  it('needs no preflight and no exposure for a simple GET reading a safelisted header', () => {
    const advice = adviseRequest({ pageOrigin: app, url: api }, ['Content-Type']);
    expect(advice.preflightAnswer).toBeNull();
    expect(advice.responseAnswer.headers).toEqual([['Access-Control-Allow-Origin', app]]);
  });

  it('prints each step and the fix in the chosen stack', () => {
    const text = explainRequestText({ pageOrigin: app, url: api, method: 'DELETE' }, [], ['fastify-cors']);
    expect(text).toContain('1. A preflight goes out first, because `DELETE` is not a CORS-safelisted method');
    expect(text).toContain('Access-Control-Allow-Methods: DELETE');
    expect(text).toContain("await app.register(cors, { origin: 'https://app.example.com', methods: ['DELETE'] })");
    expect(text).not.toContain('Express');
  });

});

describe('fixes for a blocked request', () => {
  const plan = prepareRequest({ pageOrigin: app, url: api, method: 'PUT', credentials: 'include' });
  const failuresOf = (headers: [string, string][]) => predict({ pageOrigin: app, url: api, method: 'PUT', credentials: 'include' }, [{ kind: 'preflight', response: { status: 204, headers } }]).failures;

  it('replace a trailing-slash origin with the exact one', () => {
    const fix = fixFor({ failures: failuresOf([['Access-Control-Allow-Origin', `${app}/`]]), unreadable: [], plan, pageOrigin: app, policy: { origin: `${app}/`, methods: ['PUT'], credentials: true }, stacks: ['express-cors'] });
    expect(fix!.policy).toEqual({ origin: app, methods: ['PUT'], credentials: true });
    expect(fix!.perStack['express-cors']).toBe("app.use(cors({ origin: 'https://app.example.com', methods: ['PUT'], credentials: true }))");
  });

  it('add every missing piece (credentials flag, method), changing nothing else', () => {
    const fix = fixFor({ failures: failuresOf([['Access-Control-Allow-Origin', app]]), unreadable: [], plan, pageOrigin: app, policy: { origin: app, maxAge: 60 }, stacks: ['fastify-cors'] });
    expect(fix!.policy).toEqual({ origin: app, maxAge: 60, credentials: true, methods: ['GET', 'HEAD', 'POST', 'PUT'] });
    const methodOnly = fixFor({ failures: failuresOf([['Access-Control-Allow-Origin', app], ['Access-Control-Allow-Credentials', 'true']]), unreadable: [], plan, pageOrigin: app, policy: { origin: app, credentials: true, methods: ['GET'] }, stacks: ['fastify-cors'] });
    expect(methodOnly!.policy).toEqual({ origin: app, credentials: true, methods: ['GET', 'PUT'] });
  });

  it('are structural when the preflight was refused before CORS ran', () => {
    const refused = predict({ pageOrigin: app, url: api, method: 'PUT' }, [{ kind: 'preflight', response: { status: 401, headers: [] } }]).failures;
    const fix = fixFor({ failures: refused, unreadable: [], plan, pageOrigin: app, policy: undefined, stacks: ['express-cors'] });
    expect(fix!.policy).toBeUndefined();
    expect(fix!.summary).toMatch(/let OPTIONS through before anything that can refuse it/);
  });

  it('expose a header the page meant to read', () => {
    const get = prepareRequest({ pageOrigin: app, url: api });
    const fix = fixFor({ failures: [], unreadable: ['X-Total-Count'], plan: get, pageOrigin: app, policy: { origin: app }, stacks: ['express-manual'] });
    expect(fix!.policy).toEqual({ origin: app, exposedHeaders: ['X-Total-Count'] });
    expect(fix!.perStack['express-manual']).toContain("res.setHeader('Access-Control-Expose-Headers', 'X-Total-Count')");
  });
});

describe('comparing an engine with the model', () => {
  const model: ModelAnswer = { preflight: true, actualSent: false, result: 'blocked', status: null, readable: [], explanation: '', failures: [], notes: [] };
  const observed = (over: Partial<Observation>) => ({ preflight: {}, actual: null, result: 'blocked', js: { kind: 'error' }, ...over }) as unknown as Observation;

  it('finds no difference when the engine did what the standard says', () => {
    expect(compareWithModel(model, observed({}))).toEqual([]);
  });

  it('names each field where the engine did otherwise', () => {
    const differences = compareWithModel(model, observed({ actual: {} as Observation['actual'], result: 'allowed', js: { kind: 'response', type: 'cors', status: 200, statusText: '', headers: [], body: '', bodyTruncated: false } }));
    expect(differences.map((d) => d.field)).toEqual(['actualSent', 'result']);
  });

  it('with `again`, compares how many preflights and actual requests both requests made (https://fetch.spec.whatwg.org/#cors-preflight-cache)', () => {
    const twice: ModelAnswer = { ...model, preflights: 1, actualSent: true, actuals: 2, result: 'allowed', status: 200, readable: [] };
    const exchanges = [{ kind: 'preflight' }, { kind: 'actual' }, { kind: 'preflight' }, { kind: 'actual' }] as Observation['exchanges'];
    const js: Observation['js'] = { kind: 'response', type: 'cors', status: 200, statusText: '', headers: [], body: '', bodyTruncated: false };
    const seen = observed({ actual: {} as Observation['actual'], result: 'allowed', js, exchanges });
    expect(compareWithModel(twice, seen)).toEqual([{ field: 'preflights', expected: 1, observed: 2 }]);
    // Where the standard leaves the cache's life to the browser, the count is not compared.
    expect(compareWithModel({ ...twice, preflights: 'undetermined' }, seen)).toEqual([]);
  });
});

describe('what an attacker page read', () => {
  const base = {
    id: 'c', scenario: 's', probe: 0, probeName: 'p', stack: 'express-cors' as const, engine: 'chromium' as const, pageOrigin: '', verdict: 'pass' as const, expected: {}, differences: [], pageCode: '',
  };
  const observed = (cookiesSent: string[], body = '{"email":"a@b"}') => ({
    result: 'allowed' as const, preflight: null, actual: null, exchanges: [], reachedHandler: true, cookiesSent, messages: [], messageSupport: '', durationMs: 1,
    js: { kind: 'response' as const, type: 'cors', status: 200, statusText: 'OK', headers: [], body, bodyTruncated: false },
  });
  it('is private data only when the request carried a cookie and the page read a body', () => {
    expect(attackerRead({ ...base, from: 'lookalike-prefix', request: { url: '', credentials: 'include' }, observed: observed(['session']) })).toBe('private');
    expect(attackerRead({ ...base, from: 'evil', request: { url: '', credentials: 'include' }, observed: observed([]) })).toBe('without-cookie');
    expect(attackerRead({ ...base, from: 'sandboxed', request: { url: '', credentials: 'include' }, observed: observed(['session'], '') })).toBe('nothing');
    expect(attackerRead({ ...base, from: 'app', request: { url: '', credentials: 'include' }, observed: observed(['session']) })).toBe('nothing');
    expect(attackerRead({ ...base, from: 'evil', request: { url: '' }, observed: observed(['session']) })).toBe('nothing');
  });
});

describe('a request a layer in front of the handler refused', () => {
  const page = 'http://app.example.localhost:1';
  const observedWith = (answeredBy: 'app' | 'handler', status: number): Observation => {
    const actual = {
      seq: 1,
      at: 0,
      kind: 'actual' as const,
      request: { method: 'patch', target: '/s/x/items', httpVersion: '1.1', headers: [['Origin', page]] as [string, string][] },
      response: { httpVersion: '1.1', status, statusText: 'Bad Request', headers: [['Connection', 'close']] as [string, string][], complete: true },
      reachedHandler: answeredBy === 'handler',
      answeredBy,
    };
    return { result: 'blocked', preflight: null, actual: 0, exchanges: [actual], reachedHandler: actual.reachedHandler, cookiesSent: [], js: { kind: 'error', name: 'TypeError', message: 'Failed to fetch' }, messages: [], messageSupport: '', durationMs: 1 };
  };
  const explain = (observed: Observation) =>
    explainCell({ request: { url: 'http://api.example.localhost:2/s/x/items', method: 'patch' }, pageOrigin: page, from: 'app', engine: 'chromium', stack: 'express-cors', observed, expected: { result: 'blocked' }, policy: { origin: page, methods: ['patch'] }, stacks: ['express-cors'], deviations: [] })!;

  it('says that the app server answered before any handler, and fixes that rather than the CORS policy', () => {
    const x = explain(observedWith('app', 400));
    expect(x.reason).toMatch(/^the patch request got 400 from a layer in front of the handler: the app's server answered it before any handler ran/);
    expect(x.fix).toEqual({ summary: expect.stringMatching(/^make the layer that answered 400 accept this patch request/), perStack: {} });
  });

  it('leaves the reason and the fix alone when the handler itself answered the error', () => {
    const x = explain(observedWith('handler', 400));
    expect(x.reason).not.toMatch(/layer in front of the handler/);
    expect(x.fix?.summary ?? '').not.toMatch(/layer that answered/);
  });
});
