import { describe, expect, it } from 'vitest';
import { judge } from './judge.ts';
import { observe } from '../observations/observe.ts';
import type { EngineMessage, Exchange, JsOutcome } from '../results/types.ts';

const exchange = (kind: Exchange['kind'], over: Partial<Exchange> = {}): Exchange => ({
  seq: 1,
  at: 0,
  kind,
  request: { method: kind === 'preflight' ? 'OPTIONS' : 'GET', target: '/x', httpVersion: '1.1', headers: [] },
  response: { httpVersion: '1.1', status: 200, statusText: 'OK', headers: [['X-Secret', '1']], complete: true },
  reachedHandler: kind === 'actual',
  ...over,
});
const typeError: JsOutcome = { kind: 'error', name: 'TypeError', message: 'Failed to fetch' };
const response = (headers: [string, string][] = []): JsOutcome => ({ kind: 'response', type: 'cors', status: 200, statusText: 'OK', headers, body: '{"ok":true}', bodyTruncated: false });
const run = (js: JsOutcome, exchanges: Exchange[], messages: EngineMessage[] = []) =>
  observe({ js, exchanges, messages, messageSupport: 'test', durationMs: 1 });

describe('observing a cell', () => {
  it('calls a rejected fetch blocked when the server answer was delivered in full', () => {
    expect(run(typeError, [exchange('actual')]).observation.result).toBe('blocked');
  });

  it('calls a rejected fetch blocked when only the preflight went out and was answered', () => {
    const { observation } = run(typeError, [exchange('preflight')]);
    expect(observation).toMatchObject({ result: 'blocked', actual: null, reachedHandler: false });
  });

  it('calls a rejection with nothing on the wire an error, unless the engine named a CORS reason', () => {
    expect(run(typeError, []).error).toMatch(/cannot tell a CORS block from a failed connection/);
    const named = run(typeError, [], [{ source: 'devtools', text: 'x', corsError: 'InvalidResponse' }]);
    expect(named.error).toBeUndefined();
    expect(named.observation.result).toBe('blocked');
  });

  it('calls a timeout an error, never blocked', () => {
    const { observation, error } = run({ kind: 'timeout', afterMs: 100 }, [exchange('actual', { response: undefined })]);
    expect(error).toMatch(/no answer within 100 ms/);
    expect(observation.result).toBeUndefined();
  });

  it('calls an app that could not be reached an error, even if the page saw a TypeError', () => {
    const { error } = run(typeError, [exchange('actual', { response: undefined, upstreamError: 'ECONNREFUSED' })]);
    expect(error).toMatch(/ECONNREFUSED/);
  });

  it('calls an exception other than a network error an error', () => {
    expect(run({ kind: 'error', name: 'SyntaxError', message: 'x' }, []).error).toMatch(/threw SyntaxError/);
  });

  it('tells an opaque response from an allowed one', () => {
    const opaque: JsOutcome = { kind: 'response', type: 'opaque', status: 0, statusText: '', headers: [], body: '', bodyTruncated: false };
    expect(run(opaque, [exchange('actual')]).observation.result).toBe('opaque');
  });
});

describe('judging a cell', () => {
  it('passes when every expected field matches, and ignores fields not expected', () => {
    const { observation } = run(response([['content-type', 'application/json']]), [exchange('actual')]);
    expect(judge({ result: 'allowed', reachedHandler: true, readable: ['Content-Type'] }, observation, undefined)).toEqual({ verdict: 'pass', differences: [] });
  });

  it('lists each difference', () => {
    const { observation } = run(typeError, [exchange('preflight')]);
    const { verdict, differences } = judge({ preflight: false, reachedHandler: true, result: 'allowed' }, observation, undefined);
    expect(verdict).toBe('fail');
    expect(differences.map((d) => d.field)).toEqual(['preflight', 'reachedHandler', 'result']);
  });

  it('does not let an unreadable header pass when the server never sent it', () => {
    const { observation } = run(response(), [exchange('actual')]);
    expect(judge({ unreadable: ['X-Secret'] }, observation, undefined).verdict).toBe('pass');
    const { differences } = judge({ unreadable: ['X-Never-Sent'] }, observation, undefined);
    expect(differences).toEqual([expect.objectContaining({ field: 'unreadable x-never-sent', observed: 'never sent by the server' })]);
  });

  it('is an error whenever the harness could not observe, whatever was expected', () => {
    const { observation, error } = run({ kind: 'timeout', afterMs: 5 }, []);
    expect(judge({ result: 'blocked' }, observation, error)).toEqual({ verdict: 'error', differences: [] });
  });
});
