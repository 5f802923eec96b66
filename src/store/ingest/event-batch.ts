import { z } from 'zod';
import { ident, isoTimestamp, join, jsonRecords, sql, valuesOf, type Sql } from '../../sql/index.js';
import { EVENT_TYPES } from '../schema.js';
import type { Store } from '../store.js';
import { isErased, tombstoneKey } from '../privacy.js';
import { CURRENCY_CODE } from './mapping.js';
import { insertCustomersOf, insertUnknownProducts, type NewCustomer } from './derive.js';
import { isoMicros, microsToMs } from './iso-instant.js';

/** The most events one batch may carry: a bound on request size and on the time one write holds the store. */
export const MAX_BATCH_EVENTS = 1000;

const text = z.string().min(1).max(512);

/** One event as the ingest API takes it: the store's own fields, an id that makes re-sending harmless. */
const eventInputSchema = z
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

/** A batch's fields as the unknown customers and products are read from them: one JSON value (properties as their JSON text), NULL where absent. */
const FIELDS = Object.entries({
  id: 'VARCHAR', type: 'VARCHAR', ts: 'VARCHAR', customer_id: 'VARCHAR', anonymous_id: 'VARCHAR', session_id: 'VARCHAR',
  product_id: 'VARCHAR', order_id: 'VARCHAR', quantity: 'DOUBLE', unit_price: 'DOUBLE', discount: 'DOUBLE', query: 'VARCHAR',
  channel: 'VARCHAR', device: 'VARCHAR', country: 'VARCHAR', properties: 'VARCHAR', currency: 'VARCHAR',
});
/** The events' columns a batch fills, and their type as appended; the others (import_id: API events come from no import) are NULL. */
const COLUMNS = FIELDS.filter(([name]) => name !== 'ts').map(([name, type]) => ({ name, type: type as 'VARCHAR' | 'DOUBLE' }));
const UNSET = ['import_id'];

/** An event of a batch as it travels: properties as their JSON text. */
type Row = Omit<EventInput, 'properties'> & { properties: string | undefined };

/** The fields of a stored event the live view takes (StoredEvent), beside its instant. */
const STORED_FIELDS = ['id', 'type', 'customer_id', 'session_id', 'product_id', 'order_id', 'quantity', 'unit_price', 'discount', 'query', 'channel', 'device', 'country'] as const;
type StoredField = (typeof STORED_FIELDS)[number];

/** An event as the store took it from a batch: `ts` in epoch milliseconds (UTC), absent fields null. */
export type StoredEvent = { [K in StoredField]-?: K extends 'id' | 'type' ? string : Exclude<EventInput[K], undefined> | null } & { ts: number };

/** A kept event as stored, its instant `micros` as appended. */
function asStored(e: Row, micros: bigint): StoredEvent {
  const stored: Record<string, unknown> = { ts: microsToMs(micros) };
  for (const name of STORED_FIELDS) stored[name] = e[name] ?? null;
  return stored as StoredEvent;
}

/**
 * What a caller (the live view) knows of the store, surely complete while the store holds `events` events (another
 * writer since, such as an import or an erasure, changes the count, and the batch is then checked against the store
 * alone): which of some event ids it may hold (stored-ids.ts; absent, any may be), and which customers have a row.
 */
export interface KnownIds {
  events: number;
  /**
   * The store's `writes` when it last held `events` events, as far as the caller knows, and its tombstones then: while
   * nothing has written since (and no other process can: Store.soleWriter), the store still holds them, and is not
   * asked (a count of its events was 16 ms of CPU a turn at 1M customers).
   */
  unchangedSince?: { writes: number; tombstones: number } | undefined;
  /** Told when the store was found to hold `events` events, with its tombstones, before this call's writes. */
  matched?(tombstones: number): void;
  mayHold?(ids: readonly string[]): string[];
  /** Of these customers, those the caller does not hold: the only ones that may lack a customers row. */
  unheld(customerIds: readonly string[]): string[];
  /** Of these products, those the caller does not know to have a products row: the only ones that may lack one. */
  unknownProducts(productIds: readonly string[]): string[];
  /** Told the customers rows the batches added (the caller then need not read them back), before the commit. */
  created?(rows: readonly NewCustomer[]): void;
}

/** One batch: see ingestEventBatches. */
export async function ingestEventBatch(store: Store, events: readonly EventInput[], known?: KnownIds): Promise<BatchReport & { stored: StoredEvent[] }> {
  return (await ingestEventBatches(store, [events], known))[0]!;
}

/**
 * Stores validated batches in one transaction, one commit for all (concurrent batches share it): all of them or
 * none. Ids already stored, or repeated within or across the batches, are duplicates (the first copy in the batches'
 * order is stored, as if they had come one after another); events of erased customers are dropped. Which is which is
 * decided here from two lookups (the ids that may be stored, the batches' customers that may be erased), so the events
 * kept are appended as they are (Store.insertRows), their instants read here. Customers and products the batches
 * mention and the store lacks get a row. Each batch's report lists the events it stored, as stored (`stored`: the live
 * view takes them without reading the store back). With `known`, only the ids it may hold are looked for among the
 * stored ones: the check then costs the batches, not the store; and only the customers and products it does not know
 * to have a row are looked for, when there are any.
 */
export async function ingestEventBatches(store: Store, batches: ReadonlyArray<readonly EventInput[]>, known?: KnownIds): Promise<Array<BatchReport & { stored: StoredEvent[] }>> {
  const ids = [...new Set(batches.flatMap((events) => events.map((e) => e.id)))];
  return store.transaction(async () => {
    // Whether `known` still holds and whether anyone was erased, in one statement (a statement's fixed part is most of
    // what these cost), or none when nothing may have written since `known` was found to hold.
    const since = known?.unchangedSince;
    const probe =
      known && since && store.soleWriter && since.writes === store.writes
        ? { events: known.events, tombstones: since.tombstones }
        : (await store.one<{ events: number; tombstones: number }>(sql`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM tombstones) AS tombstones`))!;
    const trusted = known && probe.events === known.events ? known : undefined;
    trusted?.matched?.(probe.tombstones);
    const key = probe.tombstones ? await tombstoneKey(store) : undefined;
    const stored = await storedAmong(store, ids, trusted);
    const erased = key ? await erasedAmong(store, key, [...new Set(batches.flatMap((events) => events.flatMap((e) => (e.customer_id ? [e.customer_id] : []))))]) : new Set<string>();
    // Each id's first copy that is neither erased nor stored is the one stored; the others are duplicates.
    const taken = new Set<string>();
    const fates = batches.map((events) =>
      events.map((e): 'erased' | 'kept' | 'duplicate' => {
        if (e.customer_id !== undefined && erased.has(e.customer_id)) return 'erased';
        if (stored.has(e.id) || taken.has(e.id)) return 'duplicate';
        taken.add(e.id);
        return 'kept';
      }),
    );
    // Every event not erased, duplicates too, as the unknown customers and products are read from them; and those kept.
    const rows: Row[] = [];
    const kept: Row[] = [];
    batches.forEach((events, b) =>
      events.forEach((e, n) => {
        if (fates[b]![n] === 'erased') return;
        const row = { ...e, properties: e.properties && JSON.stringify(e.properties) };
        rows.push(row);
        if (fates[b]![n] === 'kept') kept.push(row);
      }),
    );
    // Appended, read in this process: the statement that parsed the batch's JSON and returned the rows as stored cost
    // a fifth of storing's CPU, most of it its fixed part.
    const micros = kept.map((e) => isoMicros(e.ts));
    await store.insertRows('events', [
      ...COLUMNS.map(({ name, type }) => {
        const values = kept.map((e) => e[name as keyof Row] ?? null);
        return type === 'DOUBLE' ? { name, type, values: values as Array<number | null> } : { name, type, values: values as Array<string | null> };
      }),
      { name: 'ts', type: 'TIMESTAMP', values: micros },
      ...UNSET.map((name) => ({ name, type: 'VARCHAR' as const, values: kept.map(() => null) })),
    ]);
    const written = kept.map((e, i) => asStored(e, micros[i]!));
    // Asking the customers table about every row of the batch read all of it: 170 ms of CPU a turn at 1M; asking the
    // products table when every product has a row was a fifth of storing's CPU.
    const unheld = trusted?.unheld([...new Set(rows.flatMap((r) => (r.customer_id ? [r.customer_id] : [])))]);
    const unknown = trusted?.unknownProducts([...new Set(rows.flatMap((r) => (r.product_id ? [r.product_id] : [])))]);
    const named = unheld && new Set(unheld);
    const mine = named ? rows.filter((r) => r.customer_id !== undefined && named.has(r.customer_id)) : rows;
    const created = await insertCustomersOf(store, mine.map((r) => ({ customer_id: r.customer_id, country: r.country, micros: isoMicros(r.ts) })));
    trusted?.created?.(created);
    // Reads only the rows of the products it may insert: the whole turn's JSON, parsed for one new customer, was a fifth
    // of a turn's CPU in the events benchmark (each batch names a new customer there).
    if (unknown?.length !== 0) {
      const some = unknown && new Set(unknown);
      const theirs = some ? rows.filter((r) => r.product_id !== undefined && some.has(r.product_id)) : rows;
      if (theirs.length) await insertUnknownProducts(store, batchRows(theirs), unknown);
    }
    const byId = new Map(written.map((e) => [e.id, e]));
    return batches.map((events, b) => {
      const mine = events.flatMap((e, n) => (fates[b]![n] === 'kept' ? [byId.get(e.id)!] : []));
      const erasedHere = fates[b]!.filter((f) => f === 'erased').length;
      return { received: events.length, accepted: mine.length, duplicates: events.length - mine.length - erasedHere, erased: erasedHere, stored: mine };
    });
  });
}

/** Rows of a batch as a relation of FIELDS (ts as a timestamp), for the statements that read them. */
function batchRows(rows: readonly Row[]): Sql {
  const fields = FIELDS.map(([name]) => (name === 'ts' ? sql`${isoTimestamp(sql`e.ts`)} AS ts` : sql`e.${ident(name)} AS ${ident(name)}`));
  return sql`(SELECT ${join(fields)} FROM ${jsonRecords('e', JSON.stringify(rows), FIELDS)})`;
}

/** Which of these ids are stored: looked up among the ids `known` may hold, or among every stored id. */
async function storedAmong(store: Store, ids: readonly string[], known: KnownIds | undefined): Promise<Set<string>> {
  const maybe = known?.mayHold?.(ids) ?? ids;
  if (maybe.length === 0) return new Set();
  const rows = await store.all<{ id: string }>(sql`SELECT id FROM events WHERE id IN (${join(maybe.map((id) => sql`${id}`))})`);
  return new Set(rows.map((r) => r.id));
}

/** Which of these customers were erased. */
async function erasedAmong(store: Store, key: string, customerIds: readonly string[]): Promise<Set<string>> {
  if (customerIds.length === 0) return new Set();
  const rows = await store.all<{ id: string }>(sql`SELECT id FROM ${valuesOf('c', [['id', 'VARCHAR']], customerIds.map((id) => [id]))} WHERE ${isErased(key, sql`id`)}`);
  return new Set(rows.map((r) => r.id));
}
