import type { MemoryBudget } from '../shared/memory.js';
import { sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

/**
 * Bytes an event takes in DuckDB's sort of the build's read (its fourteen fields, the texts out of line): at 100k the
 * one sort of every event raised the build's peak RSS by about 0.5 GB for 4.3M events, and the strings of a store
 * with longer ids take more.
 */
const SORT_BYTES_PER_EVENT = 200;

/**
 * Events a range of customers may hold, so that DuckDB's sort of one range takes at most a quarter of its share of the
 * memory setting (the rest is its cache of the store's blocks and the scan's): about 3M events at the default 4 GB.
 */
export const eventsPerRange = (memory: MemoryBudget): number => Math.max(1, Math.floor(memory.duckdb / 4 / SORT_BYTES_PER_EVENT));

/**
 * The conditions splitting the customers' events into ranges of customer ids, in ascending order of ids, together
 * every event with a customer, each in one range: about `perRange` events each, cut at the customers table's ids
 * (each range about as many customers), with the first open below and the last open above, so that events of a
 * customer without a row fall in a range too. Reading the ranges in turn, each ordered by customer, gives the events
 * in the order of one read ordered by customer, while DuckDB sorts a range at a time: the build's memory is bounded
 * by a range, not by the store (docs/live-view.md, "The build's memory").
 */
export async function customerRanges(store: Store, events: number, perRange: number): Promise<Sql[]> {
  const ranges = Math.max(1, Math.ceil(events / perRange));
  if (ranges === 1) return [sql`customer_id IS NOT NULL`];
  const { customers } = (await store.one<{ customers: number }>(sql`SELECT count(*) AS customers FROM customers`))!;
  const step = Math.max(1, Math.ceil(Number(customers) / ranges));
  const edges = (
    await store.all<{ id: string }>(sql`SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers) WHERE n % ${step} = 0 ORDER BY id`)
  ).map((r) => r.id);
  if (edges.length === 0) return [sql`customer_id IS NOT NULL`];
  return [
    sql`customer_id < ${edges[0]!}`,
    ...edges.slice(1).map((edge, i) => sql`customer_id >= ${edges[i]!} AND customer_id < ${edge}`),
    sql`customer_id >= ${edges.at(-1)!}`,
  ];
}
