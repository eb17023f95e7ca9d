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

describe('what the browser sent, per hop', () => {
  const preflight = exchange('preflight', {
    request: {
      method: 'OPTIONS',
      target: '/x',
      httpVersion: '1.1',
      headers: [['Origin', 'http://app'], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type,x-a,x-b']],
    },
  });
  const actual = exchange('actual', {
    request: {
      method: 'PUT',
      target: '/x',
      httpVersion: '1.1',
      headers: [['Origin', 'http://app'], ['Content-Type', 'multipart/form-data; boundary=----WebKitFormBoundaryQK'], ['x-dup', 'a, b'], ['Cookie', 'sid=1; theme=dark']],
    },
  });
  const observed = run(typeError, [preflight, actual]).observation;
  const fields = (sent: Parameters<typeof judge>[0]['sent']) => judge({ sent }, observed, undefined).differences.map((d) => d.field);

  it('passes when the preflight carried the method, origin and Access-Control-Request-* values expected', () => {
    expect(judge({ sent: { preflight: { method: 'OPTIONS', origin: 'http://app', requestMethod: 'PUT', requestHeaders: 'content-type,x-a,x-b' } } }, observed, undefined)).toEqual({ verdict: 'pass', differences: [] });
  });

  it('compares Access-Control-Request-Headers exactly, as the browser wrote it', () => {
    expect(judge({ sent: { preflight: { requestHeaders: 'content-type, x-a, x-b' } } }, observed, undefined).differences).toEqual([
      { field: 'sent.preflight.requestHeaders', expected: 'content-type, x-a, x-b', observed: 'content-type,x-a,x-b' },
    ]);
  });

  it('names the hop and the field of every mismatch', () => {
    expect(fields({ preflight: { requestMethod: 'put' }, actual: { method: 'POST', origin: false, headers: { absent: ['X-Dup'], present: ['X-Custom'] } } })).toEqual([
      'sent.preflight.requestMethod',
      'sent.actual.method',
      'sent.actual.origin',
      'sent.actual.headers.X-Custom',
      'sent.actual.headers.X-Dup',
    ]);
  });

  it('reads a header case-insensitively and compares its value exactly, or against a pattern', () => {
    expect(fields({ actual: { headers: { values: { 'X-Dup': 'a, b', 'content-type': { matches: '^multipart/form-data; boundary=-+\\w+$' } } } } })).toEqual([]);
    expect(fields({ actual: { headers: { values: { 'X-Dup': 'a,b' } } } })).toEqual(['sent.actual.headers.X-Dup']);
  });

  it('compares the cookies the request carried, by name, in any order', () => {
    expect(fields({ actual: { cookies: ['theme', 'sid'] } })).toEqual([]);
    expect(judge({ sent: { actual: { cookies: ['sid'] } } }, observed, undefined).differences).toEqual([{ field: 'sent.actual.cookies', expected: ['sid'], observed: ['sid', 'theme'] }]);
  });

  it('says a hop was never sent when the wire has no such exchange', () => {
    const noPreflight = run(typeError, [actual]).observation;
    expect(judge({ sent: { preflight: { requestMethod: 'PUT' } } }, noPreflight, undefined).differences).toEqual([
      { field: 'sent.preflight', expected: 'a preflight on the wire', observed: 'no preflight reached the recorder' },
    ]);
  });

  it('takes no Origin header for `origin: false`', () => {
    const noOrigin = run(response(), [exchange('actual')]).observation;
    expect(judge({ sent: { actual: { origin: false } } }, noOrigin, undefined).verdict).toBe('pass');
    expect(judge({ sent: { actual: { origin: false } } }, observed, undefined).differences).toEqual([{ field: 'sent.actual.origin', expected: 'no Origin header', observed: 'http://app' }]);
  });
});

describe('nothing sent', () => {
  const refused = observe({
    js: { kind: 'error', name: 'TypeError', message: "'PUT' is unsupported in no-cors mode.", atOnce: true },
    exchanges: [],
    messages: [],
    messageSupport: 'test',
    durationMs: 1,
  }).observation;

  it('passes `sent: false` with `result: blocked` when the browser refused the request before sending it', () => {
    expect(judge({ sent: false, result: 'blocked', preflight: false, reachedHandler: false }, refused, undefined)).toEqual({ verdict: 'pass', differences: [] });
  });

  it('fails `sent: false` when the request went out, saying what did', () => {
    const sent = run(typeError, [exchange('preflight'), exchange('actual', { request: { method: 'PUT', target: '/s/x/items?corslab_cell=abc', httpVersion: '1.1', headers: [] } })]).observation;
    expect(judge({ sent: false }, sent, undefined).differences).toEqual([
      { field: 'sent', expected: 'nothing: the browser refuses the request before sending it', observed: 'a preflight (OPTIONS), then PUT /s/x/items' },
    ]);
  });

  it('names the path of a request that came through the lab gateway in absolute form', () => {
    const sent = run(typeError, [exchange('actual', { request: { method: 'PUT', target: 'http://api.example.com/s/x/items?corslab_cell=abc', httpVersion: '1.1', headers: [] } })]).observation;
    expect(judge({ sent: false }, sent, undefined).differences).toEqual([
      { field: 'sent', expected: 'nothing: the browser refuses the request before sending it', observed: 'PUT /s/x/items' },
    ]);
  });

  it('fails an expectation of what was sent when nothing was, saying the browser refused it', () => {
    expect(judge({ sent: { actual: { method: 'PUT' } } }, refused, undefined).differences).toEqual([
      { field: 'sent.actual', expected: 'the request itself on the wire', observed: 'nothing: the browser refused the request before sending it' },
    ]);
  });
});

describe('what the server answered, per hop', () => {
  const actual = exchange('actual', {
    response: {
      httpVersion: '1.1',
      status: 400,
      statusText: 'Bad Request',
      headers: [['Content-Type', 'application/json'], ['Access-Control-Allow-Origin', '  http://app  \t ']],
      body: '{"error":"Bad Request","message":"Client Error","statusCode":400}',
      complete: true,
    },
  });
  const observed = run(typeError, [actual]).observation;

  it('passes on the status, the header values exactly as sent (whitespace kept) and the body on the wire', () => {
    const answered = { actual: { status: 400, headers: { values: { 'Access-Control-Allow-Origin': '  http://app  \t ' }, absent: ['Connection'] }, bodyContains: '"statusCode":400' } };
    expect(judge({ answered }, observed, undefined)).toEqual({ verdict: 'pass', differences: [] });
  });

  it('names the hop and the field of a mismatch', () => {
    expect(judge({ answered: { actual: { status: 200, headers: { values: { 'Access-Control-Allow-Origin': 'http://app' } }, bodyContains: 'ok' } } }, observed, undefined).differences.map((d) => d.field)).toEqual([
      'answered.actual.status',
      'answered.actual.headers.Access-Control-Allow-Origin',
      'answered.actual.body',
    ]);
  });

  it('says there was no answer to a hop that never went out', () => {
    expect(judge({ answered: { preflight: { status: 204 } } }, observed, undefined).differences).toEqual([
      { field: 'answered.preflight', expected: 'an answer on the wire', observed: 'no preflight reached the recorder' },
    ]);
  });
});
