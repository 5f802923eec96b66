import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // Two files at a time on two cores (maxWorkers): each store's engine on one thread, in the tests' processes
    // (test/setup/one-engine-thread.ts) and in the CLI they start (SEGMINT_THREADS), not two threads a core.
    setupFiles: ['./test/setup/one-engine-thread.ts'],
    env: { SEGMINT_THREADS: '1' },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // DuckDB work is CPU bound; two cores, so two files at a time.
    maxWorkers: 2,
    // One process per worker, not per file: each file otherwise starts Node again and imports its modules afresh
    // (150 s of CI's two cores). Files share module state then, so a spy is restored and a store closed by the file
    // that made it (a chdb session left open would hold its directory for the process).
    isolate: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
