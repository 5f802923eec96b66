import { FEATURE_WINDOWS, partialAggregates, STYLE_TAGS, type CustomerEvents, type PartialAggregates } from '../features/index.js';
import { fmix32 } from '../shared/hash.js';
import { fromMillis, join, sql, type Sql } from '../sql/index.js';
import type { EventNeeds } from '../segments/index.js';
import type { Store } from '../store/index.js';
import { CODES, Column, DOUBLES, REALS, TIMES, Vocabulary, type Ladder } from './columns.js';
import type { ColumnPlan } from './event-columns.js';
import { BloomFilter } from './stored-ids.js';

const DAY_MS = 86_400_000;

/**
 * Which of a customer's events the live view may fold (docs/live-view.md, "Folding"): those older than the base (the
 * instant every customer is as of, or after) minus the window the features read their type in (none for most types),
 * and, for the types the active rules read, older than the rules' bound at the base too (never, for a clause over all
 * history). As a customer's instant only moves forward, an event older than its boundary is never read again as an
 * event: no window, feature or rule clause reaches it.
 */
export class FoldBoundary {
  private readonly bounds = new Map<string, number>();
  private readonly others: number;

  constructor(
    private readonly base: number,
    needs: EventNeeds,
  ) {
    this.others = base;
    const rules = needs.since?.(base) ?? Infinity;
    for (const [type, days] of Object.entries(FEATURE_WINDOWS)) this.bounds.set(type, base - days * DAY_MS);
    for (const type of needs.types) this.bounds.set(type, Math.min(this.bounds.get(type) ?? base, rules));
  }

  /** Events of this type before the instant returned (epoch ms) may be folded. */
  of(type: string): number {
    return this.bounds.get(type) ?? this.others;
  }

  /**
   * Whether rules with these needs read no folded event: for every type they read, their bound at the base (the
   * earliest any customer is as of; a bound only moves forward with the instant) is at or after the type's boundary.
   */
  covers(wants: EventNeeds): boolean {
    if (!wants.since) return true;
    const since = wants.since(this.base);
    return [...wants.types].every((type) => since >= this.of(type));
  }

  /** Whether an event (of the events table) is before its type's boundary, in SQL. */
  get before(): Sql {
    const before = (bound: number): Sql => (bound === -Infinity ? sql`FALSE` : sql`ts < ${fromMillis(bound)}`);
    const cases = [...this.bounds].map(([type, bound]) => sql`WHEN ${type} THEN ${before(bound)}`);
    return sql`CASE type ${join(cases, ' ')} ELSE ${before(this.others)} END`;
  }
}

/** What a store's fold holds, counted before the build (FoldedAggregates.estimate) so the memory bound is known first. */
export interface FoldEstimate {
  /** Events not before their boundary: the least the view still holds (orders and sessions that span the boundary add theirs). */
  held: number;
  /** Distinct categories bought from in folded order lines, over the customers. */
  categories: number;
  /** Order and session keys of folded events, over the customers. */
  keys: number;
}

/**
 * What a stored field holds, which sets its column's ladder (columns.ts): a count, an instant, a sum of quantities or
 * of amounts (NaN for null). Each starts as narrow as the store's events allow and widens when a value needs more.
 */
type Kind = 'count' | 'time' | 'quantity' | 'amount';
const LADDERS: Record<Kind, Ladder> = { count: CODES, time: TIMES, quantity: REALS, amount: REALS };
/** The rung a kind's column starts at, from the event columns' plan: a count in a byte, the others as the events' times, quantities and prices. */
const startRung = (kind: Kind, plan: ColumnPlan): number => ({ count: 0, time: plan.rungs.ts, quantity: plan.rungs.quantity, amount: plan.rungs.price })[kind];
/** Bytes a row of the kind counts in the memory bound: a count as two bytes (a heavy customer's count past 255 widens its column). */
const boundBytes = (kind: Kind, plan: ColumnPlan): number => (kind === 'count' ? 2 : Column.bytesAt(LADDERS[kind], startRung(kind, plan)));
type Group = 'o' | 'r' | 'a' | 'vs';

/**
 * The partial aggregates (live-aggregates.ts) a folded customer keeps, by group: what folded events may add. The
 * windows' are left out: folded events are older than every window, so their 30- and 90-day counts are 0 and sums
 * null (WINDOWS), which the fold checks.
 */
const KEPT: Record<Group, Record<string, Kind>> = {
  o: {
    orders: 'count', first_order: 'time', last_order: 'time', gross: 'amount', gross_lines: 'amount', spend_at_median: 'amount', weekend_orders: 'count',
    items: 'quantity', lines: 'count', product_items: 'quantity', discounted_lines: 'count', new_items: 'quantity', launch_known_items: 'quantity',
  },
  r: { return_lines: 'count', returned_items: 'quantity', returned_amount: 'amount' },
  a: { first_event: 'time', sends: 'count', opens: 'count', device_events: 'count', mobile_events: 'count' },
  vs: { sessions: 'count', order_sessions: 'count' },
};
const WINDOWS: Record<Group, Record<string, number | null>> = {
  o: { orders_90d: 0, gross_90d: null },
  r: { returned_amount_90d: null },
  a: { views_30d: 0, searches_30d: 0, carts_30d: 0 },
  vs: { cart_sessions: 0, abandoned_sessions: 0 },
};
const GROUPS = Object.keys(KEPT) as Group[];
/** Every stored field: its group, its name (style_items' tags under style_items), its kind. */
const FIELDS: ReadonlyArray<{ group: Group; name: string; tag?: string; kind: Kind }> = [
  ...GROUPS.flatMap((group) => Object.entries(KEPT[group]).map(([name, kind]) => ({ group, name, kind }))),
  ...STYLE_TAGS.map((tag) => ({ group: 'o' as const, name: 'style_items', tag, kind: 'quantity' as const })),
];

/**
 * Each group as `of` gives it, every field in place (windows at their empty value, the others null): a customer's
 * groups are copies of these, filled in. Fields added one by one to a copy of the windows took 5 times as long (a
 * change of shape at each), the most of a turn's features at 100k (bench/events-turn.ts).
 */
const EMPTY_GROUPS = Object.fromEntries(
  GROUPS.map((g) => [g, { ...WINDOWS[g], ...(g === 'o' ? { style_items: null } : {}), ...Object.fromEntries(Object.keys(KEPT[g]).map((name) => [name, null])) }]),
) as Record<Group, Record<string, unknown>>;
const EMPTY_STYLE_ITEMS = Object.fromEntries(STYLE_TAGS.map((tag) => [tag, null]));

const KEY_ROOM = 2;

/** Two 32-bit hashes of a customer number and a key52 hash (event-columns.ts), for the folded keys' filter. */
function keyHashes(c: number, key: number): [number, number] {
  const high = Math.floor(key / 0x100000) >>> 0;
  const low = key % 0x100000;
  return [fmix32(high ^ Math.imul(c, 0x9e3779b1)), fmix32(low ^ Math.imul(c + 0x632be5ab, 0x85ebca6b) ^ high)];
}

/**
 * Every customer's folded events as partial aggregates (live-aggregates.ts), by column: a typed array a field, a row a
 * customer number (a byte of which groups a customer has), spend by category in a slot a customer (category code and
 * spend), and a filter of the order and session keys folded. Written once, at the build, as each customer's events are
 * read (`fold`); the view merges a customer's row with the aggregates of the events it still holds, which is exact
 * because no order or session is split between the two sides. A later event of a folded order or session (the filter
 * may hold its key: `mayHoldKey`) would be counted twice: its customer is then worked out from the store.
 */
export class FoldedAggregates {
  /** Bytes a customer's row takes in a store whose events have this plan (the groups' byte, the categories' slot, the fields). */
  static bytesPerCustomer(plan: ColumnPlan): number {
    return 1 + 8 + FIELDS.reduce((n, f) => n + boundBytes(f.kind, plan), 0);
  }
  /** Bytes a category a customer bought from in folded lines (a code, a spend). */
  static readonly BYTES_PER_CATEGORY = 2 + 8;
  /** Bytes a folded key takes in the keys' filter (keysFilter). */
  static readonly BYTES_PER_KEY = KEY_ROOM * BloomFilter.BYTES_PER_ITEM;

  /**
   * The filter of `keys` folded order and session keys, sized for KEY_ROOM times as many: a false positive costs a
   * feature query over the store's events (about 200 ms of CPU at 1M customers), and at the plain size one came every
   * fifth turn of 400 events (1 lookup in 2,200); at twice the size, fewer than 1 in 4,000,000.
   */
  static keysFilter(keys: number): BloomFilter {
    return new BloomFilter(KEY_ROOM * keys);
  }

  private present: Uint8Array;
  private readonly columns: Column[];
  private catStart: Int32Array;
  private catCount: Int32Array;
  private readonly catCodes: Column;
  private readonly catSpend: Column;
  private catUsed = 0;
  private readonly categories = new Vocabulary();
  private readonly keys: BloomFilter;
  /** Events folded at the build. */
  private foldedEvents = 0;

  constructor(
    private readonly boundary: FoldBoundary,
    /** The build's category medians (premium_index), as the live features use them. */
    private readonly medians: ReadonlyMap<string, number>,
    /** The instant every customer is as of or after. */
    private readonly base: number,
    estimate: FoldEstimate,
    plan: ColumnPlan,
    customers: number,
  ) {
    const rows = Math.max(1024, customers);
    this.present = new Uint8Array(rows);
    this.columns = FIELDS.map((f) => new Column(LADDERS[f.kind], rows, startRung(f.kind, plan)));
    this.catStart = new Int32Array(rows);
    this.catCount = new Int32Array(rows);
    this.catCodes = new Column(CODES, Math.max(1024, estimate.categories), 1);
    this.catSpend = new Column(DOUBLES, Math.max(1024, estimate.categories));
    this.keys = FoldedAggregates.keysFilter(estimate.keys);
  }

  /**
   * The counts of what a store's fold holds (see FoldEstimate): one aggregate over the events, the distinct keys and
   * categories by HyperLogLog (a few percent off; the keys' filter sized for a few percent fewer keys only has a few
   * more false positives), as exact distinct counts of pairs took a minute of CPU at 1M customers.
   */
  static async estimate(store: Store, boundary: FoldBoundary): Promise<FoldEstimate> {
    const r = (await store.one<FoldEstimate>(sql`
      SELECT count(*) FILTER (WHERE NOT old) AS held,
        approx_count_distinct(hash(e.customer_id, p.category)) FILTER (WHERE old AND e.type = 'order' AND p.category <> '') AS categories,
        approx_count_distinct(hash(e.customer_id, e.session_id)) FILTER (WHERE old AND e.session_id IS NOT NULL)
          + approx_count_distinct(hash(e.customer_id, coalesce(e.order_id, e.id))) FILTER (WHERE old AND e.type = 'order') AS keys
      FROM (SELECT *, ${boundary.before} AS old FROM events WHERE customer_id IS NOT NULL) e LEFT JOIN products p ON p.id = e.product_id`))!;
    return { held: Number(r.held), categories: Math.ceil(Number(r.categories) * 1.05), keys: Number(r.keys) };
  }

  /**
   * Folds customer `c`'s events (all of them, read at the build): those before their type's boundary, save those of
   * an order or session that also has a later event, go into the customer's row; returns which events stay held (1).
   */
  fold(c: number, events: CustomerEvents): Uint8Array {
    const n = events.length;
    const keep = new Uint8Array(n);
    for (let i = 0; i < n; i++) keep[i] = events.ts(i) >= this.boundary.of(events.type(i)) ? 1 : 0;
    // An order or a session stays whole: an event of one that is held is held too, until none is added.
    for (let added = true; added; ) {
      added = false;
      const sessions = new Set<number>();
      const orders = new Set<number>();
      for (let i = 0; i < n; i++) {
        if (!keep[i]) continue;
        if (!Number.isNaN(events.session(i))) sessions.add(events.session(i));
        if (events.type(i) === 'order') orders.add(events.order(i));
      }
      for (let i = 0; i < n; i++) {
        if (keep[i] || !(sessions.has(events.session(i)) || (events.type(i) === 'order' && orders.has(events.order(i))))) continue;
        keep[i] = 1;
        added = true;
      }
    }
    let folded = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i]) continue;
      folded++;
      if (!Number.isNaN(events.session(i))) this.keys.add(...keyHashes(c, events.session(i)));
      if (events.type(i) === 'order') this.keys.add(...keyHashes(c, events.order(i)));
    }
    if (folded > 0) {
      this.put(c, partialAggregates(events, this.base, this.medians, (i) => keep[i] === 0));
      this.foldedEvents += folded;
    }
    return keep;
  }

  /** Customer `c`'s folded aggregates; undefined when none of their events was folded. */
  of(c: number): PartialAggregates | undefined {
    if (c >= this.present.length || (this.present[c] === 0 && this.catCount[c] === 0)) return undefined;
    const groups: Record<Group, Record<string, unknown> | null> = { o: null, r: null, a: null, vs: null };
    GROUPS.forEach((g, bit) => {
      if (this.present[c]! & (1 << bit)) groups[g] = { ...EMPTY_GROUPS[g] };
    });
    if (groups.o) groups.o.style_items = { ...EMPTY_STYLE_ITEMS };
    for (let k = 0; k < FIELDS.length; k++) {
      const f = FIELDS[k]!;
      const group = groups[f.group];
      if (!group) continue;
      const v = this.columns[k]!.get(c);
      const value = Number.isNaN(v) ? null : v;
      if (f.tag === undefined) group[f.name] = value;
      else (group.style_items as Record<string, unknown>)[f.tag] = value;
    }
    const spend = new Map<string, number | null>();
    for (let i = this.catStart[c]!, end = i + this.catCount[c]!; i < end; i++) {
      const s = this.catSpend.get(i);
      spend.set(this.categories.at(this.catCodes.get(i))!, Number.isNaN(s) ? null : s);
    }
    return { ...(groups as unknown as Omit<PartialAggregates, 'spend'>), spend };
  }

  /** Whether a folded order or session of customer `c` may have this key52 hash (a false positive costs a store read). */
  mayHoldKey(c: number, key: number): boolean {
    return c < this.present.length && !Number.isNaN(key) && this.keys.mayHold(...keyHashes(c, key));
  }

  /** Drops customer `c`'s row (an erasure). */
  clear(c: number): void {
    if (c >= this.present.length) return;
    this.present[c] = 0;
    this.catCount[c] = 0;
  }

  /** Events folded at the build, and the bytes of the rows, the categories' slots and the keys' filter. */
  size(): { folded: number; bytes: number } {
    const arrays = [this.present, ...this.columns, this.catStart, this.catCount, this.catCodes, this.catSpend];
    return { folded: this.foldedEvents, bytes: arrays.reduce((n, a) => n + a.byteLength, 0) + this.keys.bytes };
  }

  private put(c: number, x: PartialAggregates): void {
    if (c >= this.present.length) this.grow(Math.max(c + 1, this.present.length + (this.present.length >> 3)));
    let present = 0;
    GROUPS.forEach((g, bit) => {
      const group = x[g] as unknown as Record<string, unknown> | null;
      if (!group) return;
      present |= 1 << bit;
      // By the boundary, folded events are before every window: a window's aggregate of them is its empty value.
      for (const [name, empty] of Object.entries(WINDOWS[g])) if (group[name] !== empty) throw new Error(`folded events counted in ${g}.${name}: the fold's boundary is past a window`);
    });
    this.present[c] = present;
    FIELDS.forEach((f, k) => {
      const group = x[f.group] as unknown as Record<string, unknown> | null;
      if (!group) return;
      const v = (f.tag === undefined ? group[f.name] : (group.style_items as Record<string, unknown>)[f.tag]) as number | null;
      this.columns[k]!.set(c, v ?? NaN);
    });
    const need = this.catUsed + x.spend.size;
    if (need > this.catCodes.length) {
      const size = Math.max(need, this.catCodes.length + (this.catCodes.length >> 3));
      this.catCodes.grow(size);
      this.catSpend.grow(size);
    }
    this.catStart[c] = this.catUsed;
    this.catCount[c] = x.spend.size;
    for (const [cat, s] of x.spend) {
      this.catCodes.set(this.catUsed, this.categories.of(cat));
      this.catSpend.set(this.catUsed++, s ?? NaN);
    }
  }

  private grow(rows: number): void {
    const grown = <T extends Uint8Array | Int32Array>(a: T): T => {
      const out = new (a.constructor as new (n: number) => T)(rows);
      out.set(a);
      return out;
    };
    this.present = grown(this.present);
    for (const column of this.columns) column.grow(rows);
    this.catStart = grown(this.catStart);
    this.catCount = grown(this.catCount);
  }
}
