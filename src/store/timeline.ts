import { z } from 'zod';
import { formatTimestamp, sql } from '../sql/index.js';
import type { Store } from './store.js';

const nullableString = z.string().nullable();
const nullableNumber = z.number().nullable();

/** One customer's events, newest first, with the product each names: what a timeline shows. */
export const customerEventsSchema = z.object({
  customer_id: z.string(),
  total: z.number().describe('events of the customer in all'),
  limit: z.number(),
  offset: z.number(),
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      ts: z.string().describe('YYYY-MM-DD HH:MM:SS (UTC)'),
      product_id: nullableString,
      product_title: nullableString,
      category: nullableString,
      order_id: nullableString,
      quantity: nullableNumber,
      unit_price: nullableNumber,
      discount: nullableNumber,
      channel: nullableString,
      device: nullableString,
      query: nullableString,
    }),
  ),
});
export type CustomerEvents = z.infer<typeof customerEventsSchema>;

export async function customerEvents(store: Store, customerId: string, page: { limit: number; offset: number }): Promise<CustomerEvents> {
  const count = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events WHERE customer_id = ${customerId}`);
  const events = await store.all<CustomerEvents['events'][number]>(sql`
    SELECT e.id, e.type, ${formatTimestamp(sql`e.ts`)} AS ts, e.product_id, p.title AS product_title, p.category, e.order_id,
      e.quantity, e.unit_price, e.discount, e.channel, e.device, e.query
    FROM events e LEFT JOIN products p ON p.id = e.product_id
    WHERE e.customer_id = ${customerId} ORDER BY e.ts DESC, e.id LIMIT ${page.limit} OFFSET ${page.offset}`);
  return { customer_id: customerId, total: count?.n ?? 0, ...page, events };
}
