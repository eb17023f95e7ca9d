/**
 * What a user's app module can export, and how each is recognised. Pure: no
 * framework is loaded here (detection looks at the value's shape only).
 */

/** `server.app` as a scenario writes it. */
export interface OwnAppSetup {
  module: string;
  export?: string;
  kind?: OwnAppKind;
}

export const OWN_APP_KINDS = ['express', 'router', 'fastify', 'fastify-plugin', 'handler', 'server', 'factory'] as const;
export type OwnAppKind = (typeof OWN_APP_KINDS)[number];

export const KIND_LABELS: Record<OwnAppKind, string> = {
  express: 'an Express app',
  router: 'an Express router',
  fastify: 'a Fastify instance',
  'fastify-plugin': 'a Fastify plugin',
  handler: 'a Node (req, res) handler',
  server: 'an http.Server',
  factory: 'a factory (called with no arguments)',
};

type Fn = ((...args: unknown[]) => unknown) & Record<string | symbol, unknown>;

/**
 * What an export is, by its shape:
 * - an http.Server (`isHttpServer`: a net.Server with `setTimeout` and `maxHeadersCount`, as node:http makes);
 * - a Fastify instance: an object with `register`, `listen`, `inject` and `server`;
 * - an Express app: a function with `handle`, `set` and `listen`; a router: one with `handle`, `use` and a `stack` array;
 * - a Fastify plugin: a function marked by fastify-plugin (`Symbol.for('skip-override')`), an async
 *   function, or one of three parameters `(fastify, opts, done)`: Fastify awaits a plugin or waits for `done`;
 * - a function of no parameters: a factory, called once, whose result is detected in turn;
 * - any other function: a Node request handler `(req, res)`.
 * An async `(req, res)` handler reads as a plugin: say `kind: handler`.
 */
export function detectKind(value: unknown, isHttpServer: (v: unknown) => boolean): OwnAppKind | undefined {
  if (isHttpServer(value)) return 'server';
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.register === 'function' && typeof o.listen === 'function' && typeof o.inject === 'function' && o.server) return 'fastify';
    return undefined;
  }
  if (typeof value !== 'function') return undefined;
  const f = value as Fn;
  if (typeof f.handle === 'function' && typeof f.set === 'function' && typeof f.listen === 'function') return 'express';
  if (typeof f.handle === 'function' && typeof f.use === 'function' && Array.isArray(f.stack)) return 'router';
  if (f[Symbol.for('skip-override')] !== undefined || f[Symbol.for('fastify.display-name')] !== undefined) return 'fastify-plugin';
  if (f.length === 0) return 'factory';
  if (f.constructor?.name === 'AsyncFunction' || f.length === 3) return 'fastify-plugin';
  return 'handler';
}

/** What a value is, in a message: "a string", "an object", "undefined". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}

/**
 * A request target without the cell's parameter (`corslab_cell=<token>`),
 * every other byte as the browser sent it; the `?` goes when nothing else
 * was in the query. The app then sees the path and query its own page would
 * have sent (the recorder still records the target as sent).
 */
export function withoutCellParam(target: string, param: string): string {
  const mark = target.indexOf('?');
  if (mark === -1) return target;
  const hash = target.indexOf('#', mark);
  const query = target.slice(mark + 1, hash === -1 ? undefined : hash);
  const kept = query.split('&').filter((pair) => pair.split('=')[0] !== param);
  const rest = hash === -1 ? '' : target.slice(hash);
  return `${target.slice(0, mark)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${rest}`;
}
