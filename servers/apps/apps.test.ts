import { afterEach, describe, expect, it } from 'vitest';
import { jsLiteral } from '../../harness/core/js-literal.ts';
import { HandlerLog } from './handler-log.ts';
import { appStackNames, stackDefinition } from './catalog.ts';
import { resolveResponse, type StartedStack } from './app-stack.ts';

const origins = { app: 'http://app.example.localhost:1', evil: 'http://evil.localhost:1', apiOrigin: 'http://api.example.localhost:2' };
let started: StartedStack[] = [];
afterEach(async () => {
  await Promise.all(started.map((s) => s.stop()));
  started = [];
});

describe('JavaScript literals in rendered code', () => {
  it.each(["it's", 'a "quote"', 'line\nbreak', '</script><script>alert(1)</script>', '${x}`', '\\'])('round-trips %j without breaking out', (text) => {
    expect(eval(jsLiteral(text))).toBe(text);
    expect(eval(`(${jsLiteral({ a: [text], 'b-c': true })})`)).toEqual({ a: [text], 'b-c': true });
  });
});

// A user's own app (server.app) renders no policy: servers/apps/own-app/own-app.test.ts tests it.
describe.each(appStackNames().filter((n) => !stackDefinition(n).ownApp))('the %s stack', (name) => {
  const stack = stackDefinition(name);

  it('renders a policy in its own idiom and serves it', async () => {
    const code = stack.render({ policy: { origin: [origins.app], methods: ['GET', 'PUT'], maxAge: 60 } });
    const handlerLog = new HandlerLog();
    const server = await stack.start({
      host: '127.0.0.1',
      mounts: [{ scenarioId: 's', prefix: '/s/s', code, response: resolveResponse(undefined) }],
      handlerLog,
      origins,
    });
    started.push(server);
    const base = `http://127.0.0.1:${server.port}/s/s/thing`;
    const preflight = await fetch(base, { method: 'OPTIONS', headers: { Origin: origins.app, 'Access-Control-Request-Method': 'PUT', 'x-corslab-exchange': '1' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origins.app);
    expect(preflight.headers.get('access-control-allow-methods')?.replace(/\s/g, '')).toBe('GET,PUT');
    expect(preflight.headers.get('access-control-max-age')).toBe('60');
    expect(handlerLog.reached(1)).toBe(false);

    const put = await fetch(base, { method: 'PUT', headers: { Origin: origins.app, 'x-corslab-exchange': '2' } });
    expect(put.status).toBe(200);
    expect(await put.text()).toBe('{"ok":true}');
    expect(handlerLog.reached(2)).toBe(true);

    const evil = await fetch(base, { headers: { Origin: origins.evil } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps a scenario whose setup throws apart from the others', async () => {
    const code = stack.render({});
    const server = await stack.start({
      host: '127.0.0.1',
      mounts: [
        { scenarioId: 'bad', prefix: '/s/bad', code: "throw new Error('boom')", response: resolveResponse(undefined) },
        { scenarioId: 'good', prefix: '/s/good', code, response: resolveResponse({ status: 201, body: 'made' }) },
      ],
      handlerLog: new HandlerLog(),
      origins,
    });
    started.push(server);
    expect(server.setupErrors.get('bad')).toMatch(/boom/);
    const good = await fetch(`http://127.0.0.1:${server.port}/s/good/x`, { method: 'POST' });
    expect(good.status).toBe(201);
    expect(await good.text()).toBe('made');
  });
});
