import type { SetupSchema } from '../../../harness/core/format.ts';

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

/** `server.next` in the scenario schema, with the definitions it refers to. */
export const NEXT_SETUP_SCHEMA: SetupSchema = {
  property: {
    $ref: '#/definitions/next',
    description: 'Next.js (production build): a route handler, next.config headers(), a proxy (middleware) and a pages API route, each optional.',
  },
  definitions: {
    next: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: "Next.js set up with its own files. Each JavaScript part may use `handler`, `markHandled` and `origins`, imported from the lab's helper for it. Parts left out get the lab's default: a route handler for every method but OPTIONS that answers with server.responses or server.response.",
      properties: {
        route: {
          type: 'string',
          minLength: 1,
          description: 'An app-router route handler module (`export async function GET(request) {...}`, with or without `export async function OPTIONS`), placed at app/s/<scenario>/[[...path]]/route.js: it serves every path of the scenario. Call `await markHandled(request)` where the handler does its work.',
        },
        headers: {
          type: 'array',
          minItems: 1,
          items: { $ref: '#/definitions/nextHeaderRule' },
          description: "Entries for next.config's headers(), merged into the app's one next.config with each source prefixed by the scenario's path.",
        },
        middleware: {
          type: 'string',
          minLength: 1,
          description: "A proxy module (Next 16's name for middleware: `export function proxy(request) {...}`; `middleware` or a default export also work), run for every path of the scenario. Its own `config.matcher` is not used.",
        },
        pagesApi: {
          type: 'string',
          minLength: 1,
          description: "A pages-router API route module (`export default function handler(req, res) {...}`), placed at pages/api/s/<scenario>/[[...path]].js: it serves the scenario's /api/* paths, as pages/api does in a Next.js app.",
        },
      },
    },
    nextHeaderRule: {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'headers'],
      properties: {
        source: {
          type: 'string',
          pattern: '^/[^\\s]*$',
          description: "A Next.js path pattern relative to the scenario's path, e.g. /api/:path* (/ is the scenario's path itself).",
        },
        headers: {
          type: 'array',
          minItems: 1,
          description: 'The headers to set, as Next.js takes them: { key, value }.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['key', 'value'],
            properties: {
              key: { $ref: '#/definitions/headerName', description: 'Header name.' },
              value: { $ref: '#/definitions/headerValue', description: 'Header value.' },
            },
          },
        },
      },
    },
  },
};
