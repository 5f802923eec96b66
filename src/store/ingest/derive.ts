import { join, latest, medianOfCounts, sql, type Sql } from '../../sql/index.js';
import type { Store } from '../store.js';

/*
 * Customers and products that events mention but the store does not hold get a row of what the events say, whether
 * the events came from a file or an API batch. `events` is any relation with the events' columns.
 */

/** `column` among these ids; TRUE without them (every id may be unknown). */
const within = (column: Sql, among: readonly string[] | undefined): Sql => (among ? sql`${column} IN (${join(among.map((id) => sql`${id}`))})` : sql`TRUE`);

/** Each unknown customer, with their latest known country; `among`, when given, holds every customer that may be unknown. */
export function insertUnknownCustomers(store: Store, events: Sql, among?: readonly string[]): Promise<number> {
  return store.run(sql`INSERT INTO customers (id, country)
    SELECT customer_id, ${latest(sql`country`, sql`ts`, sql`country`, sql`country IS NOT NULL`)} FROM ${events}
    WHERE customer_id IS NOT NULL AND ${within(sql`customer_id`, among)}
      AND customer_id NOT IN (SELECT id FROM customers WHERE ${within(sql`id`, among)}) GROUP BY customer_id`);
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
