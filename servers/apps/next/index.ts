import { CACHE_DIR } from './cache-dir.ts';
import { renderNext } from './render.ts';
import type { StackDefinition } from '../app-stack.ts';
import { NEXT_SETUP_SCHEMA, type NextSetup } from './setup.ts';

export const nextStack: StackDefinition<NextSetup> = {
  name: 'next',
  label: 'Next.js',
  packages: ['next', 'react'],
  // Next builds into, and runs from, the project's build cache.
  writableDirs: [CACHE_DIR],
  // Each scenario is a route folder below its mount (app/s/<id>/), so a user's own proxy config, which sends its own paths, cannot reach it.
  servesAtRoot: false,
  startsOwnProcess: true,
  setupSchema: NEXT_SETUP_SCHEMA,
  render: renderNext,
  // The route handler is the whole of it: the lab adds no catch-all routes to a Next policy.
  renderPolicy: (policy) => renderNext({ policy }),
  preflightFirst: "// in middleware (proxy.ts), before checking credentials:\nif (request.method === 'OPTIONS') return NextResponse.next()   // the route's OPTIONS export answers it\n// ... then the authentication",
  // The build and `next start` load only when the server starts, so the definition stays pure.
  start: async (options) => (await import('./server.ts')).start(options),
};
