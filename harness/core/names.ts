/**
 * The product's names: engines, app stacks, proxies, matrix columns and the
 * pages a probe can come from. The lowest layer: everything may import it,
 * it imports nothing.
 */

/** A browser engine's name (`chromium`, `firefox`, `webkit`); harness/browsers/catalog.ts lists them. */
export type EngineName = string;

/** The app stacks: a framework serving the API itself. */
export const APP_STACK_NAMES = ['express-cors', 'express-manual', 'fastify-cors', 'next'] as const;
export type AppStackName = (typeof APP_STACK_NAMES)[number];

/** Reverse proxies that can stand in front of any app stack. */
export const PROXY_NAMES = ['nginx', 'apache'] as const;
export type ProxyName = (typeof PROXY_NAMES)[number];

/**
 * A column of the matrix: an app stack, or a proxy in front of one
 * (`nginx>express-cors`). In the Docker runtime, two images of one proxy run
 * side by side as two columns, told apart by the image's tag
 * (`nginx@1.27>express-cors`); scenarios, filters and `expectFor` use the
 * name without it.
 */
export type StackName = AppStackName | `${ProxyName}>${AppStackName}` | `${ProxyName}@${string}>${AppStackName}`;
export const STACK_NAMES: readonly StackName[] = [
  ...APP_STACK_NAMES,
  ...PROXY_NAMES.flatMap((proxy) => APP_STACK_NAMES.map((app): StackName => `${proxy}>${app}`)),
];

/** The parts of a stack name: the app, the proxy in front of it, if any, and which of the proxy's images (Docker runtime). */
export function splitStack(name: StackName): { proxy?: ProxyName; app: AppStackName; variant?: string } {
  const [first, second] = name.split('>') as [string, string | undefined];
  if (second === undefined) return { app: first as AppStackName };
  const at = first.indexOf('@');
  if (at === -1) return { proxy: first as ProxyName, app: second as AppStackName };
  return { proxy: first.slice(0, at) as ProxyName, app: second as AppStackName, variant: first.slice(at + 1) };
}

/** The name without an image variant: what scenarios, `--stack` and `expectFor` speak of. */
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
export type PageOriginName = (typeof PAGE_ORIGINS)[number];
/** The pages a warm-up can come from: a real page's origin (a sandboxed frame has none to send). */
export type WarmUpOriginName = Exclude<PageOriginName, 'sandboxed'>;

/** Proxies with several images (Docker runtime): one matrix column per image. */
export type ProxyVariants = Partial<Record<ProxyName, readonly string[]>>;
