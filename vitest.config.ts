import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'servers/**/*.test.ts', 'tests/**/*.test.ts'],
    // End-to-end tests start real servers and real browsers; the machine has 2 cores.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
