import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // DuckDB work is CPU bound; two cores, so two files at a time.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
