import { stringify } from 'yaml';
import { defaults } from '../config/defaults.ts';
import { parseTarget } from '../core/target.ts';
import { originProblem } from '../core/origins.ts';

/** What `corslab audit` is asked about: the user's server, the pages it must let in, and the requests they make. */
export interface AuditRequest {
  /** The server the user runs, with the path the pages fetch: `http://127.0.0.1:3000/api/items`. Or `app` / `nginxConf`. */
  target?: string;
  /** The user's app module, mounted as it is (`server.app`): its path relative to the scenario file, and its export. */
  app?: { module: string; export?: string };
  /** The user's whole nginx.conf (`server.nginx.conf`), relative to the scenario file: in front of `app`, or of the lab's handler (AUDIT_LAB_APP) without one. */
  nginxConf?: string;
  /** With `app` or `nginxConf`: the path the pages fetch on the API's origin (`/api/items`); the user's code routes it. Default `/`. */
  path?: string;
  /** The origins whose pages must be let in, in order (the first is `app`). */
  origins: readonly string[];
  /** The API's own origin as the browser sees it. Default: apiOriginFor(origins[0]). */
  apiOrigin?: string;
  /** The pages send credentials (cookies): `credentials: 'include'`, with a session cookie set on the API's host. */
  credentials: boolean;
  /** The methods the pages use, each a request of its own. Default: GET. */
  methods: readonly string[];
  /** The request headers the pages set. */
  headers: readonly [name: string, value: string][];
  /** Response headers the pages must be able to read. */
  read: readonly string[];
}

/** A page of the attacker battery: its name under `origins:` (or `sandboxed`), its origin, and what it tries. */
export interface AttackerPage {
  name: string;
  /** `null` for the sandboxed frame. */
  origin: string;
  /** What kind of attacker it is, for the probe's name and the report. */
  kind: string;
}

/** The host every cross-site attacker page lives under: `.test` is reserved, so it can never be a real site (RFC 6761 §6.2). */
export const ATTACKER_SITE = 'attacker.test';

/**
 * The attacker battery for a set of allowed origins: pages a sloppy origin
 * check lets in. An arbitrary cross-site origin and a sandboxed frame in it
 * (`Origin: null`), and for each allowed origin: the allowed host as a prefix
 * of the attacker's (`app.mycompany.com.attacker.test`: a check without an
 * end anchor, `startsWith`), as a suffix (`evilapp.mycompany.com`:
 * `endsWith`, no start anchor), with its first dot as another letter
 * (`appxmycompany.com`: an unescaped `.` in a regular expression), over http
 * when it is https (a check that ignores the scheme), an arbitrary subdomain
 * of it and a sibling under its parent domain (`x.app.mycompany.com`,
 * `evil.mycompany.com`: `*.mycompany.com` rules), and a character the URL
 * standard's host parser allows in a domain right after the allowed host
 * (`app.mycompany.com-attacker.test`: a check that only forbids a dot after
 * it, `\b` or `(?!\.)` in place of an anchor;
 * https://url.spec.whatwg.org/#forbidden-domain-code-point forbids neither
 * `-` nor `_`, but the lab's certificates name hosts in RFC 5280's syntax,
 * so `_` is used for http origins only). An attacker origin that is one of
 * the allowed ones is left out.
 */
export function attackerPages(allowed: readonly string[]): AttackerPage[] {
  const pages: AttackerPage[] = [
    { name: 'evil', origin: `https://${ATTACKER_SITE}`, kind: 'an arbitrary cross-site origin' },
    { name: 'sandboxed', origin: 'null', kind: 'a sandboxed frame (Origin: null)' },
  ];
  allowed.forEach((origin, i) => {
    const url = new URL(origin);
    const n = i === 0 ? '' : String(i + 1);
    const port = url.port ? `:${url.port}` : '';
    const scheme = url.protocol;
    const host = url.hostname;
    const isName = /[a-z]/i.test(host) && !host.startsWith('[');
    const add = (name: string, value: string, kind: string) => pages.push({ name: `${name}${n}`, origin: value, kind: `${kind} of ${origin}` });
    add('suffix', `${scheme}//${host}.${ATTACKER_SITE}${port}`, 'a look-alike with the allowed host as its prefix');
    add('prefix', `${scheme}//evil${host}${port}`, 'a look-alike with the allowed host as its suffix');
    if (isName && host.includes('.')) add('dot', `${scheme}//${host.replace('.', 'x')}${port}`, 'a look-alike with a dot as a letter (an unescaped `.`)');
    if (scheme === 'https:') add('http', `http://${host}${port}`, 'the same host over http');
    if (isName) add('sub', `${scheme}//x.${host}${port}`, 'an arbitrary subdomain');
    const labels = host.split('.');
    if (isName && labels.length >= 3) add('sibling', `${scheme}//evil.${labels.slice(1).join('.')}${port}`, 'a sibling under the parent domain');
    // The lab's certificates hold only RFC 5280's preferred name syntax (harness/system/certificates.ts), so over https the character is `-`.
    if (isName) add('special', scheme === 'https:' ? `${scheme}//${host}-${ATTACKER_SITE}${port}` : `${scheme}//${host}_.${ATTACKER_SITE}${port}`, `a look-alike with \`${scheme === 'https:' ? '-' : '_'}\` after the allowed host`);
  });
  const trusted = new Set(allowed);
  const seen = new Set<string>();
  return pages.filter((p) => !trusted.has(p.origin) && !seen.has(p.origin) && seen.add(p.origin));
}

/** The API's origin an audit gives the pages when none is named: `api.` in place of the first label of the page's host (`https://app.mycompany.com` -> `https://api.mycompany.com`). */
export function apiOriginFor(page: string): string {
  const url = new URL(page);
  const labels = url.hostname.split('.');
  const host = labels.length >= 3 ? ['api', ...labels.slice(1)].join('.') : `api.${url.hostname}`;
  const candidate = `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`;
  return candidate === page ? `${url.protocol}//api.${url.host}` : candidate;
}

/** Why the request cannot be audited (a problem names its flag), or undefined. */
export function auditProblem(request: AuditRequest): string | undefined {
  const own = request.app !== undefined || request.nginxConf !== undefined;
  if (request.target !== undefined && own) return `--target: give either --target (a server you run) or --app / --nginx-conf (your code, which the lab runs), not both`;
  if (request.target === undefined && !own) return '--target or --app: give the server to audit: --target http://127.0.0.1:3000/api/items (a server you run), or --app ./app.js --path /api/items (your app module), or --nginx-conf ./nginx.conf';
  if (request.target !== undefined) {
    const target = parseTarget(request.target);
    if (target.problem) return `--target: ${target.problem}`;
    if (request.path !== undefined) return '--path: only with --app or --nginx-conf; with --target, the path is part of the URL';
  }
  if (request.path !== undefined && !AUDIT_PATH.test(request.path)) return `--path ${request.path}: not a path the browser sends as it is: start with /, no query, fragment, space or . segment`;
  if (request.origins.length === 0) return '--origin: give the origin of at least one page that must be let in (--origin https://app.mycompany.com)';
  for (const origin of request.origins) {
    const problem = originProblem(origin);
    if (problem) return `--origin ${origin}: ${problem}`;
  }
  if (request.apiOrigin !== undefined) {
    const problem = originProblem(request.apiOrigin);
    if (problem) return `--api-origin ${request.apiOrigin}: ${problem}`;
    if (request.origins.includes(request.apiOrigin)) return `--api-origin ${request.apiOrigin}: is one of the pages' origins; a same-origin request needs no CORS`;
  }
  for (const method of request.methods) if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) return `-X ${method}: not a method token (RFC 9110 §9.1)`;
  return undefined;
}

/**
 * The scenario an audit runs, as YAML: what `--save` writes, and what the
 * audit itself loads (so the saved file is exactly what ran). Its probes:
 * each page's requests as declared, expected allowed and readable as asked;
 * then the attacker battery, each page making the first declared request
 * with credentials, expected blocked. With `credentials`, a session cookie
 * is set on the API's host first, so an attacker page that reads a response
 * read one made with the user's cookie.
 */
export function auditScenarioText(request: AuditRequest): string {
  const target = request.target !== undefined ? parseTarget(request.target).target : undefined;
  const server = auditServer(request, target);
  // A server the user runs is relayed to at its base path (`{api}`); the user's own code routes its own paths below the API's origin.
  const url = target ? '{api}' : `{apiOrigin}${request.path ?? '/'}`;
  const api = request.apiOrigin ?? apiOriginFor(request.origins[0]!);
  const pages = request.origins.map((origin, i) => ({ name: i === 0 ? 'app' : `app${i + 1}`, origin }));
  const attackers = attackerPages(request.origins);
  const origins: Record<string, string> = { api };
  for (const p of pages) origins[p.name] = p.origin;
  for (const a of attackers) if (a.name !== 'sandboxed') origins[a.name] = a.origin;
  const methods = request.methods.length > 0 ? request.methods : ['GET'];
  const fetchOf = (method: string, credentials: boolean) => {
    const call: Record<string, unknown> = { url };
    if (method !== 'GET') call.method = method;
    if (request.headers.length > 0) call.headers = Object.fromEntries(request.headers);
    if (!['GET', 'HEAD'].includes(method.toUpperCase())) call.body = request.headers.some(([n, v]) => n.toLowerCase() === 'content-type' && /json/i.test(v)) ? '{}' : 'corslab audit';
    if (credentials) call.credentials = 'include';
    return call;
  };
  const probes: Record<string, unknown>[] = [];
  for (const page of pages) {
    for (const method of methods) {
      probes.push({
        name: `declared: ${method} from ${page.origin}`,
        ...(page.name === 'app' ? {} : { from: page.name }),
        fetch: fetchOf(method, request.credentials),
        expect: { result: 'allowed', ...(request.read.length > 0 ? { readable: [...request.read] } : {}) },
      });
    }
  }
  for (const attacker of attackers) {
    probes.push({
      name: `attacker, ${attacker.kind}: ${methods[0]} from ${attacker.origin}`,
      from: attacker.name,
      fetch: fetchOf(methods[0]!, true),
      expect: { result: 'blocked' },
    });
  }
  const secure = api.startsWith('https:');
  const scenario = {
    title: `${server.label} lets ${request.origins.join(', ')} in and keeps attackers out`,
    lesson:
      `Written by corslab audit. The declared pages (${request.origins.join(', ')}) make their own requests to ${api}${target ? target.basePath : request.path ?? '/'}, served by ${server.served}, and must be allowed and able to read what they ask for. ` +
      `Then pages a sloppy origin check lets in (cross-site, a sandboxed frame, look-alikes, http, subdomains) make the same request with credentials, and must be blocked.`,
    sources: ['https://fetch.spec.whatwg.org/#http-cors-protocol', 'https://fetch.spec.whatwg.org/#cors-protocol-and-credentials'],
    origins,
    server: server.setup,
    ...(request.credentials ? { cookies: [{ name: 'corslab_session', value: 'audit', sameSite: secure ? 'None' : 'unset', ...(secure ? { secure: true } : {}) }] } : {}),
    probes,
  };
  return `# Written by corslab audit: run it again with \`corslab run <this file>\`${target ? ' (your server must be up)' : ''}.\n${stringify(scenario, { lineWidth: 0 })}`;
}

/** The lab's stack that answers behind a user's nginx.conf given alone (defaults.auditLabApp). */
export const AUDIT_LAB_APP = defaults.auditLabApp;

/** A path as `--path` takes it: like server.responses' keys (RESPONSE_PATH), but a query is allowed (`/api/items?page=2`). */
const AUDIT_PATH = /^(?!.*\/(?:\.|%2[Ee]){1,2}(?:\/|$|\?))\/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$/;

/** The audit's `server:` and how the audit names what it audits. */
function auditServer(request: AuditRequest, target: ReturnType<typeof parseTarget>['target']): { setup: Record<string, unknown>; label: string; served: string } {
  if (target) return { setup: { url: target.url }, label: target.url, served: `the server at ${target.url}` };
  const setup: Record<string, unknown> = {};
  const names: string[] = [];
  if (request.nginxConf !== undefined) {
    setup.nginx = { conf: request.nginxConf, ...(request.app ? {} : { apps: [AUDIT_LAB_APP] }) };
    names.push(`nginx.conf ${request.nginxConf}`);
  }
  if (request.app) {
    setup.app = { module: request.app.module, ...(request.app.export !== undefined ? { export: request.app.export } : {}) };
    names.push(`app ${request.app.module}${request.app.export ? `:${request.app.export}` : ''}`);
  }
  const label = names.join(' in front of ');
  return { setup, label, served: request.app ? `your ${label}` : `your ${label} in front of the lab's handler` };
}
