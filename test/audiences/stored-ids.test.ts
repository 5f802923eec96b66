import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveView } from '../../src/audiences/index.js';
import { FoldedAggregates } from '../../src/audiences/folded-aggregates.js';
import { StoredIds } from '../../src/audiences/stored-ids.js';
import { createRng } from '../../src/models/rng.js';
import { compile, sql } from '../../src/sql/index.js';
import { eraseCustomer, ingestEventBatch, Store, type EventInput, type RowColumns } from '../../src/store/index.js';

/**
 * The duplicate check of POST /v1/events with the live view: only ids the view's filter may hold are looked for among
 * the stored ones. It must still find every duplicate, also of events another writer stored since the view was built.
 */
let store: Store;
beforeAll(async () => {
  store = await Store.open({ path: ':memory:' });
});
afterAll(() => store.close());

const view = (id: string, customer = 'c1'): EventInput => ({ id, type: 'view', ts: '2024-03-01T10:00:00Z', customer_id: customer, product_id: 'p1' });

describe('StoredIds', () => {
  it('holds every id added and few others', () => {
    const ids = new StoredIds(20_000);
    for (let i = 0; i < 20_000; i++) ids.add(`stored-${i}`);
    for (let i = 0; i < 20_000; i++) expect(ids.mayHold(`stored-${i}`)).toBe(true);
    let maybe = 0;
    for (let i = 0; i < 100_000; i++) if (ids.mayHold(`other-${i}`)) maybe++;
    // Sized for twice the ids, at 16 bits each: well under one in a thousand.
    expect(maybe).toBeLessThan(100);
  });
});

describe("the folded keys' filter", () => {
  it('holds every key added and almost no other: each false positive sends a customer to a feature query over the store', () => {
    const keys = 200_000;
    const filter = FoldedAggregates.keysFilter(keys);
    const rng = createRng(7);
    const hash = (): number => Math.floor(rng.next() * 2 ** 32);
    const added = Array.from({ length: keys }, () => [hash(), hash()] as const);
    for (const [a, b] of added) filter.add(a, b);
    expect(added.every(([a, b]) => filter.mayHold(a, b))).toBe(true);
    let maybe = 0;
    for (let i = 0; i < 1_000_000; i++) if (filter.mayHold(hash(), hash())) maybe++;
    // A turn of 400 events looks up about 440 keys: at 1 in 2,200 (the filter sized for the keys alone, 16 bits each)
    // every fifth turn queried the store.
    expect(maybe).toBeLessThan(5);
    expect(filter.bytes).toBeLessThanOrEqual(keys * FoldedAggregates.BYTES_PER_KEY);
  });
});

describe('the duplicate check with the live view', () => {
  it('counts re-sent ids as duplicates, also those another writer stored after the view was built', async () => {
    await ingestEventBatch(store, [view('e1'), view('e2')]);
    const live = (await LiveView.build(store))!;
    expect(live.holds).toBe('every event');
    const known = live.knownIds();
    expect(known.events).toBe(2);
    expect(known.mayHold!(['e1', 'e2', 'e3'])).toEqual(['e1', 'e2']);

    const first = await ingestEventBatch(store, [view('e2'), view('e3'), view('e3')], live.knownIds());
    expect(first).toMatchObject({ received: 3, accepted: 1, duplicates: 2 });
    live.take(first.stored);
    expect(live.knownIds()).toMatchObject({ events: 3 });
    expect((await ingestEventBatch(store, [view('e3'), view('e4', 'c2')], live.knownIds()))).toMatchObject({ accepted: 1, duplicates: 1 });

    // Stored behind the view's back (as an import would, before the view is built again): the view's count no longer
    // matches the store's, so the batch is checked against every stored id.
    await store.run(sql`INSERT INTO events (id, type, ts, customer_id) VALUES ('e9', 'view', TIMESTAMP '2024-03-02 00:00:00', 'c1')`);
    expect(live.knownIds().mayHold!(['e9'])).toEqual([]);
    expect(await ingestEventBatch(store, [view('e9'), view('e10')], live.knownIds())).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await store.one<{ n: number; d: number }>(sql`SELECT count(*) AS n, count(DISTINCT id) AS d FROM events`))).toEqual({ n: 6, d: 6 });
  });
});

describe("the view's turns without counting the store's events", () => {
  it('counts them only after another write, and then finds the duplicates it stored: a statement, rows appended, a fork', async () => {
    const s = await Store.open({ path: ':memory:' });
    try {
      expect(s.soleWriter).toBe(true);
      await ingestEventBatch(s, [view('w1'), view('w2')]);
      const counts: string[] = [];
      const all = s.all.bind(s);
      s.all = (q) => {
        const text = compile(q).text;
        if (/count\(\*\) FROM events/.test(text)) counts.push(text);
        return all(q);
      };
      const columns = (await s.all<{ name: string }>(sql`SELECT column_name AS name FROM duckdb_columns() WHERE table_name = 'events' ORDER BY column_index`)).map((c) => c.name);
      const appended = (id: string): RowColumns =>
        columns.map((name) => (name === 'ts' ? { name, type: 'TIMESTAMP', values: [1_709_337_600_000_000n] } : { name, type: 'VARCHAR', values: [({ id, type: 'view', customer_id: 'c1' } as Record<string, string>)[name] ?? null] }));
      const inserted = (id: string) => sql`INSERT INTO events (id, type, ts, customer_id) VALUES (${id}, 'view', TIMESTAMP '2024-03-02 00:00:00', 'c1')`;
      const fork = await s.fork();
      const behind: Array<(id: string) => Promise<unknown>> = [(id) => s.run(inserted(id)), (id) => s.insertRows('events', appended(id)), (id) => fork.run(inserted(id))];
      for (const [k, write] of behind.entries()) {
        const live = (await LiveView.build(s))!;
        // A turn as the route takes it: stored, taken, worked out (the live memberships written), settled.
        const turn = async (events: EventInput[]) => {
          const report = await ingestEventBatch(s, events, live.knownIds());
          live.take(report.stored);
          await live.refresh(s, [...new Set(events.map((e) => e.customer_id!))], { eventsOnly: true });
          live.settle(s.writes);
          return report;
        };
        const before = counts.length;
        await turn([view(`a${k}`)]);
        expect(await turn([view(`b${k}`), view(`a${k}`)])).toMatchObject({ accepted: 1, duplicates: 1 });
        expect(counts.length).toBe(before + 1);
        await write(`x${k}`);
        expect(await turn([view(`x${k}`), view(`c${k}`)])).toMatchObject({ accepted: 1, duplicates: 1 });
        expect(counts.length).toBe(before + 2);
        // The store no longer holds the view's count: it is counted at every turn, which keeps finding them.
        expect(await turn([view(`x${k}`)])).toMatchObject({ accepted: 0, duplicates: 1 });
      }
      fork.close();
      expect(await s.one(sql`SELECT count(*) AS n, count(DISTINCT id) AS d FROM events`)).toEqual({ n: 14, d: 14 });

      // An erasure between two turns that asked nothing: the next finds the customer's events erased.
      const live = (await LiveView.build(s))!;
      const built = counts.length;
      for (const id of ['e1', 'e2']) {
        const report = await ingestEventBatch(s, [view(id, 'c2')], live.knownIds());
        live.take(report.stored);
        live.settle(s.writes);
        expect(report).toMatchObject({ accepted: 1 });
      }
      expect(counts.length).toBe(built + 1);
      await eraseCustomer(s, 'c2');
      expect(await ingestEventBatch(s, [view('e3', 'c2'), view('e4', 'c3')], live.knownIds())).toMatchObject({ accepted: 1, erased: 1 });
      expect(counts.length).toBe(built + 2);
      // A view built after it: its first turn counts the tombstone, the next ones know it without asking.
      const after = (await LiveView.build(s))!;
      const rebuilt = counts.length;
      for (const id of ['e5', 'e6']) {
        const report = await ingestEventBatch(s, [view(id, 'c2'), view(`${id}-c3`, 'c3')], after.knownIds());
        expect(report).toMatchObject({ accepted: 1, erased: 1 });
        after.take(report.stored);
        after.settle(s.writes);
      }
      expect(counts.length).toBe(rebuilt + 1);
    } finally {
      s.close();
    }
  });
});

describe('new customers of a batch with the live view', () => {
  it('gives a customer the view does not hold a row, and asks the customers table nothing when it holds them all', async () => {
    const s = await Store.open({ path: ':memory:' });
    try {
      await ingestEventBatch(s, [view('n1', 'held-1'), view('n2', 'held-2')]);
      const live = (await LiveView.build(s))!;
      expect(live.knownIds().unheld(['held-1', 'held-2', 'new-1'])).toEqual(['new-1']);

      const customerInserts: string[] = [];
      const run = s.run.bind(s);
      s.run = (q) => {
        const text = compile(q).text;
        if (/INSERT INTO customers/.test(text)) customerInserts.push(text);
        return run(q);
      };
      const held = await ingestEventBatch(s, [view('n3', 'held-1'), view('n4', 'held-2')], live.knownIds());
      live.take(held.stored);
      expect(customerInserts).toEqual([]);

      await ingestEventBatch(s, [{ ...view('n5', 'new-1'), country: 'FR' }, view('n6', 'held-1')], live.knownIds());
      expect(customerInserts).toHaveLength(1);
      expect(await s.all(sql`SELECT id, country FROM customers ORDER BY id`)).toEqual([
        { id: 'held-1', country: null },
        { id: 'held-2', country: null },
        { id: 'new-1', country: 'FR' },
      ]);
    } finally {
      s.close();
    }
  });
});

describe('new products of a batch with the live view', () => {
  it('gives a product the view does not know a row, and asks the products table nothing when it knows them all', async () => {
    const s = await Store.open({ path: ':memory:' });
    try {
      await ingestEventBatch(s, [view('q1'), { ...view('q2'), product_id: 'p2' }]);
      const live = (await LiveView.build(s))!;
      expect(live.knownIds().unknownProducts(['p1', 'p2', 'new-1'])).toEqual(['new-1']);

      const productInserts: string[] = [];
      const run = s.run.bind(s);
      s.run = (q) => {
        const text = compile(q).text;
        if (/INSERT INTO products/.test(text)) productInserts.push(text);
        return run(q);
      };
      live.take((await ingestEventBatch(s, [view('q3'), { ...view('q4'), product_id: 'p2' }], live.knownIds())).stored);
      expect(productInserts).toEqual([]);

      const order = { ...view('q5'), type: 'order' as const, product_id: 'new-1', order_id: 'o1', quantity: 1, unit_price: 12 };
      live.take((await ingestEventBatch(s, [order, view('q6')], live.knownIds())).stored);
      expect(productInserts).toHaveLength(1);
      expect(await s.all(sql`SELECT id, price FROM products ORDER BY id`)).toEqual([
        { id: 'new-1', price: 12 },
        { id: 'p1', price: null },
        { id: 'p2', price: null },
      ]);
      // The batch gave it a row: the next one that names it asks nothing.
      live.take((await ingestEventBatch(s, [{ ...view('q7'), product_id: 'new-1' }], live.knownIds())).stored);
      expect(productInserts).toHaveLength(1);
    } finally {
      s.close();
    }
  });
});
