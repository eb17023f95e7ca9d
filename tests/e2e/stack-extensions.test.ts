/**
 * A stack and a proxy added through the catalogs alone, the way a new one
 * would be: a definition and a registration, and nothing else in the
 * harness (engines and reporters: extensions.test.ts). The stack is CORS by
 * hand on node:http, the proxy a relay in this process that adds a header;
 * both are throwaway. Planning, validation, the scenario schema, the CLI's
 * lists, the fixes and a run in Chromium take them in.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeServer, listenOnFreePort } from '../../harness/system/listen.ts';
import { parseScenario } from '../../harness/scenarios/load.ts';
import { planCells, stacksFor } from '../../harness/plan/plan.ts';
import { runLab } from '../../harness/run/run.ts';
import { main } from '../../harness/cli/main.ts';
import { appStackNames, registerAppStack, stackDefinition } from '../../servers/apps/catalog.ts';
import { proxyNames, registerProxy } from '../../servers/proxies/catalog.ts';
import { proxySetupSchema, type ConfigLine, type ProxyDefinition, type ProxySetup } from '../../servers/proxies/proxy.ts';
import { HandlerLog } from '../../servers/apps/handler-log.ts';
import { resolveResponse, type StackDefinition } from '../../servers/apps/app-stack.ts';
import { stackNames } from '../../servers/labels.ts';
import type { Policy, Scenario } from '../../harness/core/format.ts';
import { headerValues } from './helpers.ts';

/** The throwaway stack's own part of a scenario: headers every answer carries. */
interface NodeHttpSetup {
  headers?: Record<string, string>;
}

/** What the stack renders and then serves: the setup as JSON, so what the report shows is what runs. */
interface Rendered {
  policy: Policy | null;
  headers: Record<string, string>;
}

function corsHeaders(policy: Policy, req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin ?? '';
  const headers: Record<string, string> = {};
  const allowed = policy.origin === '*' ? '*' : policy.origin === 'reflect' || [policy.origin].flat().includes(origin) ? origin : undefined;
  if (allowed) headers['Access-Control-Allow-Origin'] = allowed;
  if (policy.credentials) headers['Access-Control-Allow-Credentials'] = 'true';
  if (policy.exposedHeaders?.length) headers['Access-Control-Expose-Headers'] = policy.exposedHeaders.join(', ');
  if (req.method === 'OPTIONS') {
    headers['Access-Control-Allow-Methods'] = (policy.methods ?? ['GET', 'HEAD', 'POST']).join(', ');
    const requested = req.headers['access-control-request-headers'];
    const allowedHeaders = policy.allowedHeaders?.join(', ') ?? requested;
    if (allowedHeaders) headers['Access-Control-Allow-Headers'] = allowedHeaders;
    if (policy.maxAge !== undefined) headers['Access-Control-Max-Age'] = String(policy.maxAge);
  }
  return headers;
}

const nodeHttp: StackDefinition<NodeHttpSetup> = {
  name: 'node-http',
  label: 'node:http (a test stack)',
  packages: [],
  setupSchema: {
    property: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'A throwaway stack: headers every answer carries.',
      properties: { headers: { $ref: '#/definitions/headers', description: 'Headers every answer carries.' } },
    },
  },
  render: ({ policy, raw }) => JSON.stringify({ policy: policy ?? null, headers: raw?.headers ?? {} } satisfies Rendered),
  renderPolicy: (policy) => JSON.stringify({ policy }),
  preflightFirst: '// answer OPTIONS before anything checks credentials',
  async start(options) {
    const mounts = options.mounts.map((m) => ({ ...m, response: resolveResponse(m.response), rendered: JSON.parse(m.code) as Rendered }));
    const server = createServer(async (req, res) => {
      const mount = mounts.find((m) => req.url?.startsWith(`${m.prefix}/`));
      if (!mount) return void res.writeHead(404).end();
      const { policy, headers } = mount.rendered;
      const cors = policy ? corsHeaders(policy, req) : {};
      if (policy && req.method === 'OPTIONS') return void res.writeHead(204, { ...headers, ...cors }).end();
      await options.handlerLog.mark(req.headers);
      res.writeHead(mount.response.status, { ...mount.response.headers, ...headers, ...cors }).end(mount.response.body);
    });
    const port = await listenOnFreePort(server, options.host, options.port);
    return { port, setupErrors: new Map(), stop: () => closeServer(server) };
  },
};

/** One line of the relay's config: where it listens, where it forwards, the headers it adds to every answer. */
interface RelayLine {
  listen: number;
  upstream: number;
  headers: Record<string, string>;
}

/** The relay's snippets: `header Name: value` lines, at the location level only. */
const HEADER_LINE = /^header ([!#$%&'*+.^_`|~0-9A-Za-z-]+): ([^\r\n]*)$/;

function relayConfig(input: { setup: ProxySetup; servers: { listenPort: number; upstreamPort: number }[] }): ConfigLine[] {
  const headers = Object.fromEntries(
    (input.setup.location ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => HEADER_LINE.exec(line)!.slice(1, 3) as [string, string]),
  );
  return input.servers.map((s) => ({ text: JSON.stringify({ listen: s.listenPort, upstream: s.upstreamPort, headers } satisfies RelayLine) }));
}

function startRelay(line: RelayLine): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: line.upstream, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...line.headers });
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return listenOnFreePort(server, '127.0.0.1', line.listen).then(() => server);
}

const relay: ProxyDefinition = {
  name: 'relay',
  label: 'Relay (a test proxy)',
  setupSchema: proxySetupSchema(
    { name: 'relay', label: 'the relay' },
    { description: 'A throwaway proxy in this process.', http: 'Not used.', server: 'Not used.', location: 'Lines `header Name: value`, added to every answer.' },
  ),
  locate: async () => ({ available: true, executable: process.execPath, version: '0.0.1' }),
  lint: (snippet, level) =>
    snippet.split('\n').flatMap((line, i) => (level === 'location' && HEADER_LINE.test(line) ? [] : [{ line: i, message: `the relay takes only \`header Name: value\` lines in location, not ${JSON.stringify(line)}` }])),
  unsafeValue: (value) => (/[\r\n]/.test(value) ? 'a line break' : undefined),
  config: relayConfig,
  display: (input) => input.setup.location ?? '',
  renderPolicy: (policy) => `header Access-Control-Allow-Origin: ${[policy.origin].flat()[0]}`,
  preflightFirst: '# answer OPTIONS before anything checks credentials',
  image: { defaultImage: 'relay:1', findExecutable: 'command -v node', executableNames: 'node', version: () => '0.0.1' },
  test: async (_executable, _dir, lines) => lines.flatMap((l, i) => (JSON.parse(l.text) ? [] : [{ line: i + 1, message: 'not a relay line' }])),
  foreground: async (executable) => [executable, '--version'],
  async start(_executable, _dir, lines) {
    const servers = await Promise.all(lines.map((l) => startRelay(JSON.parse(l.text) as RelayLine)));
    return { stop: async () => void (await Promise.all(servers.map(closeServer))) };
  },
};

const scenarioText = {
  policy: `title: A PUT is preflighted, and the policy lets it through
lesson: Every stack renders the policy in its own way.
server:
  policy: { origin: "{app}", methods: [PUT] }
probes:
  - fetch: { url: "{api}/items", method: PUT }
    expect: { preflight: true, reachedHandler: true, result: allowed, status: 200 }
`,
  raw: `title: The throwaway stack's own setup allows the app's page
lesson: Raw setup for one stack runs on that stack only.
server:
  node-http: { headers: { Access-Control-Allow-Origin: "{app}" } }
probes:
  - fetch: { url: "{api}/items" }
    expect: { preflight: false, reachedHandler: true, result: allowed }
`,
  proxied: `title: Behind the relay, the app's answer goes through with the relay's header
lesson: A proxy added through the catalog stands in front of an app stack.
server:
  policy: { origin: "{app}" }
  relay: { location: "header X-Relayed: yes", apps: [node-http] }
probes:
  - fetch: { url: "{api}/items" }
    expect: { reachedHandler: true, result: allowed, status: 200 }
`,
};

async function parse(name: keyof typeof scenarioText): Promise<{ scenario?: Scenario; messages: string[] }> {
  const { scenario, problems } = await parseScenario(scenarioText[name], `tests/fixtures/extension/${name}.yaml`, 'tests/fixtures');
  return { ...(scenario ? { scenario } : {}), messages: problems.map((p) => `${p.field}  ${p.message}`) };
}

describe('before a stack is registered', () => {
  it('its setup is an unknown stack', async () => {
    expect((await parse('raw')).messages).toEqual([expect.stringMatching(/^server\.node-http {2}unknown stack or field `node-http`/)]);
    expect(appStackNames()).not.toContain('node-http');
  });
});

describe('a stack and a proxy registered through the catalogs', () => {
  const unregister: (() => void)[] = [];
  beforeAll(() => {
    unregister.push(registerAppStack(nodeHttp), registerProxy(relay));
  });
  afterAll(() => {
    for (const undo of unregister) undo();
    expect(appStackNames()).not.toContain('node-http');
    expect(proxyNames()).not.toContain('relay');
  });

  it('are in the lists: app stacks, proxies and the matrix columns', () => {
    expect(appStackNames().at(-1)).toBe('node-http');
    expect(proxyNames().at(-1)).toBe('relay');
    expect(stackNames()).toEqual(expect.arrayContaining(['node-http', 'nginx>node-http', 'relay>express-cors', 'relay>node-http']));
  });

  it('give their fixes in their own idiom, in corslab explain', async () => {
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const code = await main(['explain', '--origin', 'https://app.example.com', '--url', 'https://api.example.com/items', '--stack', 'node-http,relay>node-http']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(stdout).toContain('node:http (a test stack):\n  {"policy":{"origin":"https://app.example.com"}}\n');
    expect(stdout).toContain('Relay (a test proxy) → node:http (a test stack):\n  header Access-Control-Allow-Origin: https://app.example.com\n');
  });

  it('validation accepts their setup and refuses what their schema and lint refuse', async () => {
    expect((await parse('raw')).messages).toEqual([]);
    expect((await parse('proxied')).messages).toEqual([]);
    const wrong = await parseScenario(scenarioText.raw.replace('{ headers:', '{ header:'), 'tests/fixtures/extension/wrong.yaml', 'tests/fixtures');
    expect(wrong.problems.map((p) => `${p.field}  ${p.message}`)).toEqual(['server.node-http.header  unknown field `header`; did you mean `headers`? (allowed: headers)']);
    const notAllowed = await parseScenario(scenarioText.proxied.replace('header X-Relayed: yes', 'include /etc/passwd'), 'tests/fixtures/extension/lint.yaml', 'tests/fixtures');
    expect(notAllowed.problems.map((p) => p.message)).toEqual(['the relay takes only `header Name: value` lines in location, not "include /etc/passwd"']);
  });

  it('plans cells: a policy scenario on every app stack, the new one included, and its raw setup on it alone', async () => {
    const policy = (await parse('policy')).scenario!;
    // Every app stack but a user's own app (server.app), which runs only where a scenario names it.
    expect(stacksFor(policy)).toEqual(appStackNames().filter((n) => !stackDefinition(n).ownApp));
    expect(planCells([policy], { engines: ['chromium'], stacks: ['node-http'] }).map((c) => c.id)).toEqual(['extension/policy#0@node-http/chromium']);
    expect(stacksFor((await parse('raw')).scenario!)).toEqual(['node-http']);
    expect(stacksFor((await parse('proxied')).scenario!)).toEqual(['relay>node-http']);
  });

  it('serves: the started stack answers a preflight and the request itself', async () => {
    const stack = stackDefinition('node-http');
    const origin = 'http://app.example.localhost:1';
    const handlerLog = new HandlerLog();
    const code = stack.render({ policy: { origin, methods: ['PUT'] } });
    const server = await stack.start({ host: '127.0.0.1', mounts: [{ scenarioId: 's', prefix: '/s/s', code, response: resolveResponse(undefined) }], handlerLog, origins: { app: origin, evil: 'http://evil.localhost:1', apiOrigin: 'http://api.example.localhost:2' } });
    try {
      const url = `http://127.0.0.1:${server.port}/s/s/items`;
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'x-corslab-exchange': '1' } });
      expect([preflight.status, preflight.headers.get('access-control-allow-methods'), handlerLog.reached(1)]).toEqual([204, 'PUT', false]);
      const put = await fetch(url, { method: 'PUT', headers: { Origin: origin, 'x-corslab-exchange': '2' } });
      expect([put.status, put.headers.get('access-control-allow-origin'), await put.text(), handlerLog.reached(2)]).toEqual([200, origin, '{"ok":true}', true]);
    } finally {
      await server.stop();
    }
  });

  it('run in Chromium: alone and behind the relay, every cell as expected', async () => {
    const scenarios = await Promise.all((['policy', 'raw', 'proxied'] as const).map(async (name) => (await parse(name)).scenario!));
    const results = await runLab({ scenarios, engines: ['chromium'], stacks: ['node-http', 'relay>node-http'], reporters: [], requireEngines: true, requireStacks: true });
    expect(results.cells.map((c) => [c.id, c.verdict, c.error])).toEqual([
      ['extension/policy#0@node-http/chromium', 'pass', undefined],
      ['extension/raw#0@node-http/chromium', 'pass', undefined],
      ['extension/proxied#0@relay>node-http/chromium', 'pass', undefined],
    ]);
    const proxied = results.cells.find((c) => c.stack === 'relay>node-http')!;
    const actual = proxied.observed!.exchanges.find((e) => e.kind === 'actual')!;
    expect(headerValues(actual.response?.headers, 'X-Relayed')).toEqual(['yes']);
    expect(actual.appHop).toBeDefined();
    expect(results.environment.stacks.map((s) => [s.name, s.label])).toEqual([
      ['node-http', 'node:http (a test stack)'],
      ['relay>node-http', 'Relay (a test proxy) → node:http (a test stack)'],
    ]);
  });
});
