import { featuresOf, type CategoryMedian } from '../features/index.js';
import { allExcept, fromMillis, join, sql, type Sql } from '../sql/index.js';
import type { Row, Store } from '../store/index.js';
import type { CustomerContext, EventRecord } from '../segments/index.js';

/** Which customers to load: some by id, or every one. */
export type CustomerSet = readonly string[] | 'all';

/** `column IN (ids)`, or TRUE for every customer. */
export const idFilter = (column: Sql, who: CustomerSet): Sql => (who === 'all' ? sql`TRUE` : sql`${column} IN (${join(who.map((id) => sql`${id}`))})`);

/** Customers rows by id, `attributes` as JSON text (the evaluator reads either form). */
export async function customerRows(store: Store, who: CustomerSet): Promise<Map<string, Row>> {
  const rows = await store.all(sql`SELECT ${allExcept(['attributes'])}, CAST(attributes AS VARCHAR) AS attributes FROM customers WHERE ${idFilter(sql`id`, who)}`);
  return new Map(rows.map((c) => [String(c.id), c]));
}

export interface EventSelection {
  before: string;
  /** Only these types (default: every type). */
  types?: ReadonlySet<string> | undefined;
  /** Only events at or after this instant (epoch ms; default: all of history). */
  since?: number | undefined;
}

/** Customers' events with their products' fields, grouped by customer. */
export async function eventRecords(store: Store, who: CustomerSet, selection: EventSelection): Promise<Map<string, EventRecord[]>> {
  if (selection.types?.size === 0 || (who !== 'all' && who.length === 0)) return new Map();
  const types = selection.types ? sql`AND ev.type IN (${join([...selection.types].map((t) => sql`${t}`))})` : sql``;
  const since = selection.since !== undefined && Number.isFinite(selection.since) ? sql`AND ev.ts >= ${fromMillis(selection.since)}` : sql``;
  const rows = await store.all<Omit<EventRecord, 'ts'> & { customer_id: string; at: Date }>(sql`
    SELECT ev.customer_id, ev.type, ev.ts AS at, ev.product_id, ev.quantity, ev.unit_price, ev.channel, ev.device, ev.country, ev.query,
      p.category, p.brand, p.style_tags, p.colors, p.materials
    FROM events ev LEFT JOIN products p ON p.id = ev.product_id
    WHERE ${idFilter(sql`ev.customer_id`, who)} AND ev.customer_id IS NOT NULL AND ev.ts < CAST(${selection.before} AS TIMESTAMP) ${types} ${since}`);
  const eventsOf = new Map<string, EventRecord[]>();
  for (const { customer_id, at, ...e } of rows) {
    const list = eventsOf.get(customer_id) ?? [];
    list.push({ ...e, ts: at.getTime() });
    eventsOf.set(customer_id, list);
  }
  return eventsOf;
}

export const asOfMs = (asOf: string): number => Date.parse(`${asOf.replace(' ', 'T')}Z`);
/** `YYYY-MM-DD HH:MM:SS` of an instant: asOfMs's inverse for the instants customers are as of. */
export const instantText = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Everything the in-memory evaluator needs about some customers as of a date: their features (computed for them
 * alone, in one query), their customers rows and their events before the date with each product's fields. A
 * customer who did not exist then is absent from the result.
 *
 * Features are computed from the store's events even as of the feature table's date: events dated before a run may
 * be stored after it (a backfill through the API), and they count as of that date, in the event clauses (which read
 * the events) as in the features, as they do in the live view and in the next run. The table would answer without
 * them.
 */
export async function loadCustomerContexts(
  store: Store,
  customerIds: readonly string[],
  asOf: string,
  inAudience: (customerId: string) => (name: string) => boolean,
  options: { categoryMedians?: readonly CategoryMedian[]; events?: Omit<EventSelection, 'before'> } = {},
): Promise<Map<string, CustomerContext & { events: EventRecord[] }>> {
  const features = await featuresOf(store, asOf, customerIds, options.categoryMedians, { computed: true });
  if (features.size === 0) return new Map();
  const known = [...features.keys()];
  const customers = await customerRows(store, known);
  const eventsOf = await eventRecords(store, known, { before: asOf, ...options.events });
  const at = asOfMs(asOf);
  return new Map(
    [...features].map(([id, f]) => [id, { asOf: at, features: f, customer: customers.get(id) ?? {}, events: eventsOf.get(id) ?? [], inAudience: inAudience(id) }]),
  );
}

export async function loadCustomerContext(
  store: Store,
  customerId: string,
  asOf: string,
  inAudience: (name: string) => boolean,
): Promise<CustomerContext | undefined> {
  return (await loadCustomerContexts(store, [customerId], asOf, () => inAudience)).get(customerId);
}
