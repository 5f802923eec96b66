import { Store } from '../../src/store/index.js';

/**
 * Stores the tests open run their engine (DuckDB, chdb) on one thread unless the test names a number: vitest runs two
 * files at a time on CI's two cores (vitest.config.ts), and an engine's second thread on a core the other file keeps
 * busy costs CPU instead of saving time, as it did on a server pinned to one core (issue 17: 1.36x the CPU an event;
 * here 17-21% of the CPU of the files measured, docs/benchmarks.md "CI time: one engine thread a test file"). The CLI
 * the tests start reads SEGMINT_THREADS, which vitest.config.ts sets. The default itself (the cores the process may
 * run on) is test/store/threads.test.ts's, checked in processes of its own.
 */
const wrapped = Symbol.for('segmint.test.oneEngineThread');
// Files share a worker's modules (isolate: false), so this runs again for each file the worker takes: wrap once.
if (!Reflect.has(Store, wrapped)) {
  const open = Store.open.bind(Store);
  Store.open = (options) => open({ ...options, threads: options.threads ?? 1 });
  Reflect.set(Store, wrapped, true);
}
