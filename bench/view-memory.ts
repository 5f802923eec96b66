/**
 * One phase of bench/events.ts, in a process of its own (run with --expose-gc): the live view's memory on a store,
 * the JS heap and the ArrayBuffers outside it, after a full collection before and after the build; then the heap that
 * working out again the 20,000 customers of bench/events.ts's load adds (the aggregates a customer worked out keeps:
 * held/kept-aggregates.ts; on a store after the load the build has already worked them out, so their states are in
 * the build's heap and this is what reusing them leaves). Prints one JSON line (PhaseResult).
 * With a checkout's root as second argument, its own code builds the view (a baseline in the same run).
 * SEGMINT_MEMORY_LIMIT (as the server reads it) sets the memory setting the view is bounded by.
 * Usage: node --expose-gc --import tsx bench/view-memory.ts <store.duckdb> [root]
 */
import { resolve } from 'node:path';
import { peakRssMb, type PhaseResult } from './lib.js';

const root = resolve(process.argv[3] ?? '.');
const { LiveView } = (await import(resolve(root, 'src/audiences/index.ts'))) as typeof import('../src/audiences/index.js');
const { sql } = (await import(resolve(root, 'src/sql/index.ts'))) as typeof import('../src/sql/index.js');
const { Store } = (await import(resolve(root, 'src/store/index.ts'))) as typeof import('../src/store/index.js');

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const { memoryBudget, parseMemory } = (await import(resolve(root, 'src/shared/memory.ts'))) as typeof import('../src/shared/memory.js');
const limit = process.env.SEGMINT_MEMORY_LIMIT;
const store = await Store.open({ path: process.argv[2]!, memory: memoryBudget(limit === undefined ? undefined : parseMemory(limit)) });
const { customers, events } = (await store.one<{ customers: number; events: number }>(sql`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM events) AS events`))!;
gc();
const before = process.memoryUsage();
const started = performance.now();
const cpu = process.cpuUsage();
const view = await LiveView.build(store);
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
gc();
const after = process.memoryUsage();
// A checkout whose view holds no event columns has no eventsSize.
const held: { events: number; folded?: number; bytes: number } = typeof view!.eventsSize === 'function' ? view!.eventsSize() : { events: 0, bytes: 0 };
const heap = after.heapUsed - before.heapUsed;
const buffers = after.arrayBuffers - before.arrayBuffers;
const worked = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 20000`)).map((r) => r.id);
await view!.refresh(store, worked, { persist: 'never' });
gc();
const workedHeap = process.memoryUsage().heapUsed - after.heapUsed;
const result: PhaseResult = {
  phase: 'view',
  seconds,
  peakRssMb: peakRssMb(),
  rows: customers,
  detail: {
    customers,
    events,
    // CPU seconds of the build (user + system, DuckDB's threads included): wall seconds are noise on a loaded machine.
    cpuSeconds: Math.round((used.user + used.system) / 1e4) / 100,
    // What the view holds of the events (checkouts with one way of holding them say nothing).
    holds: (view as { holds?: string } | undefined)?.holds ?? null,
    heapBytesPerCustomer: Math.round(heap / customers),
    bufferBytesPerCustomer: Math.round(buffers / customers),
    // Events held by column, and those folded into per-customer aggregates at the build (checkouts before folding: none).
    heldEvents: held.events,
    foldedEvents: held.folded ?? 0,
    // The events' part (columns, ids' filter, folded aggregates) a customer, and an event of the store.
    eventBytesPerCustomer: Math.round(held.bytes / customers),
    eventColumnBytesPerEvent: events ? Math.round(held.bytes / events) : 0,
    // What a customer costs apart from their events (heap, and the ArrayBuffers that are not the events' columns and
    // ids' filter): what the view's bound counts a customer (BYTES_PER_CUSTOMER in live-view.ts).
    customerBytesPerCustomer: Math.round((heap + buffers - held.bytes) / customers),
    // The heap a customer worked out again adds (their kept aggregates, since branch incr17).
    workedOutHeapBytesPerCustomer: Math.round(workedHeap / worked.length),
    heapLimitMb: Math.round((await import('node:v8')).getHeapStatistics().heap_size_limit / 2 ** 20),
  },
};
store.close();
console.log(JSON.stringify(result));
