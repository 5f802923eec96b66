/**
 * The live view's build alone, in a process of its own: wall and CPU seconds (DuckDB's threads included), the peak RSS
 * of the build itself (VmHWM, reset on writing 5 to /proc/self/clear_refs once the store is open), and what the view
 * holds. SEGMINT_MEMORY_LIMIT (as the server reads it) sets the memory setting. With a checkout's root as second
 * argument, its own code builds the view (a baseline in the same run); VIEW_EVENTS_PER_RANGE sets the events a
 * range of customers holds in the build's read (by default sized from the setting). Every 100 ms the process's RSS,
 * JS heap and ArrayBuffers are sampled: the peak's parts (what is neither heap nor ArrayBuffers is DuckDB's and
 * the process's own). Prints one JSON line.
 * Usage: node --import tsx bench/view-build.ts <store.duckdb> [root]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(process.argv[3] ?? '.');
const { LiveView } = (await import(resolve(root, 'src/audiences/index.ts'))) as typeof import('../src/audiences/index.js');
const { sql } = (await import(resolve(root, 'src/sql/index.ts'))) as typeof import('../src/sql/index.js');
const { Store } = (await import(resolve(root, 'src/store/index.ts'))) as typeof import('../src/store/index.js');
const { memoryBudget, parseMemory } = (await import(resolve(root, 'src/shared/memory.ts'))) as typeof import('../src/shared/memory.js');

const limit = process.env.SEGMINT_MEMORY_LIMIT;
const memory = memoryBudget(limit === undefined ? undefined : parseMemory(limit));
const store = await Store.open({ path: process.argv[2]!, memory });
const { customers, events } = (await store.one<{ customers: number; events: number }>(sql`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM events) AS events`))!;
const rssMb = (field: 'VmHWM' | 'VmRSS'): number => Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024);
const rssBeforeMb = rssMb('VmRSS');
writeFileSync('/proc/self/clear_refs', '5');
const peak = { rss: 0, heapTotal: 0, arrayBuffers: 0, native: 0 };
const sample = (): void => {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
  peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  peak.native = Math.max(peak.native, m.rss - m.heapTotal - m.arrayBuffers);
};
const sampler = setInterval(sample, 100);
const perRange = process.env.VIEW_EVENTS_PER_RANGE;
const started = performance.now();
const cpu = process.cpuUsage();
const view = await LiveView.build(store, perRange ? { eventsPerRange: Number(perRange) } : {});
const used = process.cpuUsage(cpu);
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
const peakRssMb = rssMb('VmHWM');
const size = view?.eventsSize();
store.close();
console.log(
  JSON.stringify({
    root,
    memory,
    customers: Number(customers),
    events: Number(events),
    holds: view?.holds ?? null,
    seconds: Math.round(seconds * 10) / 10,
    cpuSeconds: Math.round((used.user + used.system) / 1e4) / 100,
    rssBeforeMb,
    peakRssMb,
    // The largest of each part seen by the sampler (not at the same instant).
    sampledMb: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / 2 ** 20)])),
    heldEvents: size?.events ?? 0,
    foldedEvents: size?.folded ?? 0,
    // The events' part of the view (held columns, ids' filter, folded aggregates), outside the heap.
    eventBytes: size?.bytes ?? 0,
  }),
);
