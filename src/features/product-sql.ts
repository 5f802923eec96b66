import { asTimestamp, cteHint, ident, join, sql, type Sql } from '../sql/index.js';
import { PRODUCT_FEATURES } from './catalog.js';
import { storeFlags } from './customer-sql.js';

/** Each priced product's tier: low, mid or high, its price tercile within its category (id, price_tier). */
export function priceTiersQuery(): Sql {
  // Terciles by rank, so products of equal price always share a tier (ntile would split a tie arbitrarily).
  return sql`SELECT id, CASE floor(3 * (rank() OVER w - 1) / count(*) OVER (PARTITION BY coalesce(category, '')))
    WHEN 0 THEN 'low' WHEN 1 THEN 'mid' ELSE 'high' END AS price_tier
  FROM products WHERE price IS NOT NULL
  WINDOW w AS (PARTITION BY coalesce(category, '') ORDER BY price)`;
}

/** The product feature table as of a date: one row per product, one column per catalog feature. */
export function productFeaturesQuery(q: { asOf: string }): Sql {
  const asOf = asTimestamp(q.asOf);
  const features = join(PRODUCT_FEATURES.map((f) => sql`${f.expr(asOf)} AS ${ident(f.name)}`), ',\n  ');
  return sql`WITH
-- Not materialised: each reader scans only the columns and rows it needs, rather than every column of every event copied.
ev AS ${cteHint(false)} (SELECT * FROM events WHERE ts < ${asOf}),
h AS (${storeFlags(asOf)}),
s AS (
  -- Anonymous lines (customer_id NULL) count towards units and revenue, not towards buyers.
  SELECT product_id, sum(q) AS units, sum(amount) AS gross, count(customer_id) AS buyers,
    count(customer_id) FILTER (WHERE repeated) AS repeat_buyers, sum(lines) AS order_lines
  -- A buyer bought it in two orders or more when their lines' order keys are not all one: a distinct count kept a set
  -- of keys for each (product, buyer), nearly one per order line, and cost a third of the whole table.
  FROM (SELECT product_id, customer_id, sum(quantity) AS q, sum(quantity * unit_price) AS amount,
          min(coalesce(order_id, id)) <> max(coalesce(order_id, id)) AS repeated, count(*) AS lines
        FROM ev WHERE type = 'order' AND product_id IS NOT NULL GROUP BY product_id, customer_id)
  GROUP BY product_id
),
r AS (SELECT product_id, sum(quantity) AS returned_units, sum(quantity * unit_price) AS returned_amount
      FROM ev WHERE type = 'return' GROUP BY product_id),
v AS (SELECT product_id, count(*) AS views FROM ev WHERE type = 'view' GROUP BY product_id),
t AS (${priceTiersQuery()})
SELECT p.id AS product_id,
  ${features}
FROM products p CROSS JOIN h
LEFT JOIN s ON s.product_id = p.id LEFT JOIN r ON r.product_id = p.id LEFT JOIN v ON v.product_id = p.id
LEFT JOIN t ON t.id = p.id`;
}
