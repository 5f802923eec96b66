import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerRanges } from '../../src/audiences/customer-ranges.js';
import { EventColumns, key52 } from '../../src/audiences/event-columns.js';
import { StoredIds } from '../../src/audiences/stored-ids.js';
import { ViewCustomers } from '../../src/audiences/view-customers.js';
import { sql } from '../../src/sql/index.js';
import { ingestEventBatch, type Store, type StoredEvent } from '../../src/store/index.js';
import { memoryStore } from '../helpers.js';

/**
 * Issue 17: the live view's event columns grow as events are appended, copying only what was added since the build
 * (columns.ts: a column in two parts). Here appends outgrow the columns several times over, customers' tails move
 * from the build's spare room past its end, and values that need wider columns come after the growths: every event
 * held must read back exactly, through both of the view's readers (the features' and the rules').
 */

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 5, 1);
const TYPES = ['view', 'add_to_cart', 'order', 'search'] as const;

/** What the view's readers give back of an event, as the event says it. */
function expected(e: StoredEvent) {
  return {
    type: e.type, ts: e.ts, session: e.session_id === null ? NaN : key52(e.session_id), order: key52(e.order_id ?? e.id), product_id: e.product_id,
    quantity: e.quantity, unit_price: e.unit_price, discounted: (e.discount ?? 0) > 0, channel: e.channel, device: e.device, country: e.country, query: e.query,
  };
}

/** Every event of the customer as the view reads it: the features' reader and the rules' record at each position. */
function read(columns: EventColumns, id: string) {
  const events = columns.events(id);
  const list = columns.eventList(id);
  expect(list.length).toBe(events.length);
  return Array.from({ length: events.length }, (_, i) => {
    const r = list.at(i)!;
    expect(events.product(i) === undefined, `${id} ${i}: the product's facts`).toBe(r.product_id === null);
    expect(events.device(i)).toBe(r.device);
    expect(events.type(i)).toBe(r.type);
    expect(events.ts(i)).toBe(r.ts);
    const quantity = events.quantity(i);
    const price = events.price(i);
    expect(Number.isNaN(quantity) ? null : quantity).toBe(r.quantity);
    expect(Number.isNaN(price) ? null : price).toBe(r.unit_price);
    return {
      type: r.type, ts: r.ts, session: events.session(i), order: events.order(i), product_id: r.product_id, quantity: r.quantity, unit_price: r.unit_price,
      discounted: events.discounted(i), channel: r.channel, device: r.device, country: r.country, query: r.query,
    };
  });
}

describe('the event columns as events are appended', () => {
  let store: Store;
  beforeAll(async () => {
    store = await memoryStore();
  });
  afterAll(() => store.close());

  it('hold every event exactly through several growths and a widening after them', async () => {
    // The build: 3 customers of 10 events, in columns of the least size (1,024 events).
    const built = Array.from({ length: 30 }, (_, k) => ({
      id: `b${k}`, type: TYPES[k % 4]!, ts: new Date(BASE + k * DAY).toISOString(), customer_id: `c${k % 3}`, session_id: `bs${k % 4}`,
      product_id: k % 5 ? `p${k % 7}` : undefined, ...(k % 4 === 2 ? { order_id: `bo${k}`, quantity: 1 + (k % 3), unit_price: 10 } : {}), device: 'mobile', country: 'FR', channel: 'web',
    }));
    const stored = (await ingestEventBatch(store, built)).stored;
    expect(stored).toHaveLength(30);
    const plan = await EventColumns.plan(store);
    const columns = await EventColumns.load(store, new StoredIds(30), plan, new ViewCustomers(BASE), { events: 30, ranges: await customerRanges(store, 30, 30) });
    const want = new Map<string, { built: StoredEvent[]; appended: StoredEvent[] }>();
    for (const e of stored) {
      const held = want.get(e.customer_id!) ?? { built: [], appended: [] };
      held.built.push(e);
      want.set(e.customer_id!, held);
    }

    // Appended: 4,000 events over 37 customers (the build's 3 among them), whose tails take about 9,000 events' room.
    // From 3,000 on, values the columns' first rungs cannot hold: times with milliseconds, a price that is no float32,
    // a thousand countries (two bytes a code).
    const sizes: number[] = [];
    let widenedAt = -1;
    for (let k = 0; k < 4000; k++) {
      const late = k >= 3000;
      if (late && widenedAt < 0) widenedAt = sizes.length;
      const order = k % 4 === 2;
      const e: StoredEvent = {
        id: `a${k}`, type: TYPES[k % 4]!, ts: BASE + 40 * DAY + k * 1000 + (late ? 123 : 0), customer_id: `c${k % 37}`, session_id: k % 5 ? `s${k % 11}` : null,
        product_id: k % 3 ? `p${k % 13}` : null, order_id: order ? `o${k}` : null, quantity: order ? 1 + (k % 4) : null, unit_price: order ? (late ? 19.99 : 12.5) : null,
        discount: order ? (k % 8 === 2 ? 0.2 : 0) : null, query: k % 4 === 3 ? `q${k % 9}` : null, channel: k % 2 ? 'app' : 'web', device: k % 3 ? 'mobile' : null,
        country: late ? `country-${k}` : 'DE',
      };
      columns.append(e);
      sizes.push(columns.size().bytes);
      const held = want.get(e.customer_id!) ?? { built: [], appended: [] };
      held.appended.push(e);
      want.set(e.customer_id!, held);
    }
    const growths = (until: number): number => sizes.slice(1, until).filter((bytes, i) => bytes > sizes[i]!).length;
    expect(growths(widenedAt)).toBeGreaterThanOrEqual(4);

    expect(want.size).toBe(37);
    for (const [id, held] of want) {
      const got = read(columns, id);
      expect(got).toHaveLength(held.built.length + held.appended.length);
      // The build's events in the store's order (any), then the tail in the order appended.
      const byTs = <T extends { ts: number }>(xs: T[]): T[] => [...xs].sort((a, b) => a.ts - b.ts);
      expect(byTs(got.slice(0, held.built.length)), id).toEqual(byTs(held.built).map(expected));
      expect(got.slice(held.built.length), id).toEqual(held.appended.map(expected));
    }

    // The bytes reported count the room grown: at least the events' own.
    const size = columns.size();
    expect(size.events).toBe(4030);
    expect(size.bytes).toBeGreaterThan(size.events * plan.bytesPerEvent);
    expect(await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events`)).toEqual({ n: 30 });
  });
});
