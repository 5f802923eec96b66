import { boolOr, createTableAs, hasBits, ident, join, sql, unnestRecords } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { BEHAVIOR_TABLES } from './materialize.js';
import { PRODUCT_BEHAVIORS } from './specs.js';

const AFFINITY_TABLE = 'customer_affinities';

/**
 * A customer's affinity to each product behavior as of a date, into a table (customer_id, product_behavior,
 * spend_share, view_share, affinity): the share of their order spend, and of their product views, on products that are
 * members of it (from `productTable`, scored as of the same date), and the mean of the two shares they have. One scan
 * of the order and view events before the date; a row per product behavior for every customer with spend or views.
 */
export async function materializeAffinities(store: Store, o: { asOf: string; productTable?: string; table?: string }): Promise<string> {
  const table = o.table ?? AFFINITY_TABLE;
  const at = sql`CAST(${o.asOf} AS TIMESTAMP)`;
  const bit = (i: number): number => 2 ** i;
  // A product's behaviors as one bit each, so every event line is tested against all of them without a list.
  const bits = join(PRODUCT_BEHAVIORS.map((b, i) => sql`CASE WHEN ${boolOr(sql`behavior = ${b.id}`)} THEN ${bit(i)} ELSE 0 END`), ' + ');
  const sums = join(
    PRODUCT_BEHAVIORS.map((_, i) => sql`sum(spend) FILTER (WHERE type = 'order' AND ${hasBits(sql`bits`, bit(i))}) AS ${ident(`s${i}`)},
      count(*) FILTER (WHERE type = 'view' AND ${hasBits(sql`bits`, bit(i))}) AS ${ident(`v${i}`)}`),
  );
  const records = unnestRecords(
    'x',
    [['product_behavior', 'VARCHAR'], ['s', 'DOUBLE'], ['v', 'BIGINT']],
    PRODUCT_BEHAVIORS.map((b, i) => [sql`${b.id}`, sql`coalesce(${ident(`s${i}`)}, 0)`, ident(`v${i}`)]),
  );
  await store.run(createTableAs(ident(table), sql`
WITH pb AS (SELECT product_id, ${bits} AS bits FROM ${ident(o.productTable ?? BEHAVIOR_TABLES.products)} GROUP BY product_id),
ev AS (
  SELECT e.customer_id, e.type, CASE WHEN e.type = 'order' THEN e.quantity * e.unit_price ELSE 0 END AS spend, coalesce(pb.bits, 0) AS bits
  FROM events e LEFT JOIN pb ON pb.product_id = e.product_id
  WHERE e.ts < ${at} AND e.type IN ('order', 'view') AND e.customer_id IS NOT NULL AND e.product_id IS NOT NULL
),
c AS (
  SELECT customer_id, sum(spend) FILTER (WHERE type = 'order') AS spend, count(*) FILTER (WHERE type = 'view') AS views, ${sums}
  FROM ev GROUP BY customer_id
)
SELECT customer_id, x.product_behavior, spend_share, view_share,
  CASE WHEN spend_share IS NULL THEN view_share WHEN view_share IS NULL THEN spend_share ELSE (spend_share + view_share) / 2 END AS affinity
FROM (SELECT customer_id, x.product_behavior, x.s / NULLIF(spend, 0) AS spend_share, CAST(x.v AS DOUBLE) / NULLIF(views, 0) AS view_share, x
      FROM (SELECT customer_id, spend, views, ${records} FROM c))`));
  return table;
}
