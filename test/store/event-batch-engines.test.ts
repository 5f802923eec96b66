import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochMs, isoTimestamp, join, jsonText, sql } from '../../src/sql/index.js';
import { insertUnknownCustomers } from '../../src/store/ingest/derive.js';
import { eraseCustomer, ingestEventBatch, ingestEventBatches, type EventInput, type Store } from '../../src/store/index.js';
import { storeLiveMemberships } from '../../src/audiences/realtime.js';
import { emptyStoreOn, ENGINES } from '../engines.js';

const event = (id: string, customer: string, extra: Partial<EventInput> = {}): EventInput => ({ id, type: 'view', ts: '2026-06-01T10:00:00.250+02:00', customer_id: customer, product_id: 'sku-1', ...extra });

/** The batch path decides duplicates and erasures itself, then appends the events kept (Store.insertRows) and answers them as stored: the same on every engine. */
describe.each(ENGINES)('event batches on %s', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await emptyStoreOn(engine));
    await ingestEventBatch(store, [event('old-1', 'gone'), event('old-2', 'ann')]);
    await eraseCustomer(store, 'gone');
  });
  afterAll(() => close());

  it('stores each id once, from its first copy, drops erased customers, and returns what it stored as stored', async () => {
    const reports = await ingestEventBatches(store, [
      [event('a', 'ann'), event('old-2', 'ann'), event('a', 'ann'), event('x', 'gone')],
      [event('a', 'bob'), event('b', 'bob', { type: 'order', order_id: 'o1', quantity: 2, unit_price: 9.5, product_id: 'sku-new', properties: { source: 'ad' } })],
    ]);
    expect(reports.map(({ stored: _, ...r }) => r)).toEqual([
      { received: 4, accepted: 1, duplicates: 2, erased: 1 },
      { received: 2, accepted: 1, duplicates: 1, erased: 0 },
    ]);
    expect(reports[0]!.stored).toEqual([
      {
        id: 'a', type: 'view', ts: Date.UTC(2026, 5, 1, 8, 0, 0, 250), customer_id: 'ann', session_id: null, product_id: 'sku-1', order_id: null,
        quantity: null, unit_price: null, discount: null, query: null, channel: null, device: null, country: null,
      },
    ]);
    expect(reports[1]!.stored.map((e) => [e.id, e.customer_id, e.quantity, e.unit_price])).toEqual([['b', 'bob', 2, 9.5]]);
    const rows = await store.all<{ id: string; customer_id: string }>(sql`SELECT id, customer_id FROM events ORDER BY id`);
    expect(rows).toEqual([{ id: 'a', customer_id: 'ann' }, { id: 'b', customer_id: 'bob' }, { id: 'old-2', customer_id: 'ann' }]);
    // Stored as answered: the instant read in this process, the properties as their JSON, import_id none.
    expect(await store.all(sql`SELECT id, ${epochMs(sql`ts`)} AS ts, ${jsonText(sql`properties`, ['source'])} AS source, import_id FROM events WHERE id IN ('a', 'b') ORDER BY id`)).toEqual([
      { id: 'a', ts: Date.UTC(2026, 5, 1, 8, 0, 0, 250), source: null, import_id: null },
      { id: 'b', ts: Date.UTC(2026, 5, 1, 8, 0, 0, 250), source: 'ad', import_id: null },
    ]);
    expect(await store.all(sql`SELECT id FROM customers WHERE id = 'bob'`)).toEqual([{ id: 'bob' }]);
    expect(await store.all(sql`SELECT id, price FROM products WHERE id = 'sku-new'`)).toEqual([{ id: 'sku-new', price: 9.5 }]);
  });

  it('gives the customers and products a caller does not know a row from their own events among the others', async () => {
    const { n } = (await store.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM events`))!;
    const known = { events: n, unheld: (ids: readonly string[]) => ids.filter((id) => id === 'cara'), unknownProducts: (ids: readonly string[]) => ids.filter((id) => id === 'sku-x') };
    const order = (id: string, customer: string, price: number, extra: Partial<EventInput> = {}) => event(id, customer, { type: 'order', order_id: id, quantity: 1, unit_price: price, product_id: 'sku-x', ...extra });
    await ingestEventBatches(store, [
      [event('k1', 'held', { country: 'FR' }), event('k2', 'cara', { country: 'DE', ts: '2026-06-01T09:00:00Z' }), order('k3', 'held', 4)],
      [event('k4', 'cara', { country: 'NL', ts: '2026-06-02T10:00:00Z' }), order('k5', 'cara', 6), order('k6', 'held', 10, { product_id: 'sku-1' })],
    ], known);
    // 'held' is known to have a row: not looked for. Cara's latest country; sku-x's median of its own order lines.
    expect(await store.all(sql`SELECT id, country FROM customers WHERE id IN ('cara', 'held') ORDER BY id`)).toEqual([{ id: 'cara', country: 'NL' }]);
    expect(await store.all(sql`SELECT id, price FROM products WHERE id = 'sku-x'`)).toEqual([{ id: 'sku-x', price: 5 }]);
  });

  it("gives a batch's new customers the country a file import derives from the same events: the latest instant's, on a tie the least", async () => {
    const mention = (id: string, customer: string, ts: string, country?: string): EventInput => event(id, customer, { ts, ...(country ? { country } : {}) });
    const events = (prefix: string): EventInput[] => [
      mention(`${prefix}1`, `${prefix}-tie`, '2026-06-01T08:00:00Z', 'AT'),
      mention(`${prefix}2`, `${prefix}-tie`, '2026-06-01T10:00:00.000001Z', 'SE'),
      mention(`${prefix}3`, `${prefix}-tie`, '2026-06-01T12:00:00.000001+02:00', 'DK'),
      mention(`${prefix}4`, `${prefix}-older`, '2026-06-01T08:00:00Z', 'IE'),
      mention(`${prefix}5`, `${prefix}-older`, '2026-06-02T08:00:00Z'),
      mention(`${prefix}6`, `${prefix}-none`, '2026-06-01T08:00:00Z'),
      mention(`${prefix}7`, `${prefix}-offset`, '2026-06-01T10:00:00+02:00', 'US'),
      mention(`${prefix}8`, `${prefix}-offset`, '2026-06-01T09:00:00Z', 'CA'),
      mention(`${prefix}9`, `${prefix}-stored`, '2026-06-03T09:00:00Z', 'ES'),
    ];
    await store.run(sql`INSERT INTO customers (id, country) VALUES ('batch-stored', 'PT'), ('file-stored', 'PT')`);
    await ingestEventBatches(store, [events('batch').slice(0, 5), events('batch').slice(5)]);
    const file = events('file');
    await insertUnknownCustomers(store, sql`(SELECT * FROM (VALUES ${join(file.map((e) => sql`(${e.customer_id!}, ${e.country ?? null}, ${isoTimestamp(sql`${e.ts}`)})`))}) t(customer_id, country, ts))`);
    const countries = async (prefix: string) =>
      (await store.all<{ id: string; country: string | null }>(sql`SELECT id, country FROM customers WHERE id LIKE ${`${prefix}-%`} ORDER BY id`)).map((r) => [r.id.slice(prefix.length), r.country]);
    expect(await countries('batch')).toEqual([['-none', null], ['-offset', 'CA'], ['-older', 'IE'], ['-stored', 'PT'], ['-tie', 'DK']]);
    expect(await countries('batch')).toEqual(await countries('file'));
  });

  it('appends rows given by column (Store.insertRows), nulls and instants included', async () => {
    await store.insertRows('live_memberships', [
      { name: 'customer_id', type: 'VARCHAR', values: ['ann', 'bob'] },
      { name: 'audience_id', type: 'VARCHAR', values: ['vip', 'vip'] },
      { name: 'evaluated_at', type: 'TIMESTAMP', values: [BigInt(Date.UTC(2026, 5, 2)) * 1000n, BigInt(Date.UTC(2026, 5, 2, 0, 0, 1, 250)) * 1000n + 7n] },
      { name: 'reasons', type: 'VARCHAR', values: ['orders >= 2', null] },
    ]);
    const rows = await store.all(sql`SELECT customer_id, audience_id, ${epochMs(sql`evaluated_at`)} AS at, reasons FROM live_memberships ORDER BY customer_id`);
    expect(rows).toEqual([
      { customer_id: 'ann', audience_id: 'vip', at: Date.UTC(2026, 5, 2), reasons: 'orders >= 2' },
      { customer_id: 'bob', audience_id: 'vip', at: Date.UTC(2026, 5, 2, 0, 0, 1, 250), reasons: null },
    ]);
  });

  it('replaces the live memberships of the customers re-evaluated, and only theirs', async () => {
    const at = new Map([['ann', '2026-06-03 00:00:00'], ['bob', '2026-06-03 00:00:00']]);
    await storeLiveMemberships(store, ['ann', 'bob'], at, new Map([['ann', [{ id: 'loyal', name: 'Loyal', kind: 'rule', reasons: null }]], ['bob', []]]));
    const rows = await store.all(sql`SELECT customer_id, audience_id FROM live_memberships ORDER BY customer_id, audience_id`);
    expect(rows).toEqual([{ customer_id: 'ann', audience_id: 'loyal' }]);
    await storeLiveMemberships(store, ['ann'], at, new Map([['ann', [{ id: 'new', name: 'New', kind: 'rule', reasons: null }]]]));
    expect(await store.all(sql`SELECT customer_id, audience_id FROM live_memberships ORDER BY customer_id, audience_id`)).toEqual([{ customer_id: 'ann', audience_id: 'new' }]);
  });
});
