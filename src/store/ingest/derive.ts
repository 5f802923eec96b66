import { join, latest, medianOfCounts, sql, valuesOf, type Sql } from '../../sql/index.js';
import type { Store } from '../store.js';

/*
 * Customers and products that events mention but the store does not hold get a row of what the events say, whether
 * the events came from a file or an API batch. `events` is any relation with the events' columns.
 */

/** `column` among these ids; TRUE without them (every id may be unknown). */
const within = (column: Sql, among: readonly string[] | undefined): Sql => (among ? sql`${column} IN (${join(among.map((id) => sql`${id}`))})` : sql`TRUE`);

/** Each unknown customer, with their latest known country (the country of their latest event that has one). */
export function insertUnknownCustomers(store: Store, events: Sql): Promise<number> {
  return store.run(sql`INSERT INTO customers (id, country)
    SELECT customer_id, ${latest(sql`country`, sql`ts`, sql`country`, sql`country IS NOT NULL`)} FROM ${events}
    WHERE customer_id IS NOT NULL AND customer_id NOT IN (SELECT id FROM customers) GROUP BY customer_id`);
}

/** A customers row insertCustomersOf wrote: its other columns are null. */
export interface NewCustomer {
  id: string;
  country: string | null;
}

/** An event held in memory as insertCustomersOf reads it: its instant in microseconds. */
export interface CustomerMention {
  customer_id?: string | undefined;
  country?: string | undefined;
  micros: bigint;
}

/**
 * insertUnknownCustomers for a few events held in memory (an API batch's), in the caller's transaction: each customer
 * they name that the store lacks gets a row with the country `latest` picks (the latest instant's, on a tie the
 * least), worked out here. The statement above was 8-12 ms of DuckDB's CPU a turn of the events benchmark at 1M
 * customers (each batch names a new customer), even over a few rows: its GROUP BY alone is about 4, and an INSERT OR
 * IGNORE 11. The lookup and the insert here, about 4-5. Returns the rows inserted.
 */
export async function insertCustomersOf(store: Store, events: Iterable<CustomerMention>): Promise<NewCustomer[]> {
  const latestOf = new Map<string, { country: string | null; micros: bigint }>();
  for (const { customer_id: id, country, micros } of events) {
    if (id === undefined) continue;
    const best = latestOf.get(id);
    if (country === undefined) {
      if (best === undefined) latestOf.set(id, { country: null, micros: -1n });
    } else if (best === undefined || best.country === null || micros > best.micros || (micros === best.micros && country < best.country)) {
      latestOf.set(id, { country, micros });
    }
  }
  if (latestOf.size === 0) return [];
  const stored = await store.all<{ id: string }>(sql`SELECT id FROM customers WHERE ${within(sql`id`, [...latestOf.keys()])}`);
  for (const { id } of stored) latestOf.delete(id);
  const rows = [...latestOf].map(([id, { country }]) => ({ id, country }));
  if (rows.length) await store.run(sql`INSERT INTO customers (id, country) SELECT * FROM ${valuesOf('v', [['id', 'VARCHAR'], ['country', 'VARCHAR']], rows.map((r) => [r.id, r.country]))}`);
  return rows;
}

/**
 * Each unknown product, with the median price paid for it (none without an order); `among`, when given, holds every
 * product that may be unknown. The median is from the count of each price: the events of a file that has no products
 * file beside it are every order line of the shop.
 */
export function insertUnknownProducts(store: Store, events: Sql, among?: readonly string[]): Promise<number> {
  const prices = sql`SELECT product_id, unit_price, count(*) FILTER (WHERE type = 'order') AS n FROM ${events}
    WHERE product_id IS NOT NULL AND ${within(sql`product_id`, among)}
      AND product_id NOT IN (SELECT id FROM products WHERE ${within(sql`id`, among)}) GROUP BY product_id, unit_price`;
  return store.run(sql`INSERT INTO products (id, price) SELECT product_id, med FROM (${medianOfCounts(prices, 'product_id', 'unit_price', 'n')}) m`);
}
