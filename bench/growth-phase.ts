/**
 * One measurement of the growth benchmark, in its own process (bench/growth.ts), under the memory setting
 * SEGMINT_MEMORY_LIMIT (the project's default when unset):
 *   import DIR DB CUSTOMERS SEED   the demo files of DIR imported into a new store DB, then a whole run and the demo's
 *                                  cluster fits
 *   rerun DB                       the run and the fits again, as of the same date, on a copy of such a store
 * Prints, as its last line, each stage's wall and CPU seconds and peak RSS, and a digest of the run's memberships.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { importDemoFiles } from '../src/demo/index.js';
import { defaultAsOf } from '../src/features/index.js';
import { CLUSTER_METHOD_NAMES } from '../src/clusters/index.js';
import { fitOnLatestRun, runPipeline } from '../src/pipeline/index.js';
import { memoryBudget, parseMemory } from '../src/shared/memory.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { demoFiles, membershipDigest } from './lib.js';

export interface StageMeasure {
  stage: string;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

const [mode, ...args] = process.argv.slice(2);
const [dir, db, customers, seed] = mode === 'import' ? args : [undefined, args[0], undefined, undefined];

/**
 * Linux keeps a process's peak RSS (VmHWM) and resets it on writing 5 to clear_refs, so each stage's peak is its own
 * rather than the largest of those before it.
 */
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');
const peakMb = () => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024);

const stages: StageMeasure[] = [];
let current: { stage: string; t: number; cpu: NodeJS.CpuUsage } | undefined;
function enter(stage: string | undefined): void {
  if (current) {
    const cpu = process.cpuUsage(current.cpu);
    stages.push({ stage: current.stage, seconds: (performance.now() - current.t) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: peakMb() });
  }
  resetPeak();
  current = stage === undefined ? undefined : { stage, t: performance.now(), cpu: process.cpuUsage() };
}

const setting = process.env.SEGMINT_MEMORY_LIMIT;
const memory = memoryBudget(setting ? parseMemory(setting) : undefined);
const files = dir ? await demoFiles(dir, Number(customers), Number(seed)) : undefined;
if (files) for (const suffix of ['', '.wal']) rmSync(`${db}${suffix}`, { force: true });
const store = await Store.open({ path: db!, memory });
if (files) {
  enter('import');
  await importDemoFiles(store, files);
}
const asOf = await defaultAsOf(store);
await runPipeline(store, asOf, { onStage: enter });
// The clusterings the demo fits on its first run (k-means over every buyer's features), as `segmint clusters` does.
enter('cluster fits');
for (const method of CLUSTER_METHOD_NAMES) await fitOnLatestRun(store, method);
enter(undefined);
const digest = await membershipDigest(store, asOf);
const counts = await store.one<{ customers: number; events: number }>(sql`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM events) AS events`);
store.close();
process.stdout.write(`${JSON.stringify({ ...counts, memory, stages, digest })}\n`);
