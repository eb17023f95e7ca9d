import { describe, expect, it } from 'vitest';
import { observe, type ControlRequest, type ObserveInput } from './observe.ts';
import type { FetchSpec } from '../core/format.ts';
import type { Exchange, JsOutcome } from '../results/types.ts';

const APP = 'http://app.example.localhost:4000';
const API = 'http://api.example.localhost:4001';

const exchange = (kind: Exchange['kind'], method: string, status: number, token = 'abc'): Exchange => ({
  seq: 1,
  at: 0,
  kind,
  request: { method, target: `/s/x/items?corslab_cell=${token}`, httpVersion: '1.1', headers: [['Host', 'api']] },
  response: { httpVersion: '1.1', status, statusText: '', headers: [], complete: true },
  reachedHandler: kind === 'actual',
});
const typeError = (message: string, atOnce: boolean): JsOutcome => ({ kind: 'error', name: 'TypeError', message, atOnce });
const control = (reached: boolean): ControlRequest => ({
  url: `${API}/s/x/items?corslab_cell=ctlabc`,
  code: `fetch('${API}/s/x/items?corslab_cell=ctlabc', { mode: 'no-cors', credentials: 'omit' })`,
  js: reached ? { kind: 'response', type: 'opaque', status: 0, statusText: '', headers: [], body: '', bodyTruncated: false } : typeError('Load failed', false),
  exchanges: reached ? [exchange('actual', 'GET', 200, 'ctlabc')] : [],
});
const input = (js: JsOutcome, spec: FetchSpec, over: Partial<ObserveInput> = {}): ObserveInput => ({
  js,
  messages: [],
  messageSupport: '',
  exchanges: [],
  durationMs: 1,
  request: { spec, pageOrigin: APP },
  ...over,
});
const noCorsPut: FetchSpec = { url: `${API}/s/x/items`, method: 'PUT', mode: 'no-cors' };
const sameOriginMode: FetchSpec = { url: `${API}/s/x/items`, mode: 'same-origin' };
const plainGet: FetchSpec = { url: `${API}/s/x/items` };

describe('a request the browser refused before sending it', () => {
  it('is blocked and not sent when fetch() rejected with a TypeError at once and nothing reached the wire', () => {
    const { observation, error } = observe(input(typeError("Failed to execute 'fetch' on 'Window': 'PUT' is unsupported in no-cors mode.", true), noCorsPut));
    expect(error).toBeUndefined();
    expect(observation.result).toBe('blocked');
    expect(observation.notSent).toMatchObject({ rejectedAtOnce: true, reason: 'TypeError before sending: mode `no-cors` only allows `GET`, `HEAD` or `POST`, not `PUT`' });
    expect(observation.notSent!.evidence).toContain('the promise fetch() returned was already rejected when it returned: the browser refused the request before any network activity');
  });

  it('is not sent when the rejection came later but a control request right after reached the API and the standard refuses the request', () => {
    const { observation, error } = observe(input(typeError('Load failed', false), sameOriginMode, { control: control(true) }));
    expect(error).toBeUndefined();
    expect(observation.result).toBe('blocked');
    expect(observation.notSent).toMatchObject({ rejectedAtOnce: false, control: { reached: true, status: 200 } });
    expect(observation.notSent!.reason).toMatch(/^blocked before sending: mode `same-origin` refuses/);
    expect(observation.notSent!.evidence.some((line) => line.startsWith('a control request right after to the same URL'))).toBe(true);
  });

  it('keeps the engine\'s own words with the evidence', () => {
    const messages = [{ source: 'console' as const, text: 'Fetch API cannot load http://api… Request mode is "same-origin" but the URL\'s origin is not same as the request origin' }];
    const { observation } = observe(input(typeError('Failed to fetch', true), sameOriginMode, { messages }));
    expect(observation.notSent!.evidence).toContain(`the engine said: ${messages[0]!.text}`);
  });

  it('is not sent, in the engine\'s own words, when the rejection was there at once although the standard would send it', () => {
    const { observation } = observe(input(typeError('refused for reasons of its own', true), plainGet));
    expect(observation.notSent).toMatchObject({ reason: 'the browser refused it before sending: TypeError: refused for reasons of its own', rejectedAtOnce: true });
  });
});

describe('a silent rejection that proves nothing', () => {
  it('is an error when even the control request did not reach the API: the connection failed', () => {
    const { observation, error } = observe(input(typeError('Load failed', false), sameOriginMode, { control: control(false) }));
    expect(observation.result).toBeUndefined();
    expect(observation.notSent).toBeUndefined();
    expect(error).toMatch(/not even a control request .* the connection to the API failed, which says nothing about CORS/);
  });

  it('is an error when the control got through but the standard says the request is sent', () => {
    const { observation, error } = observe(input(typeError('Load failed', false), plainGet, { control: control(true) }));
    expect(observation.result).toBeUndefined();
    expect(error).toMatch(/the model of the Fetch standard says this request is sent/);
  });

  it('is an error without a control request, as before', () => {
    const { error } = observe(input(typeError('Failed to fetch', false), sameOriginMode));
    expect(error).toMatch(/cannot tell a CORS block from a failed connection/);
  });

  it('is an error when what was thrown at once is not a TypeError', () => {
    const { observation, error } = observe(input({ kind: 'error', name: 'SyntaxError', message: 'Unexpected token', atOnce: true }, plainGet));
    expect(observation.result).toBeUndefined();
    expect(error).toMatch(/not a network error/);
  });
});

describe('a rejection with the answer on the wire', () => {
  it('is blocked and was sent: the wire shows it, so nothing says "not sent"', () => {
    const { observation } = observe(input(typeError('Failed to fetch', false), plainGet, { exchanges: [exchange('actual', 'GET', 200)] }));
    expect(observation.result).toBe('blocked');
    expect(observation.notSent).toBeUndefined();
  });

  it('is still not sent when all the wire saw was the harness\'s own warm-up, which is not the browser\'s', () => {
    const { observation } = observe(input(typeError("'PUT' is unsupported in no-cors mode.", true), noCorsPut, { exchanges: [exchange('setup', 'GET', 200)] }));
    expect(observation.notSent).toMatchObject({ rejectedAtOnce: true });
  });
});

describe('the exchanges of an observation', () => {
  it('are stored once: the preflight and the actual request are indexes into `exchanges` (with `again`, the later actual)', () => {
    const response: JsOutcome = { kind: 'response', type: 'cors', status: 200, statusText: 'OK', headers: [], body: '', bodyTruncated: false };
    const exchanges = [exchange('setup', 'GET', 200), exchange('preflight', 'OPTIONS', 204), exchange('actual', 'PUT', 200), exchange('actual', 'PUT', 200)];
    const { observation } = observe(input(response, plainGet, { exchanges }));
    expect(observation).toMatchObject({ preflight: 1, actual: 3 });
    expect(JSON.stringify(observation).split('"OPTIONS"')).toHaveLength(2);
  });

  it('names no preflight and no actual request with null, and the first exchange with 0', () => {
    const response: JsOutcome = { kind: 'response', type: 'cors', status: 200, statusText: 'OK', headers: [], body: '', bodyTruncated: false };
    expect(observe(input(response, plainGet, { exchanges: [exchange('actual', 'GET', 200)] })).observation).toMatchObject({ preflight: null, actual: 0 });
    expect(observe(input(typeError('Failed to fetch', true), noCorsPut)).observation).toMatchObject({ preflight: null, actual: null });
  });
});

describe('a request to a declared http origin that neither the page nor its control sent', () => {
  const viaProxy = (reached: boolean): ControlRequest => ({ ...control(reached), code: "GET … through the lab's mapping proxy, made by the harness itself" });
  it('is not sent when the harness reached the API through the mapping proxy, the only way from the browser', () => {
    const { observation, error } = observe(input(typeError('Load failed', false), plainGet, { control: control(false), proxyControl: viaProxy(true) }));
    expect(error).toBeUndefined();
    expect(observation.result).toBe('blocked');
    expect(observation.notSent!.reason).toMatch(/^the engine refused to send it, and did not say why/);
    expect(observation.notSent!.evidence.some((line) => line.includes("through the lab's mapping proxy") && line.includes('reached the API'))).toBe(true);
  });
  it('is an error when the harness could not reach it through the proxy either', () => {
    const { observation, error } = observe(input(typeError('Load failed', false), plainGet, { control: control(false), proxyControl: viaProxy(false) }));
    expect(observation.result).toBeUndefined();
    expect(error).toMatch(/the connection to the API failed/);
  });
});
