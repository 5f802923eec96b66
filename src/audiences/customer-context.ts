import { featuresOf } from '../features/index.js';
import { join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import type { CustomerContext, EventRecord } from '../segments/index.js';

/**
 * Everything the in-memory evaluator needs about some customers as of a date: their features (computed for them
 * alone, in one query), their customers rows and their events before the date with each product's fields. A
 * customer who did not exist then is absent from the result.
 */
export async function loadCustomerContexts(
  store: Store,
  customerIds: readonly string[],
  asOf: string,
  inAudience: (customerId: string) => (name: string) => boolean,
): Promise<Map<string, CustomerContext>> {
  const features = await featuresOf(store, asOf, customerIds);
  if (features.size === 0) return new Map();
  const ids = join([...features.keys()].map((id) => sql`${id}`));
  const customers = await store.all(sql`SELECT * EXCLUDE (attributes), attributes::VARCHAR AS attributes FROM customers WHERE id IN (${ids})`);
  const rows = await store.all<Omit<EventRecord, 'ts'> & { customer_id: string; at: Date }>(sql`
    SELECT ev.customer_id, ev.type, ev.ts AS at, ev.product_id, ev.quantity, ev.unit_price, ev.channel, ev.device, ev.country, ev.query,
      p.category, p.brand, p.style_tags
    FROM events ev LEFT JOIN products p ON p.id = ev.product_id
    WHERE ev.customer_id IN (${ids}) AND ev.ts < CAST(${asOf} AS TIMESTAMP)`);
  const eventsOf = new Map<string, EventRecord[]>();
  for (const { customer_id, at, ...e } of rows) {
    const list = eventsOf.get(customer_id) ?? [];
    list.push({ ...e, ts: at.getTime() });
    eventsOf.set(customer_id, list);
  }
  const byId = new Map(customers.map((c) => [String(c.id), c]));
  const asOfMs = Date.parse(`${asOf.replace(' ', 'T')}Z`);
  return new Map(
    [...features].map(([id, f]) => [id, { asOf: asOfMs, features: f, customer: byId.get(id) ?? {}, events: eventsOf.get(id) ?? [], inAudience: inAudience(id) }]),
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
