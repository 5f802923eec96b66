import { kindOrder } from '../audiences/kinds/index.js';
import { customerFeatures, type FeatureRow } from '../features/index.js';
import { NotFoundError } from '../shared/errors.js';
import { sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { CATALOG, catalogStamp, values, withCatalog } from './catalog.js';
import type { Fact } from './schema.js';
import { shiftTest, type DimensionCounts, type ShiftTest } from './shift-test.js';

/**
 * The facts of a profile, computed from the customer's history and the catalog as of a date. Every statement a narrator
 * writes rests on these; nothing else about the customer reaches the text.
 */

/** "Recent" browsing: the window the purchase moment and the new-behavior test read. */
export const RECENT_DAYS = 30;
/** Days of browsing the timeline shows, newest first. */
const TIMELINE_DAYS = 6;
const TOP = 5;

/**
 * Occasions that dress a look up. Formality is the share of units bought for one of them; the rest of OCCASIONS
 * (casual, sport, travel, lounge ...) read as casual.
 */
export const FORMAL_OCCASIONS = ['work', 'office', 'party', 'evening', 'wedding', 'formal', 'date'] as const;

export interface Share {
  value: string;
  units: number;
  share: number;
}

export interface TimelineDay {
  /** MM/DD, as the seed writes it. */
  day: string;
  searches: string[];
  views: number;
  carts: number;
  /** The category most viewed that day, if any. */
  category: string | null;
}

export interface AudienceFact {
  id: string;
  name: string;
  kind: string;
}

export interface ProfileFacts {
  customerId: string;
  asOf: string;
  /** Units of a known product bought before the as-of date. */
  units: number;
  orders: number;
  features: FeatureRow;
  attributes: { gender: string | null; age_band: string | null; country: string | null };
  colors: Share[];
  materials: Share[];
  tags: Share[];
  brands: Share[];
  categories: Share[];
  priceTiers: Share[];
  occasions: Share[];
  /** Share of units bought for a formal occasion; null without units. */
  formality: number | null;
  recent: { views: number; searches: number; carts: number };
  timeline: TimelineDay[];
  /** The products bought before the as-of date, which no look suggests again. */
  bought: string[];
  audiences: AudienceFact[];
  shift: ShiftTest;
}

/**
 * Everything a profile reads of one customer, in one query and one read of their events (the events are not stored by
 * customer, so each read scans them): the attribute counts of the units bought and of the recent views and carts, the
 * browsing per day, the products bought, the customer's attributes and audiences, and the catalog's stamp.
 */
function customerQuery(customerId: string, asOf: string): Sql {
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  const recent = sql`ts >= ${at} - to_days(CAST(${RECENT_DAYS} AS INTEGER))`;
  return sql`WITH
ev AS MATERIALIZED (
  SELECT type, ts, coalesce(quantity, 1) AS quantity, product_id, query FROM events
  WHERE customer_id = ${customerId} AND ts < ${at} AND (type = 'order' OR (type IN ('view', 'search', 'add_to_cart') AND ${recent}))
),
items AS (
  SELECT CASE WHEN ev.type = 'order' THEN 'bought' ELSE 'recent' END AS source,
    CASE WHEN ev.type = 'order' THEN ev.quantity ELSE 1 END AS n,
    c.category, c.brand, c.colors, c.materials, c.price_tier, c.tags, c.occasions
  FROM ev JOIN ${CATALOG} c ON c.id = ev.product_id WHERE ev.type IN ('order', 'view', 'add_to_cart')
),
counts AS (
  SELECT source, dim, value, CAST(sum(n) AS DOUBLE) AS n FROM (
    SELECT source, 'all' AS dim, '' AS value, n FROM items
    UNION ALL SELECT source, 'category', category, n FROM items WHERE category IS NOT NULL
    UNION ALL SELECT source, 'brand', brand, n FROM items WHERE brand IS NOT NULL
    UNION ALL SELECT source, 'price_tier', price_tier, n FROM items WHERE price_tier IS NOT NULL
    UNION ALL SELECT source, 'color', unnest(colors), n FROM items
    UNION ALL SELECT source, 'material', unnest(materials), n FROM items
    UNION ALL SELECT source, 'tag', unnest(tags), n FROM items
    UNION ALL SELECT source, 'occasion', unnest(occasions), n FROM items
    UNION ALL SELECT source, 'formal', 'formal', n FROM items WHERE list_has_any(occasions, ${values(FORMAL_OCCASIONS)})
  )
  GROUP BY ALL
),
days AS (
  SELECT CAST(e.ts AS DATE) AS date, strftime(CAST(e.ts AS DATE), '%m/%d') AS day,
    coalesce(list(e.query ORDER BY e.ts) FILTER (WHERE e.type = 'search' AND e.query IS NOT NULL), []) AS searches,
    CAST(count(*) FILTER (WHERE e.type = 'view') AS INTEGER) AS views, CAST(count(*) FILTER (WHERE e.type = 'add_to_cart') AS INTEGER) AS carts,
    mode(c.category) FILTER (WHERE e.type = 'view') AS category
  FROM ev e LEFT JOIN ${CATALOG} c ON c.id = e.product_id
  WHERE e.type IN ('view', 'search', 'add_to_cart') AND e.${recent}
  GROUP BY CAST(e.ts AS DATE)
)
SELECT
  coalesce((SELECT list({'source': source, 'dim': dim, 'value': value, 'n': n}) FROM counts), []) AS counts,
  coalesce((SELECT list({'day': day, 'searches': searches, 'views': views, 'carts': carts, 'category': category} ORDER BY date DESC) FROM days), []) AS timeline,
  coalesce((SELECT list(DISTINCT product_id) FROM ev WHERE type = 'order' AND product_id IS NOT NULL), []) AS bought,
  coalesce((SELECT list({'id': a.id, 'name': a.name, 'kind': a.kind} ORDER BY ${kindOrder(sql`a.kind`)}, a.name)
    FROM memberships m JOIN audiences a ON a.id = m.audience_id
    WHERE m.customer_id = ${customerId} AND m.as_of = (SELECT max(as_of) FROM runs WHERE as_of <= ${at})), []) AS audiences,
  (SELECT {'gender': attributes->>'gender', 'age_band': attributes->>'age_band', 'country': country} FROM customers WHERE id = ${customerId}) AS customer,
  ${catalogStamp()} AS stamp`;
}

interface CustomerRow {
  counts: CountRow[];
  timeline: TimelineDay[];
  bought: string[];
  audiences: AudienceFact[];
  customer: ProfileFacts['attributes'] | null;
  stamp: string;
}

interface CountRow {
  source: 'bought' | 'recent';
  dim: string;
  value: string;
  n: number;
}

function sharesOf(rows: readonly CountRow[], source: CountRow['source'], dim: string, total: number, top = TOP): Share[] {
  if (total <= 0) return [];
  return rows
    .filter((r) => r.source === source && r.dim === dim)
    .sort((a, b) => b.n - a.n || a.value.localeCompare(b.value))
    .slice(0, top)
    .map((r) => ({ value: r.value, units: r.n, share: round(r.n / total, 2) }));
}

function countsOf(rows: readonly CountRow[], dim: string): DimensionCounts {
  const counts: DimensionCounts = { dimension: dim, history: {}, recent: {} };
  for (const r of rows) if (r.dim === dim) (r.source === 'bought' ? counts.history : counts.recent)[r.value] = r.n;
  return counts;
}

export const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * The facts of one customer as of a date; a customer the store lacks is not found. Features as of a run's date are
 * its feature table's row (featuresOf), computed only for other dates or a customer who arrived after the run.
 */
export async function profileFacts(store: Store, customerId: string, asOf: string): Promise<ProfileFacts> {
  const features = await customerFeatures(store, asOf, customerId);
  if (!features) throw new NotFoundError(`customer "${customerId}" is not in the store as of ${asOf}`, { customer: customerId, as_of: asOf });
  const read = await withCatalog(store, () => store.one<CustomerRow>(customerQuery(customerId, asOf)));
  const { counts: rows, timeline, bought, audiences, customer } = read!;
  const total = (source: CountRow['source']): number => rows.find((r) => r.source === source && r.dim === 'all')?.n ?? 0;
  const units = total('bought');
  const formal = rows.find((r) => r.source === 'bought' && r.dim === 'formal')?.n ?? 0;
  return {
    customerId,
    asOf,
    units,
    orders: Number(features.orders ?? 0),
    features,
    attributes: customer ?? { gender: null, age_band: null, country: null },
    colors: sharesOf(rows, 'bought', 'color', units),
    materials: sharesOf(rows, 'bought', 'material', units),
    tags: sharesOf(rows, 'bought', 'tag', units),
    brands: sharesOf(rows, 'bought', 'brand', units, 3),
    categories: sharesOf(rows, 'bought', 'category', units),
    priceTiers: sharesOf(rows, 'bought', 'price_tier', units, 3),
    occasions: sharesOf(rows, 'bought', 'occasion', units, 3),
    formality: units > 0 ? round(formal / units, 2) : null,
    recent: {
      views: timeline.reduce((s, d) => s + d.views, 0),
      searches: timeline.reduce((s, d) => s + d.searches.length, 0),
      carts: timeline.reduce((s, d) => s + d.carts, 0),
    },
    timeline: timeline.slice(0, TIMELINE_DAYS),
    bought,
    audiences,
    shift: shiftTest(['category', 'occasion', 'price_tier'].map((dim) => countsOf(rows, dim))),
  };
}

/** The facts as the profile lists them: an id, what it is, its value. Ids are what evidence cites. */
export function factList(f: ProfileFacts): Fact[] {
  const feature = (name: string): number | null => {
    const v = f.features[name];
    return typeof v === 'number' ? round(v, 2) : null;
  };
  const shares = (s: Share[]) => s.map(({ value, units, share }) => ({ value, units, share }));
  return [
    { id: 'customer.attributes', what: 'gender, age band and country as the shop records them', value: { ...f.attributes } },
    { id: 'history.orders', what: 'orders placed before the as-of date', value: f.orders },
    { id: 'history.units', what: 'units of a known product bought', value: f.units },
    { id: 'history.revenue', what: 'spend net of returns', value: feature('revenue') },
    { id: 'history.aov', what: 'average order value', value: feature('aov') },
    { id: 'history.recency_days', what: 'days since the last order', value: feature('recency_days') },
    { id: 'history.tenure_days', what: 'days since registration or first event', value: feature('tenure_days') },
    { id: 'history.discount_share', what: 'share of order lines bought on discount', value: feature('discount_share') },
    { id: 'history.new_arrival_share', what: 'share of units bought within 30 days of launch', value: feature('new_arrival_share') },
    { id: 'clv', what: 'P(alive), expected orders in 90 days and CLV over 365 days, as of the latest run', value: { p_alive: feature('p_alive'), expected_orders_90d: feature('expected_orders_90d'), clv_365d: feature('clv_365d') } },
    { id: 'style.colors', what: 'colors of the units bought, with the share of units carrying each', value: shares(f.colors) },
    { id: 'style.materials', what: 'materials of the units bought, with shares', value: shares(f.materials) },
    { id: 'style.tags', what: 'style tags of the units bought, with shares', value: shares(f.tags) },
    { id: 'style.brands', what: 'brands bought most, with shares of units', value: shares(f.brands) },
    { id: 'style.categories', what: 'categories bought most, with shares of units', value: shares(f.categories) },
    { id: 'style.price_tier', what: "price tiers of the units bought (tercile of price within the product's category)", value: shares(f.priceTiers) },
    { id: 'style.formality', what: `share of units bought for a formal occasion (${FORMAL_OCCASIONS.join(', ')})`, value: f.formality },
    { id: 'occasions', what: 'occasions of the units bought (occasion tags, else the category), with shares', value: shares(f.occasions) },
    { id: 'browsing.recent', what: `views, searches and add-to-carts in the last ${RECENT_DAYS} days`, value: { ...f.recent, days: RECENT_DAYS } },
    {
      id: 'browsing.timeline',
      what: `browsing per day in the last ${RECENT_DAYS} days, newest first`,
      value: f.timeline.map((d) => ({ day: d.day, searches: d.searches, views: d.views, carts: d.carts, category: d.category })),
    },
    { id: 'audiences', what: 'audiences the customer is in at the latest run (segments, behaviors, clusters)', value: f.audiences.map((a) => ({ ...a })) },
    { id: 'moment.shift_test', what: f.shift.method, value: shiftValue(f.shift) },
  ];
}

function shiftValue(s: ShiftTest): Fact['value'] {
  return {
    new_behavior: s.newBehavior,
    enough_data: s.enoughData,
    dimension: s.dimension,
    statistic: s.statistic === null ? null : round(s.statistic, 2),
    df: s.df,
    p_value: s.pValue,
    threshold: s.threshold,
    history_n: s.historyN,
    recent_n: s.recentN,
    change: s.change ? { value: s.change.value, recent_share: round(s.change.recentShare, 2), history_share: round(s.change.historyShare, 2) } : null,
  };
}
