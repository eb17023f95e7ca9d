import { CACHE_DIR } from './cache-dir.ts';
import { renderNext } from './render.ts';
import type { StackDefinition } from '../app-stack.ts';

export const nextStack: StackDefinition = {
  name: 'next',
  label: 'Next.js',
  packages: ['next', 'react'],
  // Next builds into, and runs from, the project's build cache.
  writableDirs: [CACHE_DIR],
  render: renderNext,
  // The build and `next start` load only when the server starts, so the definition stays pure.
  start: async (options) => (await import('./server.ts')).start(options),
};
