import { z } from 'zod';
import { sql } from '../../sql/index.js';
import { EVENT_TYPES } from '../schema.js';
import type { Store } from '../store.js';
import { isErased, tombstoneKeyIfAny } from '../privacy.js';
import { CURRENCY_CODE } from './mapping.js';
import { insertUnknownCustomers, insertUnknownProducts } from './derive.js';

/** The most events one batch may carry: a bound on request size and on the time one write holds the store. */
export const MAX_BATCH_EVENTS = 1000;

const text = z.string().min(1).max(512);

/** One event as the ingest API takes it: the store's own fields, an id that makes re-sending harmless. */
export const eventInputSchema = z
  .strictObject({
    id: text.describe('unique per event; a re-sent id is counted as a duplicate, not stored twice'),
    type: z.enum(EVENT_TYPES),
    ts: z.iso.datetime({ offset: true, local: true }).describe('ISO 8601; without an offset it is read as UTC'),
    customer_id: text.optional(),
    anonymous_id: text.optional(),
    session_id: text.optional(),
    product_id: text.optional(),
    order_id: text.optional(),
    quantity: z.number().finite().optional(),
    unit_price: z.number().finite().optional(),
    discount: z.number().finite().optional(),
    query: z.string().max(2000).optional(),
    channel: text.optional(),
    device: text.optional(),
    country: text.optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    currency: z.string().regex(CURRENCY_CODE).optional().describe('ISO 4217 code of unit_price and discount, such as EUR'),
  })
  .superRefine((e, ctx) => {
    if (!e.customer_id && !e.anonymous_id) ctx.addIssue({ code: 'custom', path: ['customer_id'], message: 'an event needs a customer_id or an anonymous_id' });
    if (e.type === 'order' || e.type === 'return') {
      for (const field of ['product_id', 'quantity', 'unit_price'] as const) {
        if (e[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `an order line needs ${field}` });
      }
      if (e.quantity !== undefined && e.quantity <= 0) ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'an order line needs a positive quantity' });
    }
  });
export type EventInput = z.infer<typeof eventInputSchema>;

export const eventBatchSchema = z.strictObject({ events: z.array(eventInputSchema).min(1).max(MAX_BATCH_EVENTS) });

export const batchReportSchema = z.object({
  received: z.number().int(),
  accepted: z.number().int(),
  duplicates: z.number().int().describe('ids already stored, or repeated within the batch'),
  erased: z.number().int().describe('events of erased customers: not stored'),
});
export type BatchReport = z.infer<typeof batchReportSchema>;

const STRUCTURE = JSON.stringify([
  {
    id: 'VARCHAR', type: 'VARCHAR', ts: 'VARCHAR', customer_id: 'VARCHAR', anonymous_id: 'VARCHAR', session_id: 'VARCHAR',
    product_id: 'VARCHAR', order_id: 'VARCHAR', quantity: 'DOUBLE', unit_price: 'DOUBLE', discount: 'DOUBLE', query: 'VARCHAR',
    channel: 'VARCHAR', device: 'VARCHAR', country: 'VARCHAR', properties: 'JSON', currency: 'VARCHAR',
  },
]);

/** An event as the store took it from a batch: `ts` in epoch milliseconds (UTC), absent fields null. */
export interface StoredEvent {
  id: string;
  type: string;
  ts: number;
  customer_id: string | null;
  session_id: string | null;
  product_id: string | null;
  order_id: string | null;
  quantity: number | null;
  unit_price: number | null;
  discount: number | null;
  query: string | null;
  channel: string | null;
  device: string | null;
  country: string | null;
}

/**
 * Stores a validated batch in one transaction: all of it or none. The batch travels as one bound JSON value and is
 * unpacked by DuckDB; ids already stored, or repeated within the batch, are duplicates. Customers and products the
 * batch mentions and the store lacks get a row. `stored` lists the events stored, as stored (the live view takes
 * them without reading the store back).
 */
export async function ingestEventBatch(store: Store, events: readonly EventInput[]): Promise<BatchReport & { stored: StoredEvent[] }> {
  const key = await tombstoneKeyIfAny(store);
  const erased = key ? isErased(key, sql`customer_id`) : sql`false`;
  const batch = sql`(SELECT e.id, e.type, CAST(CAST(e.ts AS TIMESTAMPTZ) AS TIMESTAMP) AS ts, e.customer_id, e.anonymous_id, e.session_id,
      e.product_id, e.order_id, e.quantity, e.unit_price, e.discount, e.query, e.channel, e.device, e.country, e.properties, e.currency
    FROM (SELECT unnest(from_json(CAST(${JSON.stringify(events)} AS JSON), ${STRUCTURE})) AS e))`;
  return store.transaction(async () => {
    await store.run(sql`CREATE OR REPLACE TEMP TABLE batch AS SELECT *, ${erased} AS __erased FROM ${batch}`);
    const stored = await store.all<StoredEvent>(sql`INSERT INTO events BY NAME
      SELECT * EXCLUDE (__erased) FROM batch n WHERE NOT __erased AND NOT EXISTS (SELECT 1 FROM events x WHERE x.id = n.id)
      QUALIFY row_number() OVER (PARTITION BY id) = 1
      RETURNING id, type, epoch_ms(ts) AS ts, customer_id, session_id, product_id, order_id, quantity, unit_price, discount, query, channel, device, country`);
    const accepted = stored.length;
    const gone = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM batch WHERE __erased`))?.n ?? 0;
    const kept = sql`(SELECT * FROM batch WHERE NOT __erased)`;
    await insertUnknownCustomers(store, kept);
    await insertUnknownProducts(store, kept);
    await store.run(sql`DROP TABLE batch`);
    return { received: events.length, accepted, duplicates: events.length - accepted - gone, erased: gone, stored };
  });
}
