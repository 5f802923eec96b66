import { kindOrder } from '../audiences/index.js';
import { featuresOf, type FeatureRow } from '../features/index.js';
import { asTimestamp, days, formatTimestamp, join, jsonText, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { catalogStamp, profileCatalog, type CatalogProduct, type ProfileCatalog } from './catalog.js';
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
const FORMAL_OCCASIONS = ['work', 'office', 'party', 'evening', 'wedding', 'formal', 'date'] as const;

export interface Share {
  value: string;
  units: number;
  share: number;
}

interface TimelineDay {
  /** MM/DD, as the seed writes it. */
  day: string;
  searches: string[];
  views: number;
  carts: number;
  /** The category most viewed that day, if any. */
  category: string | null;
}

interface AudienceFact {
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
  /** Whom the units bought were made for, where the catalog says (docs/profiles.md); empty when it never does. */
  departments: Share[];
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
 * Everything profiles read of these customers, in one read of the events for them all (the events are not stored by
 * customer, so each read scans them; ids in order let the scan skip the blocks outside their range), a read of their
 * audiences and one of their attributes: flat rows, in the order a customer's lists keep (events by time, then id;
 * audiences by kind, then name), grouped by customer here rather than into lists in SQL, which the engines spell
 * differently. What the events' products are comes from the catalog held in memory (profileCatalog).
 */
async function customerRows(store: Store, customerIds: readonly string[], asOf: string): Promise<CustomerRow[]> {
  const at = asTimestamp(asOf);
  const ids = join(customerIds.map((id) => sql`${id}`));
  const events = await store.all<Omit<CustomerEvent, 'date' | 'day'> & { id: string; at: string }>(sql`
    SELECT customer_id AS id, type, ${formatTimestamp(sql`ts`)} AS at, CAST(coalesce(quantity, 1) AS DOUBLE) AS quantity, product_id, query
    FROM events WHERE customer_id IN (${ids}) AND ts < ${at}
      AND (type = 'order' OR (type IN ('view', 'search', 'add_to_cart') AND ts >= ${at} - ${days(RECENT_DAYS)}))
    ORDER BY customer_id, ts, events.id`);
  const audiences = await store.all<AudienceFact & { customer_id: string }>(sql`
    SELECT m.customer_id AS customer_id, a.id AS id, a.name AS name, a.kind AS kind
    FROM memberships m JOIN audiences a ON a.id = m.audience_id
    WHERE m.customer_id IN (${ids}) AND m.as_of = (SELECT max(as_of) FROM runs WHERE as_of <= ${at})
    ORDER BY m.customer_id, ${kindOrder(sql`a.kind`)}, a.name`);
  const customers = await store.all<NonNullable<CustomerRow['customer']> & { id: string }>(sql`
    SELECT id, ${jsonText(sql`attributes`, ['gender'])} AS gender, ${jsonText(sql`attributes`, ['age_band'])} AS age_band, country
    FROM customers WHERE id IN (${ids})`);
  const rows = new Map<string, CustomerRow>(customerIds.map((id) => [id, { id, events: [], audiences: [], customer: null }]));
  for (const { id, at: time, ...e } of events) rows.get(id)!.events.push({ ...e, quantity: Number(e.quantity), date: time.slice(0, 10), day: `${time.slice(5, 7)}/${time.slice(8, 10)}` });
  for (const { customer_id, ...a } of audiences) rows.get(customer_id)!.audiences.push(a);
  for (const { id, ...c } of customers) rows.get(id)!.customer = c;
  return [...rows.values()];
}

/** An order, or a view, search or add-to-cart of the recent window. */
interface CustomerEvent {
  type: 'order' | 'view' | 'search' | 'add_to_cart';
  /** YYYY-MM-DD and MM/DD of its time. */
  date: string;
  day: string;
  quantity: number;
  product_id: string | null;
  query: string | null;
}

interface CustomerRow {
  id: string;
  events: CustomerEvent[];
  audiences: AudienceFact[];
  customer: ProfileFacts['attributes'] | null;
}

const FORMAL: ReadonlySet<string> = new Set(FORMAL_OCCASIONS);

/** Units bought and recent views and carts per product attribute (dimension and value); `all` counts them all. */
function attributeCounts(events: readonly CustomerEvent[], catalog: ReadonlyMap<string, CatalogProduct>): CountRow[] {
  const counts = new Map<string, CountRow>();
  const add = (source: CountRow['source'], dim: string, value: string, n: number): void => {
    const key = `${source}\u0000${dim}\u0000${value}`;
    const row = counts.get(key);
    if (row) row.n += n;
    else counts.set(key, { source, dim, value, n });
  };
  for (const e of events) {
    const p = e.type === 'search' || e.product_id === null ? undefined : catalog.get(e.product_id);
    if (!p) continue;
    const source = e.type === 'order' ? 'bought' : 'recent';
    const n = e.type === 'order' ? e.quantity : 1;
    add(source, 'all', '', n);
    if (p.category !== null) add(source, 'category', p.category, n);
    if (p.brand !== null) add(source, 'brand', p.brand, n);
    if (p.price_tier !== null) add(source, 'price_tier', p.price_tier, n);
    if (p.department !== null) add(source, 'department', p.department, n);
    for (const v of p.colors) add(source, 'color', v, n);
    for (const v of p.materials) add(source, 'material', v, n);
    for (const v of p.tags) add(source, 'tag', v, n);
    for (const v of p.occasions) add(source, 'occasion', v, n);
    if (p.occasions.some((o) => FORMAL.has(o))) add(source, 'formal', 'formal', n);
  }
  return [...counts.values()];
}
/** Browsing per day, newest first: searches in time order, views, carts and the category viewed most (on a tie, the one viewed first). */
function timelineOf(events: readonly CustomerEvent[], catalog: ReadonlyMap<string, CatalogProduct>): TimelineDay[] {
  const days = new Map<string, TimelineDay & { date: string; viewed: Map<string, number> }>();
  for (const e of events) {
    if (e.type === 'order') continue;
    let d = days.get(e.date);
    if (!d) days.set(e.date, (d = { date: e.date, day: e.day, searches: [], views: 0, carts: 0, category: null, viewed: new Map() }));
    if (e.type === 'search' && e.query !== null) d.searches.push(e.query);
    if (e.type === 'add_to_cart') d.carts++;
    if (e.type !== 'view') continue;
    d.views++;
    const category = e.product_id === null ? null : (catalog.get(e.product_id)?.category ?? null);
    if (category !== null) d.viewed.set(category, (d.viewed.get(category) ?? 0) + 1);
  }
  return [...days.values()]
    .sort((a, b) => b.date.localeCompare(a.date))
    .map(({ day, searches, views, carts, viewed }) => {
      let category: string | null = null;
      for (const [c, n] of viewed) if (category === null || n > viewed.get(category)!) category = c;
      return { day, searches, views, carts, category };
    });
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
 * The facts of these customers as of a date, by id, with the catalog they were read with; a customer the store lacks
 * is left out. Features as of a run's date are its feature table's rows (featuresOf), computed only for other dates or
 * customers who arrived after the run.
 */
export async function profileFactsOf(store: Store, customerIds: readonly string[], asOf: string): Promise<{ catalog: ProfileCatalog; facts: Map<string, ProfileFacts> }> {
  const ids = [...new Set(customerIds)].sort();
  const features = await featuresOf(store, asOf, ids);
  const { stamp } = (await store.one<{ stamp: string }>(sql`SELECT ${catalogStamp()} AS stamp`))!;
  const known = ids.filter((id) => features.has(id));
  const rows = known.length ? await customerRows(store, known, asOf) : [];
  const catalog = await profileCatalog(store, stamp);
  return { catalog, facts: new Map(rows.map((row) => [row.id, factsOf(row, features.get(row.id)!, catalog.products, asOf)])) };
}

function factsOf({ id: customerId, events, audiences, customer }: CustomerRow, features: FeatureRow, catalog: ReadonlyMap<string, CatalogProduct>, asOf: string): ProfileFacts {
  const rows = attributeCounts(events, catalog);
  const timeline = timelineOf(events, catalog);
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
    departments: sharesOf(rows, 'bought', 'department', units),
    formality: units > 0 ? round(formal / units, 2) : null,
    recent: {
      views: timeline.reduce((s, d) => s + d.views, 0),
      searches: timeline.reduce((s, d) => s + d.searches.length, 0),
      carts: timeline.reduce((s, d) => s + d.carts, 0),
    },
    timeline: timeline.slice(0, TIMELINE_DAYS),
    bought: [...new Set(events.flatMap((e) => (e.type === 'order' && e.product_id !== null ? [e.product_id] : [])))],
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
    // Only where the catalog states whom products are for: the looks keep to the department the customer buys from.
    ...(f.departments.length ? [{ id: 'style.departments', what: 'whom the units bought were made for (product gender or department), with shares', value: shares(f.departments) }] : []),
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
