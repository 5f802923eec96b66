import { asTimestamp, bitOr, countedMedians, cteHint, hasBits, ident, isWeekend, join, listContains, sql, valueAtMax, valuesOf, type Sql } from '../sql/index.js';
import { CUSTOMER_FEATURES, STYLE_TAGS, styleBit, styleItems } from './catalog.js';

/** An event as the store flags read it (the live view's batches give theirs). */
export interface FlaggedEvent {
  type: string;
  device: string | null;
  discount: number | null;
}

/**
 * The store flags events set, each once: its condition in SQL (storeFlags), and in JavaScript for the events of a
 * batch (the live view, which holds the flags of the store's events at its build and adds those of each batch).
 */
const EVENT_FLAGS = {
  has_views: { where: sql`type = 'view'`, seen: (e: FlaggedEvent) => e.type === 'view' },
  has_searches: { where: sql`type = 'search'`, seen: (e: FlaggedEvent) => e.type === 'search' },
  has_carts: { where: sql`type = 'add_to_cart'`, seen: (e: FlaggedEvent) => e.type === 'add_to_cart' },
  has_email: { where: sql`type = 'email_send'`, seen: (e: FlaggedEvent) => e.type === 'email_send' },
  has_devices: { where: sql`device IS NOT NULL`, seen: (e: FlaggedEvent) => e.device !== null },
  has_discounts: { where: sql`discount IS NOT NULL`, seen: (e: FlaggedEvent) => e.discount !== null },
};
type EventFlag = keyof typeof EVENT_FLAGS;
const EVENT_FLAG_LIST = Object.entries(EVENT_FLAGS) as Array<[EventFlag, (typeof EVENT_FLAGS)[EventFlag]]>;

/**
 * What the store records at all before the as-of date; a feature over an untracked kind of data is NULL. Each flag
 * is an EXISTS, which stops at the first matching row instead of scanning every event.
 */
export const storeFlags = (asOf: Sql): Sql => {
  const any = (table: string, where: Sql): Sql => sql`EXISTS (SELECT 1 FROM ${ident(table)} WHERE ${where})`;
  const events = EVENT_FLAG_LIST.map(([name, f]) => sql`${any('events', sql`ts < ${asOf} AND ${f.where}`)} AS ${ident(name)}`);
  return sql`SELECT ${join(events)},
    ${any('products', sql`launched_at IS NOT NULL`)} AS has_launches, ${any('products', sql`category IS NOT NULL`)} AS has_categories`;
};

/** The flags storeFlags computes, by name. */
export type StoreFlags = Record<EventFlag | 'has_launches' | 'has_categories', boolean>;

/** The event flags these events set. */
export function eventFlagsSeen(events: Iterable<FlaggedEvent>): Set<EventFlag> {
  const seen = new Set<EventFlag>();
  for (const e of events) for (const [name, f] of EVENT_FLAG_LIST) if (f.seen(e)) seen.add(name);
  return seen;
}

/** Median price paid per product category: the yardstick of premium_index. */
export interface CategoryMedian {
  cat: string;
  med: number;
}

export interface CustomerFeatureQuery {
  asOf: string;
  /** Restrict to these customers (the store-wide parts, such as category medians, still use everyone). */
  customerIds?: readonly string[] | undefined;
  /**
   * Category medians computed earlier, for a few customers: computing them reads every order line, which would
   * dominate a query for a handful of customers.
   */
  categoryMedians?: readonly CategoryMedian[] | undefined;
  /**
   * Restrict to the customers whose id is in this range: one part of a table built in parts (compute.ts). The
   * category medians are then given or read from every event, as for `customerIds`.
   */
  idRange?: IdRange | undefined;
}

/** A range of customer ids: one part of a feature table built in parts. */
export interface IdRange {
  from?: string | undefined;
  below?: string | undefined;
}

/**
 * The customer feature table as of a date: one row per customer known then (registered before it, or with an
 * event before it), one column per catalog feature. Only events strictly before `asOf` count.
 */
function categoryMediansSql(q: CustomerFeatureQuery, everyone: boolean): Sql {
  if (everyone) return countedMedians(sql`SELECT cat, p FROM lines WHERE p > 0 AND cat IS NOT NULL`, 'cat', 'p');
  if (q.categoryMedians) {
    const rows = q.categoryMedians.map((m) => [m.cat, sql`CAST(${m.med} AS DOUBLE)`]);
    return rows.length ? sql`SELECT * FROM ${valuesOf('t', [['cat', 'VARCHAR'], ['med', 'DOUBLE']], rows)}` : sql`SELECT '' AS cat, CAST(NULL AS DOUBLE) AS med WHERE false`;
  }
  return categoryMediansQuery(q.asOf);
}

/** The category medians as of a date, over the whole store (what `categoryMedians` takes). */
export function categoryMediansQuery(asOf: string): Sql {
  return countedMedians(sql`SELECT coalesce(pr.category, '') AS cat, e.unit_price AS p
    FROM events e LEFT JOIN products pr ON pr.id = e.product_id
    WHERE e.type = 'order' AND e.unit_price > 0 AND e.product_id IS NOT NULL AND e.ts < ${asTimestamp(asOf)}`, 'cat', 'p');
}

/** What a session held, one bit each, or-ed over its events: a single aggregate instead of one per question. */
export const SESSION_ORDERED = 1;
export const SESSION_ORDERED_90D = 2;
export const SESSION_CARTED_90D = 4;

export function customerFeaturesQuery(q: CustomerFeatureQuery): Sql {
  const asOf = asTimestamp(q.asOf);
  const ids = q.customerIds === undefined ? undefined : join(q.customerIds.map((id) => sql`${id}`));
  const range = q.idRange;
  // The customers asked for, by a column holding their id: these ids, this range of ids, or everyone.
  const only = (column: string): Sql => {
    const c = ident(column);
    return sql`${ids === undefined ? sql`` : sql`AND ${c} IN (${ids})`} ${range?.from === undefined ? sql`` : sql`AND ${c} >= ${range.from}`} ${range?.below === undefined ? sql`` : sql`AND ${c} < ${range.below}`}`;
  };
  const d90 = sql`${asOf} - INTERVAL 90 DAY`;
  const d30 = sql`${asOf} - INTERVAL 30 DAY`;
  const features = join(CUSTOMER_FEATURES.map((f) => sql`${f.expr(asOf)} AS ${ident(f.name)}`), ',\n  ');
  // For a few customers, `ev` holds only their events, copied once rather than filtered out of every event at each of
  // its four readers; the category medians are given or read from the events table directly. For the whole table,
  // each reader scans the events for the columns it needs: copying every event's columns first took 2.7 times the CPU
  // on a million customers.
  const copied = cteHint(ids !== undefined);
  return sql`WITH
ev AS ${copied} (SELECT id, type, ts, customer_id, session_id, product_id, order_id, quantity, unit_price, discount, device
  FROM events WHERE ts < ${asOf} ${only('customer_id')}),
h AS (${storeFlags(asOf)}),
-- A product's style tags as one bit each, worked out once per product: carrying the tag lists through every order line
-- and testing them there made the whole table 40% slower on a million customers.
pr AS (SELECT id, category, launched_at, launched_at + INTERVAL 30 DAY AS new_until, ${join(STYLE_TAGS.map((tag) => sql`CASE WHEN ${listContains(sql`style_tags`, tag)} THEN ${styleBit(tag)} ELSE 0 END`), ' + ')} AS style_bits FROM products),
-- The style tags some product carries: a share of a tag no product has is unknown, not 0.
st AS (SELECT coalesce(${bitOr(sql`style_bits`)}, 0) AS style_tags_present FROM pr),
-- cat is the product's category ('' when it has none), NULL for a whole order imported without its products: what
-- those units were is unknown, so they count towards no category, price yardstick or style share.
lines AS (
  SELECT e.customer_id, coalesce(e.order_id, e.id) AS order_key, e.ts, e.quantity AS q, e.unit_price AS p, e.discount,
    CASE WHEN e.product_id IS NOT NULL THEN coalesce(pr.category, '') END AS cat, pr.launched_at, pr.new_until, pr.style_bits
  FROM ev e LEFT JOIN pr ON pr.id = e.product_id
  WHERE e.type = 'order'
),
-- Median price paid per category, over every customer's lines.
catmed AS (${categoryMediansSql(q, ids === undefined && range === undefined)}),
-- An order id belongs to one customer, so orders group on it alone (a single key groups twice as fast). Only what an
-- order's date decides, and premium_index's two sums (added in the same order as before), are summed per order; the
-- other line sums are per customer below, over 8 times fewer groups: carried through every order they made the order
-- grouping a quarter of the table, and the two groupings apart cost 30% less.
orders AS (
  SELECT any_value(l.customer_id) AS customer_id, l.order_key, min(l.ts) AS ts, sum(l.q * l.p) AS amount,
    sum(l.q * l.p) FILTER (WHERE m.med IS NOT NULL) AS gross_lines, sum(l.q * m.med) AS spend_at_median
  FROM lines l LEFT JOIN catmed m USING (cat) WHERE l.customer_id IS NOT NULL GROUP BY l.order_key
),
ol AS (
  SELECT l.customer_id, sum(l.q) AS items, count(*) AS lines, coalesce(sum(l.q) FILTER (WHERE l.cat IS NOT NULL), 0) AS product_items,
    count(*) FILTER (WHERE l.discount > 0) AS discounted_lines,
    coalesce(sum(l.q) FILTER (WHERE l.ts >= l.launched_at AND l.ts < l.new_until), 0) AS new_items,
    sum(l.q) FILTER (WHERE l.launched_at IS NOT NULL) AS launch_known_items,
    ${join(STYLE_TAGS.map((tag) => sql`sum(l.q) FILTER (WHERE ${hasBits(sql`l.style_bits`, styleBit(tag))}) AS ${ident(styleItems(tag))}`))}
  FROM lines l WHERE l.customer_id IS NOT NULL GROUP BY l.customer_id
),
oc AS (
  SELECT customer_id, count(*) AS orders, min(ts) AS first_order, max(ts) AS last_order, sum(amount) AS gross,
    sum(gross_lines) AS gross_lines, sum(spend_at_median) AS spend_at_median,
    count(*) FILTER (WHERE ts >= ${d90}) AS orders_90d, sum(amount) FILTER (WHERE ts >= ${d90}) AS gross_90d,
    count(*) FILTER (WHERE ${isWeekend(sql`ts`)}) AS weekend_orders
  FROM orders GROUP BY customer_id
),
o AS (SELECT * FROM oc JOIN ol USING (customer_id)),
cc AS (
  SELECT customer_id, count(*) AS distinct_categories, ${valueAtMax(sql`cat`, sql`spend`, sql`cat`)} AS top_category
  FROM (SELECT customer_id, cat, sum(q * p) AS spend FROM lines
        WHERE customer_id IS NOT NULL AND cat <> '' GROUP BY customer_id, cat)
  GROUP BY customer_id
),
r AS (
  SELECT customer_id, count(*) AS return_lines, sum(quantity) AS returned_items, sum(quantity * unit_price) AS returned_amount,
    sum(quantity * unit_price) FILTER (WHERE ts >= ${d90}) AS returned_amount_90d
  FROM ev WHERE type = 'return' AND customer_id IS NOT NULL GROUP BY customer_id
),
a AS (
  SELECT customer_id, min(ts) AS first_event,
    count(*) FILTER (WHERE type = 'view' AND ts >= ${d30}) AS views_30d,
    count(*) FILTER (WHERE type = 'search' AND ts >= ${d30}) AS searches_30d,
    count(*) FILTER (WHERE type = 'add_to_cart' AND ts >= ${d30}) AS carts_30d,
    count(*) FILTER (WHERE type = 'email_send') AS sends, count(*) FILTER (WHERE type = 'email_open') AS opens,
    count(device) AS device_events, count(*) FILTER (WHERE device = 'mobile') AS mobile_events
  FROM ev WHERE customer_id IS NOT NULL GROUP BY customer_id
),
-- Online visits: every session of a customer, and within the last 90 days those with an add-to-cart (abandoned
-- when no order followed in them); one grouping serves visit conversion and cart abandonment.
vs AS (
  SELECT customer_id, count(*) AS sessions, count(*) FILTER (WHERE ${hasBits(sql`kinds`, SESSION_ORDERED)}) AS order_sessions,
    count(*) FILTER (WHERE ${hasBits(sql`kinds`, SESSION_CARTED_90D)}) AS cart_sessions,
    count(*) FILTER (WHERE ${hasBits(sql`kinds`, SESSION_CARTED_90D)} AND NOT ${hasBits(sql`kinds`, SESSION_ORDERED_90D)}) AS abandoned_sessions
  FROM (SELECT customer_id, session_id, ${bitOr(sql`CASE WHEN type = 'order' THEN CASE WHEN ts >= ${d90} THEN ${SESSION_ORDERED | SESSION_ORDERED_90D} ELSE ${SESSION_ORDERED} END
            WHEN type = 'add_to_cart' AND ts >= ${d90} THEN ${SESSION_CARTED_90D} ELSE 0 END`)} AS kinds
        FROM ev WHERE session_id IS NOT NULL AND customer_id IS NOT NULL GROUP BY customer_id, session_id)
  GROUP BY customer_id
),
-- CLV scores of the latest run on or before the as-of date (runs fit the models as of their date).
cl AS (
  SELECT customer_id, p_alive, expected_orders_90d, clv_365d FROM customer_clv
  WHERE as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= ${asOf}) ${only('customer_id')}
),
k AS (
  SELECT c.id AS customer_id, c.created_at FROM customers c LEFT JOIN a ON a.customer_id = c.id
  WHERE (c.created_at < ${asOf} OR a.customer_id IS NOT NULL) ${only('id')}
)
SELECT k.customer_id AS customer_id,
  ${features}
FROM k CROSS JOIN h CROSS JOIN st
LEFT JOIN o USING (customer_id) LEFT JOIN r USING (customer_id) LEFT JOIN a USING (customer_id)
LEFT JOIN vs USING (customer_id) LEFT JOIN cc USING (customer_id) LEFT JOIN cl USING (customer_id)`;
}
