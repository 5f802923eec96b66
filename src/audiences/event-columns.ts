import { sql } from '../sql/index.js';
import type { EventRecord } from '../segments/index.js';
import type { Store, StoredEvent } from '../store/index.js';
import type { StoredIds } from './stored-ids.js';

/** A field's strings numbered in order of first sight, so a column holds 4 bytes an event instead of a string. */
class Vocabulary {
  private readonly numbers = new Map<string, number>();
  private readonly values: string[] = [];

  of(value: string | null): number {
    if (value === null) return -1;
    let n = this.numbers.get(value);
    if (n === undefined) {
      n = this.values.length;
      this.values.push(value);
      this.numbers.set(value, n);
    }
    return n;
  }

  at(n: number): string | null {
    return n < 0 ? null : this.values[n]!;
  }
}

/**
 * A 52-bit hash of an order or session key, exact in a double. The feature query only asks which of a customer's
 * events share an order or a session, so their keys need not be held: two different keys of one customer collide
 * with odds of about n²/2^53 (n keys), which is nil for any real customer. It saves the millions of distinct order
 * and session strings a store holds.
 */
export function key52(text: string): number {
  const [a, b] = textHashes(text);
  return a * 0x100000 + (b & 0xfffff);
}

/** Two independent unsigned 32-bit hashes of a text (FNV-1a and a murmur-style mix). */
export function textHashes(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, b >>> 0];
}

/** What a product adds to its events in rules (EventRecord's product fields). */
type ProductFields = Pick<EventRecord, 'category' | 'brand' | 'style_tags' | 'colors' | 'materials'>;
const NO_PRODUCT: ProductFields = { category: null, brand: null, style_tags: null, colors: null, materials: null };

/** A row of the events the feature query reads (customer-sql.ts's `ev`), as events of a touched customer travel to it. */
export interface FeatureEventRow {
  id: string;
  type: string;
  ts: number;
  customer_id: string;
  session_id: string | null;
  product_id: string | null;
  order_id: string;
  quantity: number | null;
  unit_price: number | null;
  discount: number | null;
  device: string | null;
}

const INITIAL_EVENTS = 1024;

/**
 * Every customer's events, held by column: typed arrays a field, each customer's events in one slot of them (start,
 * count, capacity per customer number), strings as numbers of a vocabulary, order and session keys as key52 hashes,
 * a discount as whether it was given (the feature query asks no more of it). About 60 bytes an event, outside the JS
 * heap (ArrayBuffers), and no object per event: a customer's EventRecords are made when their rules are evaluated.
 *
 * A customer whose slot is full moves to a slot of twice the size at the end; the old one stays unused until the
 * view is built again (after the next run), so appends cost at most twice the room of the events they add.
 */
export class EventColumns {
  /** The columns' bytes an event (type, time, session, order, product, quantity, price, discount, channel, device, country, query). */
  static readonly BYTES_PER_EVENT = 1 + 8 + 8 + 8 + 4 + 8 + 8 + 1 + 4 + 4 + 4 + 4;
  private readonly customers = new Map<string, number>();
  private readonly customerIds: string[] = [];
  private start = new Int32Array(1024);
  private count = new Int32Array(1024);
  private capacity = new Int32Array(1024);
  private used = 0;

  private type = new Uint8Array(INITIAL_EVENTS);
  private ts = new Float64Array(INITIAL_EVENTS);
  private session = new Float64Array(INITIAL_EVENTS);
  private order = new Float64Array(INITIAL_EVENTS);
  private product = new Int32Array(INITIAL_EVENTS);
  private quantity = new Float64Array(INITIAL_EVENTS);
  private price = new Float64Array(INITIAL_EVENTS);
  private discount = new Int8Array(INITIAL_EVENTS);
  private channel = new Int32Array(INITIAL_EVENTS);
  private device = new Int32Array(INITIAL_EVENTS);
  private country = new Int32Array(INITIAL_EVENTS);
  private query = new Int32Array(INITIAL_EVENTS);

  private readonly types = new Vocabulary();
  private readonly products = new Vocabulary();
  private readonly productFields: ProductFields[] = [];
  private readonly channels = new Vocabulary();
  private readonly devices = new Vocabulary();
  private readonly countries = new Vocabulary();
  private readonly queries = new Vocabulary();

  /**
   * Every customer's events in the store, with their products' fields, and every event's id into `ids` (those of
   * anonymous events too): one streamed read of the events, a chunk at a time by column (Store.vectorChunks), so
   * neither DuckDB nor JavaScript holds more than a chunk of rows beside the columns.
   */
  static async load(store: Store, ids: StoredIds): Promise<EventColumns> {
    const columns = new EventColumns();
    for (const p of await store.all<ProductFields & { id: string }>(sql`SELECT id, category, brand, style_tags, colors, materials FROM products`)) {
      columns.productFields[columns.products.of(p.id)] = { category: p.category, brand: p.brand, style_tags: p.style_tags, colors: p.colors, materials: p.materials };
    }
    // Each customer's slot sized to their events first, so the events are read once, in any order.
    const counts = await store.all<{ id: string; n: number }>(sql`SELECT customer_id AS id, count(*) AS n FROM events WHERE customer_id IS NOT NULL GROUP BY 1`);
    const total = counts.reduce((n, c) => n + c.n, 0);
    if (total > columns.ts.length) columns.growEvents(total);
    for (const { id, n } of counts) columns.reserve(columns.numberOf(id), n);
    for await (const chunk of store.vectorChunks(sql`
      SELECT id, customer_id, type, CAST(epoch_ms(ts) AS DOUBLE) AS ts, session_id, coalesce(order_id, id) AS order_key, product_id,
        CAST(quantity AS DOUBLE) AS quantity, CAST(unit_price AS DOUBLE) AS unit_price, CAST(discount AS DOUBLE) AS discount, channel, device, country, query
      FROM events`)) {
      const v = chunk as Record<string, string[] & Float64Array>;
      for (let r = 0; r < v.id!.length; r++) {
        const id = v.id![r];
        if (id !== null && id !== undefined) ids.add(id);
        const customer = v.customer_id![r];
        if (customer === null || customer === undefined) continue;
        const discount = v.discount![r]!;
        columns.write(columns.numberOf(customer), v.type![r]!, v.ts![r]!, v.session_id![r]!, v.order_key![r]!, v.product_id![r]!, v.quantity![r]!, v.unit_price![r]!,
          Number.isNaN(discount) ? null : discount, v.channel![r]!, v.device![r]!, v.country![r]!, v.query![r]!);
      }
    }
    return columns;
  }

  /** Adds stored events (see ingestEventBatch); those of no known customer are not held. */
  append(e: StoredEvent): void {
    if (e.customer_id === null) return;
    const c = this.numberOf(e.customer_id);
    if (this.count[c]! === this.capacity[c]!) this.reserve(c, Math.max(4, this.capacity[c] * 2));
    this.write(c, e.type, Number(e.ts), e.session_id, e.order_id ?? e.id, e.product_id, e.quantity ?? NaN, e.unit_price ?? NaN, e.discount, e.channel, e.device, e.country, e.query);
  }

  /** The customer's newest event (epoch ms), -Infinity without events. */
  newest(customerId: string): number {
    const c = this.customers.get(customerId);
    let newest = -Infinity;
    if (c === undefined) return newest;
    for (let i = this.start[c]!, end = i + this.count[c]!; i < end; i++) newest = Math.max(newest, this.ts[i]!);
    return newest;
  }

  /** The customer's events of these types at or after `since`, as the rule evaluator reads them. */
  records(customerId: string, types: ReadonlySet<string>, since: number): EventRecord[] {
    const c = this.customers.get(customerId);
    const out: EventRecord[] = [];
    if (c === undefined || types.size === 0) return out;
    for (let i = this.start[c]!, end = i + this.count[c]!; i < end; i++) {
      const type = this.types.at(this.type[i]!)!;
      if (!types.has(type) || this.ts[i]! < since) continue;
      const product = this.product[i]!;
      out.push({
        type,
        ts: this.ts[i]!,
        product_id: this.products.at(product),
        quantity: nullIfNaN(this.quantity[i]!),
        unit_price: nullIfNaN(this.price[i]!),
        channel: this.channels.at(this.channel[i]!),
        device: this.devices.at(this.device[i]!),
        country: this.countries.at(this.country[i]!),
        query: this.queries.at(this.query[i]!),
        ...(this.productFields[product] ?? NO_PRODUCT),
      });
    }
    return out;
  }

  /**
   * These customers' events as the feature query reads them: the same order and session within a customer keep one
   * key (prefixed by the customer, since orders group across customers), every event its own id.
   */
  featureRows(customerIds: readonly string[]): FeatureEventRow[] {
    const out: FeatureEventRow[] = [];
    for (const id of customerIds) {
      const c = this.customers.get(id);
      if (c === undefined) continue;
      for (let i = this.start[c]!, end = i + this.count[c]!; i < end; i++) {
        const session = this.session[i]!;
        out.push({
          id: String(i),
          type: this.types.at(this.type[i]!)!,
          ts: this.ts[i]!,
          customer_id: id,
          session_id: Number.isNaN(session) ? null : `${c}:${session}`,
          product_id: this.products.at(this.product[i]!),
          order_id: `${c}:${this.order[i]!}`,
          quantity: nullIfNaN(this.quantity[i]!),
          unit_price: nullIfNaN(this.price[i]!),
          discount: this.discount[i]! < 0 ? null : this.discount[i]!,
          device: this.devices.at(this.device[i]!),
        });
      }
    }
    return out;
  }

  /** Drops a customer's events (an erasure). */
  forget(customerId: string): void {
    const c = this.customers.get(customerId);
    if (c !== undefined) this.count[c] = 0;
  }

  /** Events held, and the bytes of the columns that hold them (used slots and the room reserved beyond). */
  size(): { events: number; bytes: number } {
    let events = 0;
    for (let c = 0; c < this.customerIds.length; c++) events += this.count[c]!;
    return { events, bytes: [...this.eventColumns(), this.start, this.count, this.capacity].reduce((n, a) => n + a.byteLength, 0) };
  }

  /** One event of customer `c` into the room of their slot (NaN for a missing number). */
  private write(
    c: number, type: string, ts: number, session: string | null, orderKey: string, product: string | null, quantity: number, price: number,
    discount: number | null, channel: string | null, device: string | null, country: string | null, query: string | null,
  ): void {
    const i = this.start[c]! + this.count[c]!;
    this.count[c]!++;
    this.type[i] = this.types.of(type);
    this.ts[i] = ts;
    this.session[i] = session === null ? NaN : key52(session);
    this.order[i] = key52(orderKey);
    this.product[i] = this.products.of(product);
    this.quantity[i] = quantity;
    this.price[i] = price;
    this.discount[i] = discount === null ? -1 : discount > 0 ? 1 : 0;
    this.channel[i] = this.channels.of(channel);
    this.device[i] = this.devices.of(device);
    this.country[i] = this.countries.of(country);
    this.query[i] = this.queries.of(query);
  }

  private numberOf(customerId: string): number {
    let c = this.customers.get(customerId);
    if (c === undefined) {
      c = this.customerIds.length;
      this.customerIds.push(customerId);
      this.customers.set(customerId, c);
      if (c === this.start.length) {
        this.start = grown(this.start, c * 2);
        this.count = grown(this.count, c * 2);
        this.capacity = grown(this.capacity, c * 2);
      }
    }
    return c;
  }

  /** Gives customer `c` a slot of `capacity` events at the end of the columns, with their events moved there. */
  private reserve(c: number, capacity: number): void {
    const need = this.used + capacity;
    // Grown by an eighth: doubling columns of tens of millions of events would reserve gigabytes for a few appends.
    if (need > this.ts.length) this.growEvents(Math.max(need, this.ts.length + (this.ts.length >> 3)));
    const from = this.start[c]!;
    const n = this.count[c]!;
    for (const column of this.eventColumns()) column.copyWithin(this.used, from, from + n);
    this.start[c] = this.used;
    this.capacity[c] = capacity;
    this.used = need;
  }

  private eventColumns(): Array<Uint8Array | Int8Array | Int32Array | Float64Array> {
    return [this.type, this.ts, this.session, this.order, this.product, this.quantity, this.price, this.discount, this.channel, this.device, this.country, this.query];
  }

  private growEvents(size: number): void {
    this.type = grown(this.type, size);
    this.ts = grown(this.ts, size);
    this.session = grown(this.session, size);
    this.order = grown(this.order, size);
    this.product = grown(this.product, size);
    this.quantity = grown(this.quantity, size);
    this.price = grown(this.price, size);
    this.discount = grown(this.discount, size);
    this.channel = grown(this.channel, size);
    this.device = grown(this.device, size);
    this.country = grown(this.country, size);
    this.query = grown(this.query, size);
  }
}

const nullIfNaN = (v: number): number | null => (Number.isNaN(v) ? null : v);

function grown<T extends Uint8Array | Int8Array | Int32Array | Float64Array>(array: T, size: number): T {
  const out = new (array.constructor as new (n: number) => T)(size);
  out.set(array);
  return out;
}
