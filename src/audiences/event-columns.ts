import { productFacts, type CustomerEvents, type ProductFacts } from '../features/index.js';
import { textHashes } from '../shared/hash.js';
import { sql, type Sql } from '../sql/index.js';
import type { EventList, EventRecord } from '../segments/index.js';
import type { Store, StoredEvent } from '../store/index.js';
import type { StoredIds } from './stored-ids.js';
import { CODES, Column, DOUBLES, FLAGS, REALS, TIMES, Vocabulary, type Ladder } from './columns.js';

/**
 * A 52-bit hash of an order or session key, exact in a double. The features only ask which of a customer's
 * events share an order or a session, so their keys need not be held: two different keys of one customer collide
 * with odds of about n²/2^53 (n keys), which is nil for any real customer. It saves the millions of distinct order
 * and session strings a store holds.
 */
export function key52(text: string): number {
  const [a, b] = textHashes(text);
  return a * 0x100000 + (b & 0xfffff);
}

/** What a product adds to its events in rules (EventRecord's product fields). */
type ProductFields = Pick<EventRecord, 'category' | 'brand' | 'style_tags' | 'colors' | 'materials'>;
const NO_PRODUCT: ProductFields = { category: null, brand: null, style_tags: null, colors: null, materials: null };
/** A product the events name and the products table lacks. */
const UNKNOWN_PRODUCT = productFacts(null, null, null);

const INITIAL_EVENTS = 1024;

/** The live view's customer numbers (ViewCustomers), which index each customer's slot. */
export interface CustomerNumbers {
  /** The customer's number; undefined for one the view never numbered. */
  numberOf(id: string): number | undefined;
  /** The customer's number, made when new. */
  number(id: string): number;
}

/** The event columns, each with the ladder of representations its values take (columns.ts). */
const FIELDS = {
  type: CODES, ts: TIMES, session: DOUBLES, order: DOUBLES, product: CODES, quantity: REALS, price: REALS, discount: FLAGS,
  channel: CODES, device: CODES, country: CODES, query: CODES,
} satisfies Record<string, Ladder>;
type Field = keyof typeof FIELDS;

const bytesPerEvent = (rungs: Record<Field, number>): number => (Object.keys(FIELDS) as Field[]).reduce((n, f) => n + Column.bytesAt(FIELDS[f], rungs[f]), 0);

/** Each column's representation for a store's events, and their bytes an event (see EventColumns.plan). */
export interface ColumnPlan {
  rungs: Record<Field, number>;
  bytesPerEvent: number;
}

/**
 * Every customer's events, held by column: a typed array a field, each customer's events in slots of them (start and
 * count per customer number), strings as numbers of a vocabulary, order and session keys as key52 hashes,
 * a discount as whether it was given (the features ask no more of it). Each column is as narrow as the store's
 * values allow (Column: a code in a byte while a field has at most 255 values, whole-second times in four bytes,
 * quantities and prices in four while exact as float32), widening when a value needs more: on the 100k demo store
 * about 40 bytes an event, outside the JS heap (ArrayBuffers), and no object per event: a customer's EventRecords
 * are made when their rules are evaluated.
 *
 * The build's slots are exact and never move. Events appended since go to a second slot of the customer's, their
 * tail, at the end of the columns: two events' room at first, twice the room when full (the old tail stays unused
 * until the view is built again, after the next run). So appends cost at most four times the room of the events they
 * add (at least two a customer), where moving the customer's whole slot to one of twice its size at their first
 * append took the room of their history twice over: at 100k, 44 events of room an event appended, and the columns'
 * growth with the collections it set off were a seventh of a turn's JavaScript (bench/events-turn.ts).
 */
export class EventColumns {
  /** The columns' bytes an event with each at its narrowest. */
  static readonly LEAST_BYTES_PER_EVENT = bytesPerEvent(Object.fromEntries((Object.keys(FIELDS) as Field[]).map((f) => [f, 0])) as Record<Field, number>);
  private start = new Int32Array(1024);
  private count = new Int32Array(1024);
  /** Each customer's tail (see above): its start, and its events; its room is the least power of two >= 2 that holds them. */
  private tailStart = new Int32Array(1024);
  private tailCount = new Int32Array(1024);
  private used = 0;
  private readonly columns: Record<Field, Column>;

  private readonly types = new Vocabulary();
  private readonly products = new Vocabulary();
  private readonly productFields: ProductFields[] = [];
  /** What the features read of each product (by its code), and the style tags some product carries. */
  private readonly productFacts: ProductFacts[] = [];
  private tagsPresent = 0;
  private readonly channels = new Vocabulary();
  private readonly devices = new Vocabulary();
  private readonly countries = new Vocabulary();
  private readonly queries = new Vocabulary();

  private constructor(
    private readonly customers: CustomerNumbers,
    plan: ColumnPlan,
    size: number,
  ) {
    this.columns = Object.fromEntries((Object.keys(FIELDS) as Field[]).map((f) => [f, new Column(FIELDS[f], size, plan.rungs[f])])) as Record<Field, Column>;
  }

  /**
   * The narrowest representation of each column that holds every event of the store (one aggregate over the events),
   * so that the memory bound is known before the build and the build never widens a column.
   */
  static async plan(store: Store): Promise<ColumnPlan> {
    const v = (await store.one<Record<'types' | 'products' | 'channels' | 'devices' | 'countries' | 'queries', number> & Record<'subsecond' | 'fineQuantity' | 'finePrice', boolean | null>>(sql`
      SELECT count(DISTINCT type) AS types, count(DISTINCT product_id) + (SELECT count(*) FROM products) AS products, count(DISTINCT channel) AS channels,
        count(DISTINCT device) AS devices, count(DISTINCT country) AS countries, count(DISTINCT query) AS queries,
        bool_or(epoch_ms(ts) % 1000 <> 0 OR ts < TIMESTAMP '1970-01-01' OR ts >= TIMESTAMP '2106-01-01') AS subsecond,
        bool_or(CAST(CAST(quantity AS FLOAT) AS DOUBLE) <> quantity) AS "fineQuantity",
        bool_or(CAST(CAST(unit_price AS FLOAT) AS DOUBLE) <> unit_price) AS "finePrice"
      FROM events`))!;
    // A vocabulary of n values has codes 1..n (0 is none).
    const code = (n: number): number => Column.rungFor(CODES, [Number(n)]);
    const rungs: Record<Field, number> = {
      type: code(v.types), ts: v.subsecond ? 1 : 0, session: 0, order: 0, product: code(v.products), quantity: v.fineQuantity ? 1 : 0, price: v.finePrice ? 1 : 0,
      discount: 0, channel: code(v.channels), device: code(v.devices), country: code(v.countries), query: code(v.queries),
    };
    return { rungs, bytesPerEvent: bytesPerEvent(rungs) };
  }

  /**
   * Every customer's events in the store, with their products' fields, and every event's id into `ids` (those of
   * anonymous events too): streamed reads of the events, a chunk at a time by column (Store.vectorChunks), so
   * JavaScript holds no more than a chunk of rows beside the columns. The events come a customer at a time, read by
   * `ranges` of customers in turn (customer-ranges.ts), each ordered by customer, so that DuckDB sorts one range at a
   * time; each customer's are written after the previous one's, and once a customer's are read, `fold` says which of
   * them stay held (the others it keeps as aggregates: folded-aggregates.ts), and the columns keep only those, so they
   * never hold more than the held events and one customer's. `events` sizes the columns first (the events expected
   * to stay held); they grow by an eighth when more do.
   */
  static async load(
    store: Store,
    ids: StoredIds,
    plan: ColumnPlan,
    customers: CustomerNumbers,
    options: { events: number; ranges: readonly Sql[]; fold?: (c: number, events: CustomerEvents) => Uint8Array },
  ): Promise<EventColumns> {
    const columns = new EventColumns(customers, plan, Math.max(INITIAL_EVENTS, Math.ceil(options.events * 1.02)));
    for (const p of await store.all<ProductFields & { id: string; launched: number | null }>(
      sql`SELECT id, category, brand, style_tags, colors, materials, CAST(epoch_ms(launched_at) AS DOUBLE) AS launched FROM products`,
    )) {
      const code = columns.products.of(p.id);
      columns.productFields[code] = { category: p.category, brand: p.brand, style_tags: p.style_tags, colors: p.colors, materials: p.materials };
      columns.productFacts[code] = productFacts(p.category, p.launched, p.style_tags);
      columns.tagsPresent |= columns.productFacts[code].styleBits;
    }
    for await (const chunk of store.vectorChunks(sql`SELECT id FROM events WHERE customer_id IS NULL AND id IS NOT NULL`)) {
      for (const id of chunk.id as string[]) ids.add(id);
    }
    let current: string | undefined;
    let c = -1;
    const close = (): void => {
      if (c >= 0) columns.close(c, options.fold);
    };
    for (const range of options.ranges) {
      for await (const chunk of store.vectorChunks(sql`
        SELECT id, customer_id, type, CAST(epoch_ms(ts) AS DOUBLE) AS ts, session_id, coalesce(order_id, id) AS order_key, product_id,
          CAST(quantity AS DOUBLE) AS quantity, CAST(unit_price AS DOUBLE) AS unit_price, CAST(discount AS DOUBLE) AS discount, channel, device, country, query
        FROM events WHERE ${range} ORDER BY customer_id`)) {
        const v = chunk as Record<string, string[] & Float64Array>;
        for (let r = 0; r < v.id!.length; r++) {
          const id = v.id![r];
          if (id !== null && id !== undefined) ids.add(id);
          const customer = v.customer_id![r]!;
          if (customer !== current) {
            close();
            current = customer;
            c = columns.numberOf(customer);
            columns.start[c] = columns.used;
          }
          columns.room(columns.used + 1);
          const discount = v.discount![r]!;
          columns.write(columns.start[c]! + columns.count[c]!++, v.type![r]!, v.ts![r]!, v.session_id![r]!, v.order_key![r]!, v.product_id![r]!, v.quantity![r]!, v.unit_price![r]!,
            Number.isNaN(discount) ? null : discount, v.channel![r]!, v.device![r]!, v.country![r]!, v.query![r]!);
          columns.used++;
        }
      }
    }
    close();
    return columns;
  }

  /** Adds stored events (see ingestEventBatch); those of no known customer are not held. */
  append(e: StoredEvent): void {
    if (e.customer_id === null) return;
    const c = this.numberOf(e.customer_id);
    const n = this.tailCount[c]!;
    // Full at none, or at a power of two from 2 on: move to a tail of twice the room.
    if (n === 0 || (n >= 2 && (n & (n - 1)) === 0)) this.moveTail(c, Math.max(2, n * 2));
    this.write(this.tailStart[c]! + this.tailCount[c]!++, e.type, Number(e.ts), e.session_id, e.order_id ?? e.id, e.product_id, e.quantity ?? NaN, e.unit_price ?? NaN, e.discount, e.channel, e.device, e.country, e.query);
  }

  /** The customer's newest event (epoch ms), -Infinity without events. */
  newest(customerId: string): number {
    const c = this.slotOf(customerId);
    let newest = -Infinity;
    if (c === undefined) return newest;
    const ts = this.columns.ts.reader();
    for (let i = this.start[c]!, end = i + this.count[c]!; i < end; i++) newest = Math.max(newest, ts(i));
    for (let i = this.tailStart[c]!, end = i + this.tailCount[c]!; i < end; i++) newest = Math.max(newest, ts(i));
    return newest;
  }

  /**
   * The customer's held events as the rule evaluator reads them: every one, of any type or time (the evaluator passes
   * over those no rule reads).
   */
  eventList(customerId: string): EventList {
    const c = this.slotOf(customerId);
    if (c === undefined) return [];
    const cs = this.columns;
    const record = new HeldRecord({
      type: cs.type.reader(), ts: cs.ts.reader(), product: cs.product.reader(), quantity: cs.quantity.reader(), price: cs.price.reader(),
      channel: cs.channel.reader(), device: cs.device.reader(), country: cs.country.reader(), query: cs.query.reader(),
      types: this.types, products: this.products, productFields: this.productFields, channels: this.channels, devices: this.devices, countries: this.countries, queries: this.queries,
    });
    // Position i is the build's slot's i-th event, then the tail's.
    const built = this.count[c]!;
    const start = this.start[c]!;
    const tail = this.tailStart[c]! - built;
    return {
      length: built + this.tailCount[c]!,
      at: (i) => {
        record.position = i < built ? start + i : tail + i;
        return record;
      },
    };
  }

  /**
   * The customer's events as the live features read them (live-aggregates.ts), by position in their slot (none
   * without one); valid until the next append.
   */
  events(customerId: string): CustomerEvents {
    return this.eventsAt(this.slotOf(customerId));
  }

  private eventsAt(c: number | undefined): CustomerEvents {
    // Position i is the build's slot's i-th event, then the tail's.
    const built = c === undefined ? 0 : this.count[c]!;
    const start = c === undefined ? 0 : this.start[c]!;
    const tail = c === undefined ? 0 : this.tailStart[c]! - built;
    const at = (i: number): number => (i < built ? start + i : tail + i);
    // A reader a column, each called from a site of its own (see Rung.reader).
    const cs = this.columns;
    const [type, ts, session, order, product] = [cs.type.reader(), cs.ts.reader(), cs.session.reader(), cs.order.reader(), cs.product.reader()];
    const [quantity, price, discount, device] = [cs.quantity.reader(), cs.price.reader(), cs.discount.reader(), cs.device.reader()];
    return {
      length: c === undefined ? 0 : built + this.tailCount[c]!,
      type: (i) => this.types.at(type(at(i)))!,
      ts: (i) => ts(at(i)),
      session: (i) => session(at(i)),
      order: (i) => order(at(i)),
      product: (i) => {
        const code = product(at(i));
        return code === 0 ? undefined : (this.productFacts[code] ?? UNKNOWN_PRODUCT);
      },
      quantity: (i) => quantity(at(i)),
      price: (i) => price(at(i)),
      discounted: (i) => discount(at(i)) === 1,
      device: (i) => this.devices.at(device(at(i))),
    };
  }

  /** Customer `c`'s slots as [from, end) ranges of the columns: the build's, then the tail. */
  private slots(c: number): Array<[number, number]> {
    return [
      [this.start[c]!, this.start[c]! + this.count[c]!],
      [this.tailStart[c]!, this.tailStart[c]! + this.tailCount[c]!],
    ];
  }

  /** The styleBit of every style tag some product carries (customer-sql.ts's `st`). */
  get styleTagsPresent(): number {
    return this.tagsPresent;
  }

  /** Drops a customer's events (an erasure). */
  forget(customerId: string): void {
    const c = this.slotOf(customerId);
    if (c !== undefined) this.count[c] = this.tailCount[c] = 0;
  }

  /** Events held, and the bytes of the columns that hold them (used slots and the room reserved beyond). */
  size(): { events: number; bytes: number } {
    let events = 0;
    for (let c = 0; c < this.count.length; c++) events += this.count[c]! + this.tailCount[c]!;
    return { events, bytes: [...Object.values(this.columns), this.start, this.count, this.tailStart, this.tailCount].reduce((n, a) => n + a.byteLength, 0) };
  }

  /** One event into place `i` of the columns (NaN for a missing number). */
  private write(
    i: number, type: string, ts: number, session: string | null, orderKey: string, product: string | null, quantity: number, price: number,
    discount: number | null, channel: string | null, device: string | null, country: string | null, query: string | null,
  ): void {
    this.columns.type.set(i, this.types.of(type));
    this.columns.ts.set(i, ts);
    this.columns.session.set(i, session === null ? NaN : key52(session));
    this.columns.order.set(i, key52(orderKey));
    this.columns.product.set(i, this.products.of(product));
    this.columns.quantity.set(i, quantity);
    this.columns.price.set(i, price);
    this.columns.discount.set(i, discount === null ? -1 : discount > 0 ? 1 : 0);
    this.columns.channel.set(i, this.channels.of(channel));
    this.columns.device.set(i, this.devices.of(device));
    this.columns.country.set(i, this.countries.of(country));
    this.columns.query.set(i, this.queries.of(query));
  }

  /** The customer's number, made when new, with room for it in the slots' arrays. */
  private numberOf(customerId: string): number {
    const c = this.customers.number(customerId);
    if (c >= this.start.length) {
      const size = Math.max(c + 1, this.start.length * 2);
      this.start = grown(this.start, size);
      this.count = grown(this.count, size);
      this.tailStart = grown(this.tailStart, size);
      this.tailCount = grown(this.tailCount, size);
    }
    return c;
  }

  /** The customer's number where they have a slot (numbers made elsewhere since may have none). */
  private slotOf(customerId: string): number | undefined {
    const c = this.customers.numberOf(customerId);
    return c !== undefined && c < this.start.length ? c : undefined;
  }

  /**
   * Columns of at least `need` events, grown by an eighth, or by as much as was added since they were made when more
   * (doubling that part, which is all a growth copies: Column): doubling columns of tens of millions of events would
   * reserve gigabytes for a few appends.
   */
  private room(need: number): void {
    const size = this.columns.ts.length;
    if (need > size) for (const column of Object.values(this.columns)) column.grow(Math.max(need, size + Math.max(size >> 3, column.added)));
  }

  /**
   * Ends the load of customer `c`, whose events are the last written: keeps those `fold` says stay held (all without
   * one), moved up in order, and sizes the slot to them.
   */
  private close(c: number, fold?: (c: number, events: CustomerEvents) => Uint8Array): void {
    const start = this.start[c]!;
    if (fold) {
      const keep = fold(c, this.eventsAt(c));
      let to = start;
      for (let i = 0; i < keep.length; i++) {
        if (!keep[i]) continue;
        if (to !== start + i) for (const column of Object.values(this.columns)) column.copyWithin(to, start + i, start + i + 1);
        to++;
      }
      this.count[c] = to - start;
    }
    this.used = start + this.count[c]!;
  }

  /** Gives customer `c` a tail of `room` events at the end of the columns, with their tail's events moved there. */
  private moveTail(c: number, room: number): void {
    const need = this.used + room;
    this.room(need);
    const from = this.tailStart[c]!;
    const n = this.tailCount[c]!;
    if (n > 0) for (const column of Object.values(this.columns)) column.copyWithin(this.used, from, from + n);
    this.tailStart[c] = this.used;
    this.used = need;
  }
}

const nullIfNaN = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** What an event's record reads of the columns: a reader a column (see Rung.reader), and the vocabularies of their codes. */
interface Decoding {
  type: (i: number) => number;
  ts: (i: number) => number;
  product: (i: number) => number;
  quantity: (i: number) => number;
  price: (i: number) => number;
  channel: (i: number) => number;
  device: (i: number) => number;
  country: (i: number) => number;
  query: (i: number) => number;
  types: Vocabulary;
  products: Vocabulary;
  productFields: readonly ProductFields[];
  channels: Vocabulary;
  devices: Vocabulary;
  countries: Vocabulary;
  queries: Vocabulary;
}

/**
 * The record of the event at `position` of the columns, each field decoded when read: one object moved from event to
 * event (EventList). A record made an event, every field decoded, was 13% of the live view's evaluation of a customer
 * at 100k, 18% once the rules were compiled (docs/benchmarks.md, issue 17); the rules read a few fields of a few events.
 */
class HeldRecord implements EventRecord {
  position = 0;
  constructor(private readonly d: Decoding) {}
  get type(): string {
    return this.d.types.at(this.d.type(this.position))!;
  }
  get ts(): number {
    return this.d.ts(this.position);
  }
  get product_id(): string | null {
    return this.d.products.at(this.d.product(this.position));
  }
  get quantity(): number | null {
    return nullIfNaN(this.d.quantity(this.position));
  }
  get unit_price(): number | null {
    return nullIfNaN(this.d.price(this.position));
  }
  get channel(): string | null {
    return this.d.channels.at(this.d.channel(this.position));
  }
  get device(): string | null {
    return this.d.devices.at(this.d.device(this.position));
  }
  get country(): string | null {
    return this.d.countries.at(this.d.country(this.position));
  }
  get query(): string | null {
    return this.d.queries.at(this.d.query(this.position));
  }
  private get product(): ProductFields {
    return this.d.productFields[this.d.product(this.position)] ?? NO_PRODUCT;
  }
  get category(): string | null {
    return this.product.category;
  }
  get brand(): string | null {
    return this.product.brand;
  }
  get style_tags(): readonly string[] | null {
    return this.product.style_tags;
  }
  get colors(): readonly string[] | null {
    return this.product.colors;
  }
  get materials(): readonly string[] | null {
    return this.product.materials;
  }
}

function grown(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(size);
  out.set(array);
  return out;
}
