/** One entry of next.config's `headers()`; `source` is relative to the scenario's path. */
export interface NextHeaderRule {
  source: string;
  headers: { key: string; value: string }[];
}

/**
 * Next.js's part of a scenario (`server.next`), set up with its own files
 * rather than a snippet: a route handler module, next.config `headers()`
 * entries, a proxy (formerly middleware) function, and a pages-router API
 * route.
 */
export interface NextSetup {
  route?: string;
  headers?: NextHeaderRule[];
  middleware?: string;
  pagesApi?: string;
}
