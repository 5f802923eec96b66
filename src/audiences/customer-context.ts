import { customerFeatures } from '../features/index.js';
import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import type { CustomerContext, EventRecord } from '../segments/index.js';

/**
 * Everything the in-memory evaluator needs about one customer as of a date: their features (computed for them
 * alone), their customers row and their events before the date with each product's fields. Undefined when the
 * customer did not exist then.
 */
export async function loadCustomerContext(
  store: Store,
  customerId: string,
  asOf: string,
  inAudience: (name: string) => boolean,
): Promise<CustomerContext | undefined> {
  const features = await customerFeatures(store, asOf, customerId);
  if (!features) return undefined;
  const customer = (await store.one(sql`SELECT * EXCLUDE (attributes), attributes::VARCHAR AS attributes FROM customers WHERE id = ${customerId}`)) ?? {};
  const rows = await store.all<Omit<EventRecord, 'ts'> & { at: Date }>(sql`
    SELECT ev.type, ev.ts AS at, ev.product_id, ev.quantity, ev.unit_price, ev.channel, ev.device, ev.country, ev.query,
      p.category, p.brand, p.style_tags
    FROM events ev LEFT JOIN products p ON p.id = ev.product_id
    WHERE ev.customer_id = ${customerId} AND ev.ts < CAST(${asOf} AS TIMESTAMP)`);
  const events = rows.map(({ at, ...e }) => ({ ...e, ts: at.getTime() }));
  return { asOf: Date.parse(`${asOf.replace(' ', 'T')}Z`), features, customer, events, inAudience };
}
