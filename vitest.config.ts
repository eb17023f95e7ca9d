import { defineConfig } from 'vitest/config';

/**
 * Two groups, one after the other. The unit tests (every file beside its
 * module, and tests/*.test.ts) run several files at once. The end-to-end
 * tests (tests/e2e, tests/faults) start real servers and real browsers, and
 * each measures what the engines do under a run's own load, so they run one
 * file at a time after the unit tests: on a 2-core machine two of them at
 * once would time each other out.
 */
const common = { testTimeout: 120_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...common,
          name: 'unit',
          include: ['harness/**/*.test.ts', 'servers/**/*.test.ts', 'tests/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...common,
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts', 'tests/faults/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
