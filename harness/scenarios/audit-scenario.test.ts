import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiOriginFor, attackerPages, AUDIT_LAB_APP, auditProblem, auditScenarioText, type AuditRequest } from './audit-scenario.ts';
import { parseScenario } from './load.ts';
import { originProblem } from '../core/origins.ts';

const request: AuditRequest = { target: 'http://127.0.0.1:3000/api/items', origins: ['https://app.mycompany.com'], credentials: true, methods: ['PUT'], headers: [['Content-Type', 'application/json']], read: ['X-Total-Count'] };

describe('the attacker battery', () => {
  it('has every class of sloppy origin check, for each allowed origin', () => {
    expect(attackerPages(['https://app.mycompany.com']).map((p) => [p.name, p.origin])).toEqual([
      ['evil', 'https://attacker.test'],
      ['sandboxed', 'null'],
      ['suffix', 'https://app.mycompany.com.attacker.test'],
      ['prefix', 'https://evilapp.mycompany.com'],
      ['dot', 'https://appxmycompany.com'],
      ['http', 'http://app.mycompany.com'],
      ['sub', 'https://x.app.mycompany.com'],
      ['sibling', 'https://evil.mycompany.com'],
      ['special', 'https://app.mycompany.com-attacker.test'],
    ]);
  });

  it('keeps a port, numbers the pages of a second origin, uses `_` over http, and never attacks from an allowed origin', () => {
    const pages = attackerPages(['http://localhost:5173', 'https://mycompany.com']);
    expect(pages.filter((p) => p.name === 'suffix' || p.name === 'special').map((p) => p.origin)).toEqual(['http://localhost.attacker.test:5173', 'http://localhost_.attacker.test:5173']);
    expect(pages.filter((p) => p.name.endsWith('2')).map((p) => p.name)).toEqual(['suffix2', 'prefix2', 'dot2', 'http2', 'sub2', 'special2']);
    expect(attackerPages(['https://app.mycompany.com', 'https://evil.mycompany.com']).some((p) => p.origin === 'https://evil.mycompany.com')).toBe(false);
  });

  it('gives only origins the lab accepts (the browser\'s serialization, not the lab\'s own names)', () => {
    for (const page of attackerPages(['https://app.mycompany.com', 'http://localhost:5173'])) if (page.name !== 'sandboxed') expect(originProblem(page.origin), page.origin).toBeUndefined();
  });
});

describe('the audit scenario', () => {
  it('is a valid scenario with server.url, the declared request expected allowed and every attacker expected blocked', async () => {
    const text = auditScenarioText(request);
    const { scenario, problems } = await parseScenario(text, 'audit.yaml', '.');
    expect(problems).toEqual([]);
    expect(scenario!.server).toEqual({ url: 'http://127.0.0.1:3000/api/items' });
    expect(scenario!.origins).toMatchObject({ app: 'https://app.mycompany.com', api: 'https://api.mycompany.com', evil: 'https://attacker.test' });
    expect(scenario!.cookies).toEqual([{ name: 'corslab_session', value: 'audit', sameSite: 'None', secure: true }]);
    const [declared, ...attackers] = scenario!.probes;
    expect(declared).toMatchObject({ fetch: { url: '{api}', method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'include' }, expect: { result: 'allowed', readable: ['X-Total-Count'] } });
    expect(attackers).toHaveLength(9);
    for (const probe of attackers) expect(probe).toMatchObject({ fetch: { method: 'PUT', credentials: 'include' }, expect: { result: 'blocked' } });
    expect(parse(text).probes.map((p: { from?: string }) => p.from ?? 'app')).toEqual(['app', 'evil', 'sandboxed', 'suffix', 'prefix', 'dot', 'http', 'sub', 'sibling', 'special']);
  });

  it('without --credentials sets no cookie, and the pages ask without credentials while the attackers still send them', async () => {
    const { scenario } = await parseScenario(auditScenarioText({ ...request, credentials: false, methods: [], headers: [], read: [] }), 'audit.yaml', '.');
    expect(scenario!.cookies).toBeUndefined();
    expect(scenario!.probes[0]!.fetch).toEqual({ url: '{api}' });
    expect(scenario!.probes[1]!.fetch).toEqual({ url: '{api}', credentials: 'include' });
  });

  it('derives the API origin from the page, and names the flag of a bad value', () => {
    expect(apiOriginFor('https://app.mycompany.com')).toBe('https://api.mycompany.com');
    expect(apiOriginFor('http://localhost:5173')).toBe('http://api.localhost:5173');
    expect(auditProblem({ ...request, origins: ['https://app.mycompany.com/'] })).toMatch(/^--origin https:\/\/app.mycompany.com\/: .*write "https:\/\/app.mycompany.com"/);
    expect(auditProblem({ ...request, target: 'http://192.168.1.2:3000' })).toMatch(/^--target: 192\.168\.1\.2 is not this machine/);
    expect(auditProblem({ ...request, methods: ['P UT'] })).toMatch(/^-X P UT: not a method token/);
    expect(auditProblem({ ...request, apiOrigin: 'https://app.mycompany.com' })).toMatch(/^--api-origin .*is one of the pages' origins/);
  });

  it('mounts an app module or an nginx.conf instead of a server the user runs, its probes at {apiOrigin} and the given path', async () => {
    const { target: _t, ...own } = request;
    const app = parse(auditScenarioText({ ...own, app: { module: '../examples/express/app.js', export: 'api' }, path: '/api/items' })) as { server: unknown; probes: { fetch: { url: string } }[] };
    expect(app.server).toEqual({ app: { module: '../examples/express/app.js', export: 'api' } });
    expect(app.probes.every((p) => p.fetch.url === '{apiOrigin}/api/items')).toBe(true);
    const nginx = parse(auditScenarioText({ ...own, nginxConf: './nginx.conf' })) as { server: unknown; probes: { fetch: { url: string } }[] };
    expect(nginx.server).toEqual({ nginx: { conf: './nginx.conf', apps: [AUDIT_LAB_APP] } });
    expect(nginx.probes[0]!.fetch.url).toBe('{apiOrigin}/');
    expect(parse(auditScenarioText({ ...own, nginxConf: './nginx.conf', app: { module: './app.js' } })).server).toEqual({ nginx: { conf: './nginx.conf' }, app: { module: './app.js' } });
  });

  it('takes exactly one of --target and --app / --nginx-conf, and --path only with the latter', () => {
    const { target: _t, ...own } = request;
    expect(auditProblem(own)).toMatch(/^--target or --app: give the server to audit/);
    expect(auditProblem({ ...request, app: { module: './app.js' } })).toMatch(/^--target: give either --target .* not both/);
    expect(auditProblem({ ...request, nginxConf: './nginx.conf' })).toMatch(/^--target: give either/);
    expect(auditProblem({ ...request, path: '/x' })).toMatch(/^--path: only with --app/);
    expect(auditProblem({ ...own, app: { module: './app.js' }, path: 'api/items' })).toMatch(/^--path api\/items: not a path/);
    expect(auditProblem({ ...own, app: { module: './app.js' }, path: '/a/../b' })).toMatch(/^--path/);
    expect(auditProblem({ ...own, app: { module: './app.js' }, path: '/api/items?page=2' })).toBeUndefined();
  });
});
