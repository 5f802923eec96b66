import { z } from 'zod';
import { CLV_FEATURES } from '../models/clv/score.js';
import { asDate, dateDiff, hasBits, ident, sql, type Sql } from '../sql/index.js';
import type { StoreFlags } from './customer-sql.js';
import type { LiveAggregates } from './live-aggregates.js';

export type FeatureEntity = 'customer' | 'product';
export type FeatureType = 'integer' | 'number' | 'string';
export type FeatureUnit = 'days' | 'count' | 'currency' | 'ratio' | 'index' | null;

/**
 * One feature, defined once: the catalog drives the SQL, `segmint features --list`, the rule language's type checks
 * and the docs. `expr` reads the per-entity aggregates named in customer-sql.ts / product-sql.ts; `asOf` is the
 * bound as-of timestamp. A customer feature's `live` is the same expression in JavaScript over the same aggregates
 * of one customer's events in memory (live-aggregates.ts, under the same aliases), which the live view computes at
 * each batch instead of running the query: written beside `expr` so that a change to one shows the other, and held
 * to it by test/features/live-features.test.ts. Absent where the value is not the customer's events' (the CLV
 * scores, a run's model).
 */
export interface FeatureDef {
  name: string;
  entity: FeatureEntity;
  type: FeatureType;
  unit: FeatureUnit;
  description: string;
  expr: (asOf: Sql) => Sql;
  live?: (x: LiveAggregates) => number | string | null;
}

const withEntity = (entity: FeatureEntity, defs: Array<Omit<FeatureDef, 'entity'>>): FeatureDef[] => defs.map((d) => ({ ...d, entity }));
const days = (from: Sql, to: Sql): Sql => dateDiff('day', asDate(from), asDate(to));
const ratio = (num: Sql, den: Sql): Sql => sql`CAST(${num} AS DOUBLE) / NULLIF(${den}, 0)`;
/** Zero when the store has this kind of event at all, NULL when it has none (no browsing data is not zero browsing). */
const countIfTracked = (flag: keyof StoreFlags, value: Sql): Sql => sql`CASE WHEN h.${ident(flag)} THEN coalesce(${value}, 0) END`;
/** NULL for a buyer none of whose units has a known product (whole orders imported without lines): unknown, not none. */
const ofKnownProducts = (value: Sql): Sql => sql`CASE WHEN o.product_items = 0 THEN NULL ELSE ${value} END`;

/*
 * The same helpers for `live`, with SQL's nulls: a missing aggregate (a CTE without the customer's row) is
 * undefined or null alike. Times are epoch milliseconds.
 */
type Maybe = number | null | undefined;
const DAY_MS = 86_400_000;
/** date_diff('day') of the two instants' dates (UTC). */
const liveDays = (from: Maybe, to: number): number | null => (from == null ? null : Math.floor(to / DAY_MS) - Math.floor(from / DAY_MS));
/** date_diff('second'): whole seconds between the two instants' seconds. */
const liveSeconds = (from: number, to: number): number => Math.floor(to / 1000) - Math.floor(from / 1000);
const liveRatio = (num: Maybe, den: Maybe): number | null => (num == null || den == null || den === 0 ? null : num / den);
const liveCountIfTracked = (x: LiveAggregates, flag: keyof StoreFlags, value: Maybe): number | null => (x.h[flag] ? (value ?? 0) : null);
const liveOfKnownProducts = (x: LiveAggregates, value: number | null): number | null => (x.o?.product_items === 0 ? null : value);
/** least() and greatest() skip nulls. */
const liveLeast = (a: Maybe, b: Maybe): number | null => (a == null ? (b ?? null) : b == null ? a : Math.min(a, b));
const liveTenure = (x: LiveAggregates): number | null => liveDays(liveLeast(x.k.created_at, x.a?.first_event), x.asOf);
const liveRevenue = (x: LiveAggregates): number => (x.o?.gross ?? 0) - (x.r?.returned_amount ?? 0);

/**
 * The style vocabulary Segmint reads from products' style tags (README, Features): each gets a feature, the share of a
 * customer's units carrying it. Other tags still work in rules through event filters (`tag = 'boho'`).
 */
export const STYLE_TAGS = ['comfort', 'premium', 'trend', 'basics', 'classic', 'sustainable'] as const;
export type StyleTag = (typeof STYLE_TAGS)[number];
/** A tag's bit in customer-sql.ts's per-product `style_bits`, and the column name of its per-customer units. */
export const styleBit = (tag: StyleTag): number => 1 << STYLE_TAGS.indexOf(tag);
export const styleItems = (tag: StyleTag): string => `style_items_${tag}`;

/*
 * Aliases available to customer expressions: k (customer: id, created_at), o (orders: orders, first_order, last_order,
 * gross, items, product_items (units of a known product), orders_90d, gross_90d, weekend_orders, spend_at_median, discounted_lines, lines, new_items,
 * launch_known_items, style_items_<tag> per style tag), r (returns: return_lines, returned_items, returned_amount, returned_amount_90d), a (activity:
 * views_30d, searches_30d, carts_30d, sends, opens, device_events, mobile_events, first_event),
 * vs (online visits: sessions, order_sessions, cart_sessions and abandoned_sessions in the last 90 days), cc (categories: distinct_categories, top_category),
 * cl (CLV scores of the latest run on or before the as-of date: p_alive, expected_orders_90d, clv_365d),
 * h (store flags: has_views, has_searches, has_carts, has_email, has_devices, has_discounts, has_launches,
 * has_categories), st (style_tags_present: the styleBit of every style tag some product carries).
 */
export const CUSTOMER_FEATURES: readonly FeatureDef[] = withEntity('customer', [
  { name: 'recency_days', type: 'integer', unit: 'days', description: 'Days from the last order to the as-of date', expr: (asOf) => days(sql`o.last_order`, asOf), live: (x) => liveDays(x.o?.last_order, x.asOf) },
  { name: 'orders', type: 'integer', unit: 'count', description: 'Orders placed', expr: () => sql`coalesce(o.orders, 0)`, live: (x) => x.o?.orders ?? 0 },
  { name: 'revenue', type: 'number', unit: 'currency', description: 'Spend on orders minus returned amounts', expr: () => sql`coalesce(o.gross, 0) - coalesce(r.returned_amount, 0)`, live: liveRevenue },
  { name: 'aov', type: 'number', unit: 'currency', description: 'Average order value: revenue per order', expr: () => ratio(sql`coalesce(o.gross, 0) - coalesce(r.returned_amount, 0)`, sql`o.orders`), live: (x) => liveRatio(liveRevenue(x), x.o?.orders) },
  { name: 'items', type: 'number', unit: 'count', description: 'Units bought (before returns)', expr: () => sql`coalesce(o.items, 0)`, live: (x) => x.o?.items ?? 0 },
  { name: 'items_per_order', type: 'number', unit: 'count', description: 'Units per order', expr: () => ratio(sql`o.items`, sql`o.orders`), live: (x) => liveRatio(x.o?.items, x.o?.orders) },
  { name: 'tenure_days', type: 'integer', unit: 'days', description: 'Days since registration or first event, whichever came first', expr: (asOf) => days(sql`least(k.created_at, a.first_event)`, asOf), live: liveTenure },
  { name: 'avg_days_between_orders', type: 'number', unit: 'days', description: 'Mean gap between consecutive orders (two orders or more)', expr: () => sql`CASE WHEN o.orders > 1 THEN ${dateDiff('second', sql`o.first_order`, sql`o.last_order`)} / 86400.0 / (o.orders - 1) END`, live: (x) => (x.o && x.o.orders > 1 ? liveSeconds(x.o.first_order, x.o.last_order) / 86400 / (x.o.orders - 1) : null) },
  { name: 'orders_90d', type: 'integer', unit: 'count', description: 'Orders in the 90 days before the as-of date', expr: () => sql`coalesce(o.orders_90d, 0)`, live: (x) => x.o?.orders_90d ?? 0 },
  { name: 'revenue_90d', type: 'number', unit: 'currency', description: 'Revenue net of returns in the 90 days before the as-of date', expr: () => sql`coalesce(o.gross_90d, 0) - coalesce(r.returned_amount_90d, 0)`, live: (x) => (x.o?.gross_90d ?? 0) - (x.r?.returned_amount_90d ?? 0) },
  { name: 'returns', type: 'integer', unit: 'count', description: 'Order lines returned', expr: () => sql`coalesce(r.return_lines, 0)`, live: (x) => x.r?.return_lines ?? 0 },
  { name: 'return_rate', type: 'number', unit: 'ratio', description: 'Units returned per unit bought', expr: () => ratio(sql`coalesce(r.returned_items, 0)`, sql`o.items`), live: (x) => liveRatio(x.r?.returned_items ?? 0, x.o?.items) },
  { name: 'discount_share', type: 'number', unit: 'ratio', description: 'Share of order lines bought with a discount (null when the store records no discounts)', expr: () => sql`CASE WHEN h.has_discounts THEN ${ratio(sql`o.discounted_lines`, sql`o.lines`)} END`, live: (x) => (x.h.has_discounts ? liveRatio(x.o?.discounted_lines, x.o?.lines) : null) },
  { name: 'premium_index', type: 'number', unit: 'index', description: "Spend relative to the same units at their category's median price paid (1 = typical; null when the orders name no product)", expr: () => ratio(sql`o.gross_lines`, sql`o.spend_at_median`), live: (x) => liveRatio(x.o?.gross_lines, x.o?.spend_at_median) },
  { name: 'new_arrival_share', type: 'number', unit: 'ratio', description: 'Share of units bought within 30 days of the product launch (null without launch dates)', expr: () => sql`CASE WHEN h.has_launches THEN ${ratio(sql`o.new_items`, sql`o.launch_known_items`)} END`, live: (x) => (x.h.has_launches ? liveRatio(x.o?.new_items, x.o?.launch_known_items) : null) },
  { name: 'distinct_categories', type: 'integer', unit: 'count', description: 'Product categories bought from (null when products have no category, or the orders name no product)', expr: () => ofKnownProducts(countIfTracked('has_categories', sql`cc.distinct_categories`)), live: (x) => liveOfKnownProducts(x, liveCountIfTracked(x, 'has_categories', x.cc?.distinct_categories)) },
  { name: 'top_category', type: 'string', unit: null, description: 'Category with the highest spend', expr: () => sql`cc.top_category`, live: (x) => x.cc?.top_category ?? null },
  { name: 'views_30d', type: 'integer', unit: 'count', description: 'Product views in the last 30 days', expr: () => countIfTracked('has_views', sql`a.views_30d`), live: (x) => liveCountIfTracked(x, 'has_views', x.a?.views_30d) },
  { name: 'searches_30d', type: 'integer', unit: 'count', description: 'Searches in the last 30 days', expr: () => countIfTracked('has_searches', sql`a.searches_30d`), live: (x) => liveCountIfTracked(x, 'has_searches', x.a?.searches_30d) },
  { name: 'carts_30d', type: 'integer', unit: 'count', description: 'Add-to-cart events in the last 30 days', expr: () => countIfTracked('has_carts', sql`a.carts_30d`), live: (x) => liveCountIfTracked(x, 'has_carts', x.a?.carts_30d) },
  { name: 'cart_abandon_rate', type: 'number', unit: 'ratio', description: 'Share of sessions with an add-to-cart in the last 90 days that ended without an order', expr: () => ratio(sql`vs.abandoned_sessions`, sql`vs.cart_sessions`), live: (x) => liveRatio(x.vs?.abandoned_sessions, x.vs?.cart_sessions) },
  { name: 'mobile_share', type: 'number', unit: 'ratio', description: 'Share of events with a known device that were on mobile', expr: () => ratio(sql`a.mobile_events`, sql`a.device_events`), live: (x) => liveRatio(x.a?.mobile_events, x.a?.device_events) },
  { name: 'weekend_share', type: 'number', unit: 'ratio', description: 'Share of orders placed on a Saturday or Sunday', expr: () => ratio(sql`o.weekend_orders`, sql`o.orders`), live: (x) => liveRatio(x.o?.weekend_orders, x.o?.orders) },
  { name: 'orders_per_year', type: 'number', unit: 'count', description: 'Orders per year of tenure (a tenure under 30 days counts as 30, so a first week does not read as a habit)', expr: (asOf) => sql`coalesce(o.orders, 0) * 365.0 / greatest(${days(sql`least(k.created_at, a.first_event)`, asOf)}, 30)`, live: (x) => ((x.o?.orders ?? 0) * 365) / Math.max(liveTenure(x) ?? 30, 30) },
  { name: 'visit_conversion_rate', type: 'number', unit: 'ratio', description: 'Share of online visits (sessions) that included an order (null without sessions)', expr: () => ratio(sql`vs.order_sessions`, sql`vs.sessions`), live: (x) => liveRatio(x.vs?.order_sessions, x.vs?.sessions) },
  ...STYLE_TAGS.map((tag) => ({
    name: `${tag}_share`,
    type: 'number' as const,
    unit: 'ratio' as const,
    description: `Share of units bought whose product carries the style tag '${tag}', among units of a known product (null when no product carries it, or the orders name no product)`,
    expr: () => sql`CASE WHEN ${hasBits(sql`st.style_tags_present`, styleBit(tag))} THEN ${ratio(sql`coalesce(o.${ident(styleItems(tag))}, 0)`, sql`o.product_items`)} END`,
    live: (x: LiveAggregates) => ((x.st.style_tags_present & styleBit(tag)) !== 0 ? liveRatio(x.o?.style_items[tag] ?? 0, x.o?.product_items) : null),
  })),
  { name: 'email_open_rate', type: 'number', unit: 'ratio', description: 'Emails opened per email sent (null without sends)', expr: () => ratio(sql`a.opens`, sql`a.sends`), live: (x) => liveRatio(x.a?.opens, x.a?.sends) },
  ...CLV_FEATURES.map((f) => ({ ...f, type: 'number' as const, description: `${f.description}; as of the latest run on or before the as-of date (null before one)`, expr: () => sql`cl.${ident(f.name)}` })),
]);

/*
 * Aliases available to product expressions: p (product: id, category, price), s (sales: units, gross, buyers,
 * repeat_buyers, order_lines), r (returns: returned_units, returned_amount), v (views: views, viewers),
 * t (price tier within category), h (store flags).
 */
export const PRODUCT_FEATURES: readonly FeatureDef[] = withEntity('product', [
  { name: 'units', type: 'number', unit: 'count', description: 'Units sold minus units returned', expr: () => sql`coalesce(s.units, 0) - coalesce(r.returned_units, 0)` },
  { name: 'revenue', type: 'number', unit: 'currency', description: 'Sales minus returned amounts', expr: () => sql`coalesce(s.gross, 0) - coalesce(r.returned_amount, 0)` },
  { name: 'buyers', type: 'integer', unit: 'count', description: 'Distinct customers who bought it', expr: () => sql`coalesce(s.buyers, 0)` },
  { name: 'repeat_buyer_rate', type: 'number', unit: 'ratio', description: 'Share of buyers who bought it in two orders or more', expr: () => ratio(sql`s.repeat_buyers`, sql`s.buyers`) },
  { name: 'views', type: 'integer', unit: 'count', description: 'Product views (null when the store records no views)', expr: () => countIfTracked('has_views', sql`v.views`) },
  { name: 'view_to_buy', type: 'number', unit: 'ratio', description: 'Order lines per view', expr: () => sql`CASE WHEN h.has_views THEN ${ratio(sql`coalesce(s.order_lines, 0)`, sql`v.views`)} END` },
  { name: 'price_tier', type: 'string', unit: null, description: 'low, mid or high: price tercile within its category', expr: () => sql`t.price_tier` },
]);

const FEATURES: Record<FeatureEntity, readonly FeatureDef[]> = { customer: CUSTOMER_FEATURES, product: PRODUCT_FEATURES };

export function findFeature(entity: FeatureEntity, name: string): FeatureDef | undefined {
  return FEATURES[entity].find((f) => f.name === name);
}

const VALUE_SCHEMAS: Record<FeatureType, () => z.ZodType<number | string>> = { integer: () => z.number().int(), number: () => z.number(), string: () => z.string() };

/** One value per customer feature, typed and described by the catalog; null where the customer has none. */
export const customerFeatureValuesSchema = z.object(
  Object.fromEntries(CUSTOMER_FEATURES.map((f) => [f.name, VALUE_SCHEMAS[f.type]().nullable().describe(f.unit ? `${f.description} (${f.unit})` : f.description)])),
);
export type CustomerFeatureValues = z.infer<typeof customerFeatureValuesSchema>;
