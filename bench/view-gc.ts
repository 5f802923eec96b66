/**
 * Allocation hot spots of real-time answers (issue 18 item 5, issue 15's decide p99): the live view's lookups and
 * decide's visitor facts, called in this process for `--lookups` customers drawn at random from the store, with
 * the garbage collector's pauses recorded (perf_hooks 'gc' entries): how many major collections (mark-compact) the
 * lookups cause and how long they pause, and the p50 / p99 / max time of one lookup. Run in a process of its own on
 * the events benchmark's store copy (bench/events.ts) or any store.
 * Usage: node --import tsx bench/view-gc.ts <store.duckdb> [--lookups 300000]
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { LiveView } from '../src/audiences/index.js';
import { visitorFacts } from '../src/campaigns/visitor-facts.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, fmt } from './lib.js';

const lookups = Number(arg('lookups', '300000'));
const store = await Store.open({ path: process.argv[2]! });
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id)`)).map((r) => r.id);
const view = (await LiveView.build(store))!;
store.close();

const pauses = { major: [] as number[], minor: [] as number[] };
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    (kind === constants.NODE_PERFORMANCE_GC_MAJOR ? pauses.major : pauses.minor).push(e.duration);
  }
});
observer.observe({ entryTypes: ['gc'] });

const times = new Float64Array(lookups);
let found = 0;
for (let i = 0; i < lookups; i++) {
  const id = ids[(i * 7919) % ids.length]!;
  const t0 = performance.now();
  const facts = visitorFacts(view, id);
  if (facts.memberships?.size) found++;
  times[i] = performance.now() - t0;
}
await new Promise((r) => setTimeout(r, 100));
observer.disconnect();
times.sort();
const q = (p: number) => times[Math.min(lookups - 1, Math.floor(p * lookups))]!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
console.log(
  `  ${lookups.toLocaleString('en-US')} lookups over ${ids.length.toLocaleString('en-US')} customers (${found.toLocaleString('en-US')} in some audience): ` +
    `p50 ${fmt(q(0.5) * 1000, 0)} us, p99 ${fmt(q(0.99) * 1000, 0)} us, max ${fmt(times[lookups - 1]!, 1)} ms; ` +
    `major GCs ${pauses.major.length} (${fmt(sum(pauses.major), 0)} ms, longest ${fmt(Math.max(0, ...pauses.major), 1)} ms), minor ${pauses.minor.length} (${fmt(sum(pauses.minor), 0)} ms); ` +
    `heap after ${fmt(process.memoryUsage().heapUsed / 2 ** 20, 0)} MB`,
);
