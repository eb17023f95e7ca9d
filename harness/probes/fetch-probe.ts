import { defaults } from '../config/defaults.ts';
import { jsLiteral } from '../core/js-literal.ts';
import { againFetch, type FetchSpec, type Probe } from '../core/format.ts';
import type { PageOriginName } from '../core/names.ts';

/**
 * Adds the cell's token to a URL. Every cell gets its own URLs, so nothing one
 * cell leaves behind (a cached preflight, keyed by origin, URL and credentials
 * mode: https://fetch.spec.whatwg.org/#cors-preflight-cache; an HTTP-cached
 * response) can answer for another.
 */
export function withCellToken(url: string, token: string): string {
  const hash = url.indexOf('#');
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}${defaults.cellParam}=${token}${fragment}`;
}

/**
 * The token of a cell's control request (see controlCode). Cell tokens are
 * hex digits then a counter, so one that starts `ctl` is never a cell's.
 */
export function controlToken(token: string): string {
  return `ctl${token}`;
}

/** The token of the control the harness makes itself through the lab's mapping proxy (harness/run/cell.ts). */
export function proxyControlToken(token: string): string {
  return controlToken(`p${token}`);
}

/**
 * The control request the page makes right after a probe that rejected with
 * nothing on the wire: the same URL (under the control's own token) as a
 * no-cors GET without credentials, which any conforming browser sends, so
 * its arrival at the recorder shows the connection to the API works. It
 * carries no cookie and stores none.
 */
export function controlCode(url: string): string {
  return `fetch(${jsLiteral(url)}, { mode: 'no-cors', credentials: 'omit' })`;
}

export interface ProbeCodeOptions {
  from?: PageOriginName;
  again?: Probe['again'];
}

/**
 * The probe as the page runs it, and as the report shows it: an expression
 * giving a Promise of what JavaScript read. A plain fetch() call; from a
 * sandboxed frame, the same call made inside one; with `again`, the request
 * twice (the second with `again`'s URL, credentials mode or headers, if it
 * gives any), the second answer being what the probe reads.
 */
export function fetchCode(spec: FetchSpec, url: string, options: ProbeCodeOptions = {}): string {
  const request = (call: FetchSpec, target: string) => {
    const code = plainFetch(call, target);
    return options.from === 'sandboxed' ? inSandboxedFrame(code) : code;
  };
  const { again } = options;
  if (!again) return request(spec, url);
  // The second call differs from the first only where `again` says so.
  const second = againFetch(spec, again);
  const secondUrl = again.url ?? url;
  const same = secondUrl === url && second.credentials === spec.credentials && second.headers === spec.headers;
  const lines = ['(async () => {', `  const request = () => ${indent(request(spec, url), 2)};`];
  if (!same) lines.push(`  const requestAgain = () => ${indent(request(second, secondUrl), 2)};`);
  lines.push(
    '  // The first answer fills the preflight cache (if the server allows it); this probe reads the second.',
    '  await request().then((first) => first.text(), () => undefined);',
    `  await new Promise((resolve) => setTimeout(resolve, ${Math.trunc(again.afterMs)}));`,
    `  return ${same ? 'request' : 'requestAgain'}();`,
    '})()',
  );
  return lines.join('\n');
}

/**
 * `fetch(url, init)`, written as a person would. Headers given as pairs are
 * appended one by one to a Headers object (a name given twice is combined by
 * the browser, https://fetch.spec.whatwg.org/#concept-header-list-append), and
 * a FormData is filled field by field, so those two need a few statements
 * first: the call is then the last line of an arrow function called at once,
 * which returns fetch()'s own promise.
 */
function plainFetch(spec: FetchSpec, url: string): string {
  const statements: string[] = [];
  let headers: string | undefined;
  if (Array.isArray(spec.headers)) {
    statements.push('const headers = new Headers();', ...spec.headers.map(([name, value]) => `headers.append(${jsLiteral(name)}, ${jsLiteral(value)});`));
    headers = 'headers';
  } else if (spec.headers !== undefined) {
    headers = jsLiteral(spec.headers);
  }
  let body: string | undefined;
  const given = spec.body;
  if (typeof given === 'string') body = jsLiteral(given);
  else if (given && 'urlSearchParams' in given) body = `new URLSearchParams(${jsLiteral(given.urlSearchParams)})`;
  else if (given && 'blob' in given) body = `new Blob([${jsLiteral(given.blob.text)}]${given.blob.type !== undefined ? `, { type: ${jsLiteral(given.blob.type)} }` : ''})`;
  else if (given && 'formData' in given) {
    statements.push('const body = new FormData();', ...Object.entries(given.formData).map(([name, value]) => `body.append(${jsLiteral(name)}, ${jsLiteral(value)});`));
    body = 'body';
  }
  const init: [string, string | undefined][] = [
    ['method', spec.method === undefined ? undefined : jsLiteral(spec.method)],
    ['headers', headers],
    ['body', body],
    ['mode', spec.mode === undefined ? undefined : jsLiteral(spec.mode)],
    ['credentials', spec.credentials === undefined ? undefined : jsLiteral(spec.credentials)],
  ];
  const fields = init.filter((f): f is [string, string] => f[1] !== undefined);
  // `headers: headers` is written the short way, as people do.
  const call = fields.length === 0 ? `fetch(${jsLiteral(url)})` : `fetch(${jsLiteral(url)}, {\n${fields.map(([k, v]) => (k === v ? `  ${k},` : `  ${k}: ${v},`)).join('\n')}\n})`;
  if (statements.length === 0) return call;
  return ['(() => {', ...statements.map((line) => `  ${line}`), `  return ${indent(call, 2)};`, '})()'].join('\n');
}

/**
 * The call made from a sandboxed iframe (scripts allowed, same-origin not):
 * its origin is opaque, so its requests carry `Origin: null`
 * (https://html.spec.whatwg.org/#sandboxed-origin-browsing-context-flag). The
 * frame posts back what its JavaScript could read; the parent hands it on in
 * the shape of a Response, so the probe runner reads it like any other.
 */
function inSandboxedFrame(call: string): string {
  const inner = [
    // The frame says it is ready and makes its request on the page's go-ahead (see below).
    "addEventListener('message', function go(event) {",
    "  if (event.source !== parent || event.data !== 'corslab:go') return;",
    "  removeEventListener('message', go);",
    `  ${indent(call, 2)}.then(async (response) => {`,
    '    const headers = [];',
    '    response.headers.forEach((value, name) => headers.push([name, value]));',
    "    const body = await response.text().catch(() => '');",
    "    parent.postMessage({ type: response.type, status: response.status, statusText: response.statusText, headers, body }, '*');",
    "  }, (error) => parent.postMessage({ error: { name: error.name, message: error.message } }, '*'));",
    '});',
    "parent.postMessage('corslab:ready', '*');",
  ].join('\n');
  // Inside srcdoc the script is HTML first: no `</` may end it early.
  const script = `<script>${inner.replaceAll('</', '<\\/')}</` + 'script>';
  return [
    'new Promise((resolve, reject) => {',
    "  const frame = document.createElement('iframe');",
    "  frame.sandbox = 'allow-scripts';",
    '  const listen = (event) => {',
    '    if (event.source !== frame.contentWindow) return;',
    "    if (event.data === 'corslab:ready') {",
    // Chromium runs a sandboxed frame in a process of its own, a DevTools target the harness must
    // attach to before the request, or the engine's structured CORS reason for it is lost; the
    // Chromium page defines corslabFrameReady to wait for that. Other engines define nothing.
    "      Promise.resolve(typeof corslabFrameReady === 'function' ? corslabFrameReady() : undefined)",
    "        .catch(() => undefined).then(() => frame.contentWindow?.postMessage('corslab:go', '*'));",
    '      return;',
    '    }',
    "    removeEventListener('message', listen);",
    '    frame.remove();',
    '    const read = event.data;',
    '    if (read.error) reject(Object.assign(new Error(read.error.message), { name: read.error.name }));',
    '    else resolve({ ...read, headers: new Map(read.headers), text: async () => read.body });',
    '  };',
    "  addEventListener('message', listen);",
    `  frame.srcdoc = ${jsLiteral(script)};`,
    '  document.body.append(frame);',
    '})',
  ].join('\n');
}

function indent(code: string, spaces: number): string {
  return code.replaceAll('\n', `\n${' '.repeat(spaces)}`);
}
