import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.ts';
import { parseTarget, targetStackName } from '../core/target.ts';

const scenario = (server: string, expect = '{ result: allowed }') => `title: My server allows my page
lesson: Checked against the server I run.
origins: { app: "https://app.mycompany.com", api: "https://api.mycompany.com" }
server:
${server}
probes:
  - fetch: { url: "{api}/items" }
    expect: ${expect}
`;

async function problemsOf(text: string) {
  return (await parseScenario(text, 'mine/server.yaml', 'mine')).problems;
}

describe('server.url', () => {
  it('accepts a loopback http server with a port and a base path', async () => {
    const { scenario: loaded, problems } = await parseScenario(scenario('  url: http://127.0.0.1:3000/api'), 'mine/server.yaml', 'mine');
    expect(problems).toEqual([]);
    expect(loaded?.server.url).toBe('http://127.0.0.1:3000/api');
  });

  it.each([
    ['http://10.0.0.5:3000', /10\.0\.0\.5 is not this machine/],
    ['http://example.com:3000', /example\.com is not this machine/],
    ['https://127.0.0.1:3000', /is https; the lab relays to your server over plain http/],
    ['http://127.0.0.1', /names no port/],
    ['http://127.0.0.1:3000/?x=1', /query or fragment/],
    ['http://user@127.0.0.1:3000', /user info/],
    ['not a url', /is not a URL/],
  ])('refuses %s with the file, line, column and field', async (url, message) => {
    expect(await problemsOf(scenario(`  url: "${url}"`))).toEqual([{ file: 'mine/server.yaml', line: 5, column: 8, field: 'server.url', message: expect.stringMatching(message) }]);
  });

  it('refuses what only a server the lab starts has: a policy, stack code, a proxy', async () => {
    const problems = await problemsOf(scenario('  url: http://127.0.0.1:3000\n  policy: { origin: "{app}" }\n  express-cors: { code: "app.use(cors())" }'));
    expect(problems.map((p) => [p.field, p.line])).toEqual([
      ['server.policy', 6],
      ['server.express-cors', 7],
    ]);
    expect(problems[0]!.message).toMatch(/`policy` describes a server the lab starts; with server.url your own server answers/);
  });

  it('refuses an expectation about the handler, which is not known for a foreign server', async () => {
    const problems = await problemsOf(scenario('  url: http://127.0.0.1:3000', '{ result: allowed, reachedHandler: true }'));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expect.reachedHandler', line: 8, message: expect.stringMatching(/not known for a server the lab does not run/) })]);
  });

  it("refuses a warm-up, the lab's own request with a header of the lab's", async () => {
    const problems = await problemsOf(scenario('  url: http://127.0.0.1:3000', '{ result: allowed }\n    warmUp: { from: app }'));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].warmUp', line: 9, message: expect.stringMatching(/x-corslab-setup/) })]);
  });

  it('rejects nothing else when server.url is absent', async () => {
    expect(await problemsOf(scenario('  policy: { origin: "{app}" }', '{ result: allowed, reachedHandler: true }'))).toEqual([]);
  });
});

describe('parseTarget', () => {
  it('normalises the URL and names the column by host and port', () => {
    const { target } = parseTarget('http://localhost:8080/v1/');
    expect(target).toEqual({ url: 'http://localhost:8080/v1', host: 'localhost', port: 8080, basePath: '/v1' });
    expect(targetStackName(target!)).toBe('url:localhost:8080');
    expect(targetStackName(parseTarget('http://[::1]:3000').target!)).toBe('url:[::1]:3000');
    expect(parseTarget('http://127.0.0.1:80').target?.url).toBe('http://127.0.0.1:80');
  });
});
