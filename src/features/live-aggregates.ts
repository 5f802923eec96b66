import { CUSTOMER_FEATURES, STYLE_TAGS, styleBit, type StyleTag } from './catalog.js';
import { SESSION_CARTED_90D, SESSION_ORDERED, SESSION_ORDERED_90D, type CategoryMedian, type StoreFlags } from './customer-sql.js';

/*
 * A customer's features from their own events in memory (the live view's, issue 17), exact to the feature query's:
 * the per-customer partial aggregates of customer-sql.ts (its CTEs o = oc + ol, r, a, vs, cc, k), accumulated here
 * from the customer's events strictly before the as-of instant, under the same aliases and names, so that each
 * catalog entry's `live` reads them as its `expr` reads the CTEs. SQL's nulls are kept: a sum over no value, or only
 * null values, is null (`plus`); a CTE a customer has no row in is null (a non-buyer has no `o`).
 */

const DAY_MS = 86_400_000;

/**
 * The windows the aggregates read events in, each its event type and the days before the instant: the one table of
 * them, whose bounds partialAggregates reads, as the live view's fold reads each type's longest (FEATURE_WINDOWS).
 * Other types' events are only counted, in no window.
 */
const EVENT_WINDOWS = {
  views_30d: { type: 'view', days: 30 },
  searches_30d: { type: 'search', days: 30 },
  carts_30d: { type: 'add_to_cart', days: 30 },
  /** Sessions with an add-to-cart (cart_sessions, abandoned_sessions). */
  cart_sessions: { type: 'add_to_cart', days: 90 },
  /** Also gross_90d, and the sessions with an order of these days (abandoned_sessions). */
  orders_90d: { type: 'order', days: 90 },
  returned_amount_90d: { type: 'return', days: 90 },
} as const;
type EventWindow = keyof typeof EVENT_WINDOWS;

/**
 * The longest window (days before the instant) in which the aggregates read each type's events: the live view folds
 * no event inside it (folded-aggregates.ts), and checks at the fold that folded events add nothing to a window.
 */
export const FEATURE_WINDOWS: Readonly<Record<string, number>> = Object.values(EVENT_WINDOWS).reduce<Record<string, number>>(
  (longest, { type, days }) => ({ ...longest, [type]: Math.max(longest[type] ?? 0, days) }),
  {},
);

/** What a product adds to its order lines (customer-sql.ts's `pr`). */
export interface ProductFacts {
  /** Null when the product has no category (or no products row): its lines count under '' (customer-sql.ts's `cat`). */
  category: string | null;
  /** launched_at in epoch milliseconds, NaN when unknown. */
  launched: number;
  /** Its style tags' styleBit, or-ed. */
  styleBits: number;
}

/** A customer's events as the aggregates read them, by position (the live view's EventColumns gives them from its columns). */
export interface CustomerEvents {
  readonly length: number;
  type(i: number): string;
  /** Epoch milliseconds. */
  ts(i: number): number;
  /** A number standing for the session, the same for the customer's events of one session; NaN without one. */
  session(i: number): number;
  /** A number standing for coalesce(order_id, id): the same for the lines of one order. */
  order(i: number): number;
  /** Undefined for an event without a product_id. */
  product(i: number): ProductFacts | undefined;
  /** NaN for none. */
  quantity(i: number): number;
  /** NaN for none. */
  price(i: number): number;
  /** discount > 0. */
  discounted(i: number): boolean;
  device(i: number): string | null;
}

/**
 * What the feature query takes from the whole store, given: the store flags and `st` (the category medians are the
 * partial aggregates', RunningAggregates).
 */
export interface StoreInputs {
  flags: StoreFlags;
  /** The styleBit of every style tag some product carries (customer-sql.ts's `st`). */
  styleTagsPresent: number;
}

export const mediansByCategory = (medians: readonly CategoryMedian[]): ReadonlyMap<string, number> => new Map(medians.map((m) => [m.cat, m.med]));

/** The orders CTEs (oc and ol joined): null for a customer without an order line. */
export interface OrderAggregates {
  orders: number;
  first_order: number;
  last_order: number;
  gross: number | null;
  gross_lines: number | null;
  spend_at_median: number | null;
  orders_90d: number;
  gross_90d: number | null;
  weekend_orders: number;
  items: number | null;
  lines: number;
  product_items: number;
  discounted_lines: number;
  new_items: number;
  launch_known_items: number | null;
  style_items: Record<StyleTag, number | null>;
}

export interface ReturnAggregates {
  return_lines: number;
  returned_items: number | null;
  returned_amount: number | null;
  returned_amount_90d: number | null;
}

export interface ActivityAggregates {
  first_event: number;
  views_30d: number;
  searches_30d: number;
  carts_30d: number;
  sends: number;
  opens: number;
  device_events: number;
  mobile_events: number;
}

export interface SessionAggregates {
  sessions: number;
  order_sessions: number;
  cart_sessions: number;
  abandoned_sessions: number;
}

export interface CategoryAggregates {
  distinct_categories: number;
  top_category: string;
}

/** Everything a catalog entry's `live` reads, under customer-sql.ts's aliases; times in epoch milliseconds. */
export interface LiveAggregates {
  asOf: number;
  k: { created_at: number | null };
  o: OrderAggregates | null;
  r: ReturnAggregates | null;
  a: ActivityAggregates | null;
  vs: SessionAggregates | null;
  cc: CategoryAggregates | null;
  h: StoreFlags;
  st: { style_tags_present: number };
}

const STYLE_BITS = STYLE_TAGS.map((tag) => [tag, styleBit(tag)] as const);

/** SQL's sum step: a null (NaN) value adds nothing, and a sum of no value is null. */
const plus = (sum: number | null, value: number): number | null => (Number.isNaN(value) ? sum : sum === null ? value : sum + value);
/** dayofweek(ts) IN (0, 6), on the timestamp's own (UTC) day. */
const isWeekend = (ts: number): boolean => {
  const day = new Date(ts).getUTCDay();
  return day === 0 || day === 6;
};

interface Order {
  ts: number;
  amount: number | null;
  gross_lines: number | null;
  spend_at_median: number | null;
}

/**
 * The partial aggregates of some of a customer's events (those `pick` takes, all by default), before the catalog's
 * `live` reads them: what a fold keeps of a customer's old events (folded-aggregates.ts) and merges with those of the
 * events held (mergeAggregates). Spend by category stays a map (customer-sql.ts's inner `cc` grouping), since the
 * top category and the count are only known once both sides are merged.
 */
export interface PartialAggregates {
  o: OrderAggregates | null;
  r: ReturnAggregates | null;
  a: ActivityAggregates | null;
  vs: SessionAggregates | null;
  /** Spend by category, '' excluded (null for a category whose lines have no amount). */
  spend: Map<string, number | null>;
}

/** The partial aggregates of a customer's events before `asOf` (epoch ms) that `pick` takes. */
export function partialAggregates(events: CustomerEvents, asOf: number, medians: ReadonlyMap<string, number>, pick?: (i: number) => boolean): PartialAggregates {
  return new RunningAggregates(asOf, medians).add(events, pick).partial();
}

type OrderLines = Omit<OrderAggregates, 'orders' | 'first_order' | 'last_order' | 'gross' | 'gross_lines' | 'spend_at_median' | 'orders_90d' | 'gross_90d' | 'weekend_orders'>;

/**
 * A customer's partial aggregates as of one instant, to which their events are added in the order of their positions
 * (the live view keeps one a customer between refreshes: held/kept-aggregates.ts). Adding events [0, m) and later
 * [m, n) does the very operations, in the same order, of adding [0, n) at once, so the result is the same to the bit;
 * it keeps what the totals need when later events join an order or a session already counted (each order's lines,
 * each session's kinds, spend by category), which `mergeAggregates` cannot merge.
 */
export class RunningAggregates {
  private readonly orders = new Map<number, Order>();
  private readonly sessions = new Map<number, number>();
  private readonly spend = new Map<string, number | null>();
  private o: OrderLines | null = null;
  private r: ReturnAggregates | null = null;
  private a: ActivityAggregates | null = null;
  /** Counted as each session's kinds change, so that no total goes over every session again. */
  private vs: SessionAggregates | null = null;
  /** The events added: positions [0, seen) of the customer's events. */
  private added = 0;

  constructor(
    readonly asOf: number,
    readonly medians: ReadonlyMap<string, number>,
  ) {}

  /** Adds the events at positions from `added` on, those before `asOf` that `pick` takes. */
  add(events: CustomerEvents, pick?: (i: number) => boolean): this {
    const { asOf, medians, orders, sessions, spend } = this;
    let { o, r, a, vs } = this;
    // The windows' first instants, once a call rather than at every event.
    const from = (w: EventWindow): number => asOf - EVENT_WINDOWS[w].days * DAY_MS;
    const views30 = from('views_30d'), searches30 = from('searches_30d'), carts30 = from('carts_30d');
    const orders90 = from('orders_90d'), cartSessions = from('cart_sessions'), returned90 = from('returned_amount_90d');
    for (let i = this.added; i < events.length; i++) {
      const ts = events.ts(i);
      if (!(ts < asOf) || (pick && !pick(i))) continue;
      const type = events.type(i);
      const device = events.device(i);
      a ??= { first_event: ts, views_30d: 0, searches_30d: 0, carts_30d: 0, sends: 0, opens: 0, device_events: 0, mobile_events: 0 };
      a.first_event = Math.min(a.first_event, ts);
      if (type === 'view') {
        if (ts >= views30) a.views_30d++;
      } else if (type === 'search') {
        if (ts >= searches30) a.searches_30d++;
      } else if (type === 'add_to_cart' && ts >= carts30) a.carts_30d++;
      if (type === 'email_send') a.sends++;
      else if (type === 'email_open') a.opens++;
      if (device !== null) a.device_events++;
      if (device === 'mobile') a.mobile_events++;
      const session = events.session(i);
      if (!Number.isNaN(session)) {
        const kinds = type === 'order' ? (ts >= orders90 ? SESSION_ORDERED | SESSION_ORDERED_90D : SESSION_ORDERED) : type === 'add_to_cart' && ts >= cartSessions ? SESSION_CARTED_90D : 0;
        const before = sessions.get(session);
        const after = (before ?? 0) | kinds;
        if (after !== before) {
          sessions.set(session, after);
          vs ??= { sessions: 0, order_sessions: 0, cart_sessions: 0, abandoned_sessions: 0 };
          if (before === undefined) vs.sessions++;
          countSession(vs, before ?? 0, -1);
          countSession(vs, after, 1);
        }
      }
      const q = events.quantity(i);
      const p = events.price(i);
      if (type === 'return') {
        r ??= { return_lines: 0, returned_items: null, returned_amount: null, returned_amount_90d: null };
        r.return_lines++;
        r.returned_items = plus(r.returned_items, q);
        r.returned_amount = plus(r.returned_amount, q * p);
        if (ts >= returned90) r.returned_amount_90d = plus(r.returned_amount_90d, q * p);
      }
      if (type !== 'order') continue;
      const product = events.product(i);
      // customer-sql.ts's `lines`: cat is '' for a product without a category, null for a line without a product.
      const cat = product === undefined ? null : (product.category ?? '');
      const median = cat === null ? undefined : medians.get(cat);
      const key = events.order(i);
      const order = orders.get(key) ?? { ts, amount: null, gross_lines: null, spend_at_median: null };
      order.ts = Math.min(order.ts, ts);
      order.amount = plus(order.amount, q * p);
      if (median !== undefined) {
        order.gross_lines = plus(order.gross_lines, q * p);
        order.spend_at_median = plus(order.spend_at_median, q * median);
      }
      orders.set(key, order);
      o ??= { items: null, lines: 0, product_items: 0, discounted_lines: 0, new_items: 0, launch_known_items: null, style_items: Object.fromEntries(STYLE_TAGS.map((t) => [t, null])) as Record<StyleTag, number | null> };
      o.items = plus(o.items, q);
      o.lines++;
      if (cat !== null) o.product_items = plus(o.product_items, q)!;
      if (events.discounted(i)) o.discounted_lines++;
      const launched = product?.launched ?? NaN;
      if (ts >= launched && ts < launched + 30 * DAY_MS) o.new_items = plus(o.new_items, q)!;
      if (!Number.isNaN(launched)) o.launch_known_items = plus(o.launch_known_items, q);
      const bits = product?.styleBits ?? 0;
      if (bits !== 0) for (const [tag, bit] of STYLE_BITS) if ((bits & bit) !== 0) o.style_items[tag] = plus(o.style_items[tag], q);
      if (cat !== null && cat !== '') spend.set(cat, plus(spend.get(cat) ?? null, q * p));
    }
    this.o = o;
    this.r = r;
    this.a = a;
    this.vs = vs;
    this.added = events.length;
    return this;
  }

  /**
   * The partial aggregates of the events added: the orders' and sessions' totals counted now, the other groups and
   * the spend shared with this (read them before the next add).
   */
  partial(): PartialAggregates {
    const orders90 = this.asOf - EVENT_WINDOWS.orders_90d.days * DAY_MS;
    return { o: this.o && orderAggregates(this.o, this.orders.values(), orders90), r: this.r, a: this.a, vs: this.vs, spend: this.spend };
  }
}

/** How two partial aggregates of one customer's events combine, field by field: the earliest and the latest, else SQL's sum. */
const EARLIEST: ReadonlySet<string> = new Set(['first_order', 'first_event']);
const LATEST: ReadonlySet<string> = new Set(['last_order']);
/** SQL's sum of two partial sums: null only when both are. */
const sumOf = (x: number | null, y: number | null): number | null => (x === null ? y : y === null ? x : x + y);

function mergeGroup<T extends object>(x: T | null, y: T | null): T | null {
  if (x === null || y === null) return x ?? y;
  const out: Record<string, unknown> = {};
  for (const name in x) {
    const v = (x as Record<string, unknown>)[name];
    const w = (y as Record<string, unknown>)[name];
    out[name] =
      typeof v === 'object' && v !== null ? mergeGroup(v, w as object) : EARLIEST.has(name) ? Math.min(v as number, w as number) : LATEST.has(name) ? Math.max(v as number, w as number) : sumOf(v as number | null, w as number | null);
  }
  return out as T;
}

/**
 * The partial aggregates of two disjoint sets of a customer's events, as those of their union, provided no order and
 * no session has events in both (folding keeps them whole: folded-aggregates.ts).
 */
export function mergeAggregates(x: PartialAggregates, y: PartialAggregates): PartialAggregates {
  const spend = new Map(x.spend);
  for (const [cat, s] of y.spend) spend.set(cat, spend.has(cat) ? sumOf(spend.get(cat)!, s) : s);
  return { o: mergeGroup(x.o, y.o), r: mergeGroup(x.r, y.r), a: mergeGroup(x.a, y.a), vs: mergeGroup(x.vs, y.vs), spend };
}

/**
 * Everything a catalog entry's `live` reads of a customer's events before `asOf` (epoch ms): the partial aggregates of
 * their held events, with those of their folded events when given; `createdAt` is their customers row's created_at
 * (null when unset).
 */
export function liveAggregates(held: PartialAggregates, asOf: number, createdAt: number | null, store: StoreInputs, folded?: PartialAggregates): LiveAggregates {
  const x = folded ? mergeAggregates(folded, held) : held;
  return {
    asOf,
    k: { created_at: createdAt },
    o: x.o,
    r: x.r,
    a: x.a,
    vs: x.vs,
    cc: categoryTotals(x.spend),
    h: store.flags,
    st: { style_tags_present: store.styleTagsPresent },
  };
}

/**
 * customer-sql.ts's `o`: the order lines' aggregates with those of `oc` (the customer's orders, each as of its first
 * line), in one object literal: the lines' spread into a copy took about 20 us a customer (V8's slow path of object
 * spread), more than counting their events (partialAggregates).
 */
function orderAggregates(l: OrderLines, orders: Iterable<Order>, from90: number): OrderAggregates {
  const t: OrderAggregates = {
    items: l.items, lines: l.lines, product_items: l.product_items, discounted_lines: l.discounted_lines, new_items: l.new_items, launch_known_items: l.launch_known_items, style_items: l.style_items,
    orders: 0, first_order: Infinity, last_order: -Infinity, gross: null, gross_lines: null, spend_at_median: null, orders_90d: 0, gross_90d: null, weekend_orders: 0,
  };
  for (const order of orders) {
    t.orders++;
    t.first_order = Math.min(t.first_order, order.ts);
    t.last_order = Math.max(t.last_order, order.ts);
    t.gross = plus(t.gross, order.amount ?? NaN);
    t.gross_lines = plus(t.gross_lines, order.gross_lines ?? NaN);
    t.spend_at_median = plus(t.spend_at_median, order.spend_at_median ?? NaN);
    if (order.ts >= from90) {
      t.orders_90d++;
      t.gross_90d = plus(t.gross_90d, order.amount ?? NaN);
    }
    if (isWeekend(order.ts)) t.weekend_orders++;
  }
  return t;
}

/** customer-sql.ts's `vs`: adds (`sign` 1) or takes away (-1) a session of these kinds in its counts but `sessions`. */
function countSession(vs: SessionAggregates, kinds: number, sign: 1 | -1): void {
  if (kinds & SESSION_ORDERED) vs.order_sessions += sign;
  if (kinds & SESSION_CARTED_90D) {
    vs.cart_sessions += sign;
    if (!(kinds & SESSION_ORDERED_90D)) vs.abandoned_sessions += sign;
  }
}

/**
 * customer-sql.ts's `cc`: the categories bought from, and the one of the highest spend as valueAtMax picks it (a
 * null spend after any other, then the least name).
 */
function categoryTotals(spend: ReadonlyMap<string, number | null>): CategoryAggregates | null {
  let top: [string, number | null] | undefined;
  for (const entry of spend) if (top === undefined || ranksAbove(entry, top)) top = entry;
  return top === undefined ? null : { distinct_categories: spend.size, top_category: top[0] };
}

const ranksAbove = ([cat, spend]: [string, number | null], [topCat, topSpend]: [string, number | null]): boolean => {
  if (spend !== topSpend) return topSpend === null || (spend !== null && spend > topSpend);
  return cat < topCat;
};

/**
 * A customer's features, one per catalog entry (`live`; the CLV scores, which only a run's model gives, are null),
 * from the partial aggregates of their held events before `asOf` (and of their folded ones), or undefined where the
 * feature query has no row for them: no customers row (`createdAt` undefined), or neither registered nor any event
 * before `asOf`.
 */
export function liveFeatures(held: PartialAggregates, asOf: number, createdAt: number | null | undefined, store: StoreInputs, folded?: PartialAggregates): Record<string, number | string | null> | undefined {
  if (createdAt === undefined) return undefined;
  const x = liveAggregates(held, asOf, createdAt, store, folded);
  if (x.a === null && !(createdAt !== null && createdAt < asOf)) return undefined;
  const row: Record<string, number | string | null> = { ...EMPTY_ROW };
  for (const f of CUSTOMER_FEATURES) row[f.name] = f.live?.(x) ?? null;
  return row;
}

/**
 * Every catalog feature, null: a row is a copy of it filled in, which keeps its shape. Object.fromEntries of the
 * features over again, or a row built key by key (which V8 turns into a dictionary), cost several times more.
 */
const EMPTY_ROW: Readonly<Record<string, null>> = Object.fromEntries(CUSTOMER_FEATURES.map((f) => [f.name, null]));

/** A products row's facts, as customer-sql.ts's `pr` has them. */
export function productFacts(category: string | null, launchedAt: number | null, styleTags: readonly string[] | null): ProductFacts {
  return { category, launched: launchedAt ?? NaN, styleBits: STYLE_TAGS.reduce((bits, tag) => (styleTags?.includes(tag) ? bits | styleBit(tag) : bits), 0) };
}
