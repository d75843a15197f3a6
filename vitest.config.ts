import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Tests that start servers or processes pick their own ports; files still run in parallel.
    pool: 'forks',
    // Says once, after the run, when the RIC suites were skipped and how to run them.
    globalSetup: ['test/support/ric-notice.ts'],
  },
});
