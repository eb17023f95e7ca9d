/**
 * The product's names: engines, app stacks, proxies, matrix columns and the
 * pages a probe can come from. The lowest layer: everything may import it,
 * it imports nothing. The stacks and proxies are extensions, listed by their
 * catalogs (servers/apps/catalog.ts, servers/proxies/catalog.ts); here they
 * are strings, with the syntax of a column's name.
 */

/** A browser engine's name (`chromium`, `firefox`, `webkit`); harness/browsers/catalog.ts lists them. */
export type EngineName = string;

/**
 * An app stack: a framework serving the API itself (`express-cors`, `next`).
 * This layer sits below the stacks, so a name is a string here;
 * servers/apps/catalog.ts holds the list (appStackNames()).
 */
export type AppStackName = string;

/** A reverse proxy that can stand in front of any app stack (`nginx`); servers/proxies/catalog.ts holds the list (proxyNames()). */
export type ProxyName = string;

/**
 * A column of the matrix: an app stack, or a proxy in front of one
 * (`nginx>express-cors`). In the Docker runtime, two images of one proxy run
 * side by side as two columns, told apart by the image's tag
 * (`nginx@1.27>express-cors`); scenarios, filters and `expectFor` use the
 * name without it. servers/labels.ts lists them (stackNames()).
 */
export type StackName = string;

/**
 * The parts of a stack name: the app, the proxy in front of it, if any, and
 * which of the proxy's images (Docker runtime). A user's own app module
 * (`server.app`) is a column of its own named after its file: `app@app.js`
 * (`app@app.js:router` for a named export), whose app stack is `app` and
 * whose `module` is the rest.
 */
export function splitStack(name: StackName): { proxy?: ProxyName; app: AppStackName; variant?: string; module?: string } {
  const [first, second] = name.split('>') as [string, string | undefined];
  if (second === undefined) return withModule({}, first);
  const at = first.indexOf('@');
  if (at === -1) return withModule({ proxy: first }, second);
  return withModule({ proxy: first.slice(0, at), variant: first.slice(at + 1) }, second);
}

function withModule<T extends object>(parts: T, app: string): T & { app: AppStackName; module?: string } {
  const at = app.indexOf('@');
  return at === -1 ? { ...parts, app } : { ...parts, app: app.slice(0, at), module: app.slice(at + 1) };
}

/** The name without an image variant or a module's file: what scenarios, `--stack` and `expectFor` speak of. */
export function baseStack(name: StackName): StackName {
  const { proxy, app } = splitStack(name);
  return proxy ? `${proxy}>${app}` : app;
}

/**
 * Where the probe's request comes from:
 * - `app`: the API's own site (same-site, cross-origin);
 * - `evil`: a cross-site attacker's page;
 * - `sandboxed`: a sandboxed iframe (no allow-same-origin) in the attacker's
 *   page, whose origin is opaque, so its requests say `Origin: null`
 *   (https://html.spec.whatwg.org/#sandboxed-origin-browsing-context-flag);
 * - `lookalike-suffix`: `app.example.localhost.evil.localhost`, the trusted
 *   host name as a prefix of the attacker's (cross-site);
 * - `lookalike-prefix`: `evilapp.example.localhost`, the trusted host name as
 *   a suffix of a sibling's (same-site with the API, so SameSite cookies go).
 */
export const PAGE_ORIGINS = ['app', 'evil', 'sandboxed', 'lookalike-suffix', 'lookalike-prefix'] as const;
/** One of the lab's default pages (PAGE_ORIGINS). */
export type DefaultPageName = (typeof PAGE_ORIGINS)[number];
/**
 * A page a probe comes from: one of the defaults, or a name the scenario
 * declares under `origins:` (harness/core/origins.ts), which can be any word.
 */
export type PageOriginName = string;
/** The pages a warm-up can come from: a real page's origin (a sandboxed frame has none to send). */
export type WarmUpOriginName = string;

/** Proxies with several images (Docker runtime): one matrix column per image. */
export type ProxyVariants = Record<ProxyName, readonly string[]>;

/**
 * What an app stack's or a proxy's name may be: lower-case words joined by
 * dashes, so that it reads in a column's name (`nginx@1.27>express-cors`) and
 * as a key under a scenario's `server:`.
 */
export const EXTENSION_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
