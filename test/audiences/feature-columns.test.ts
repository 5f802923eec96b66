import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureColumns } from '../../src/audiences/feature-columns.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore } from '../helpers.js';

let store: Store;
beforeAll(async () => {
  store = await memoryStore();
});
afterAll(() => store.close());

describe('feature columns', () => {
  it('give back each row as the row query does: integers, fractions, text and nulls', async () => {
    const query = sql`SELECT * FROM (VALUES
        ('a', 3::BIGINT, 0.25::DOUBLE, 'shoes', NULL::DOUBLE),
        ('b', 0::BIGINT, NULL::DOUBLE, NULL, -1.5::DOUBLE),
        ('c', NULL::BIGINT, 1e300::DOUBLE, 'bags', 0::DOUBLE)
      ) t(customer_id, orders, discount_share, top_category, revenue) ORDER BY customer_id`;
    const rows = await store.all(query);
    const read = await store.vectors(query);
    // Rows placed at other numbers, as a view numbers customers by their events first.
    const features = new FeatureColumns(6);
    features.put(read, Int32Array.from([2, 0, 5]));
    rows.forEach((row, r) => expect(features.row([2, 0, 5][r]!, String(read.customer_id![r]))).toEqual(row));
    expect(features.row(1, 'none')).toEqual({ customer_id: 'none', orders: null, discount_share: null, top_category: null, revenue: null });
  });

  it('take a read in parts: rows of each part, a column of nulls in the first that has text in the second', async () => {
    const first = sql`SELECT * FROM (VALUES ('a', 3::BIGINT, NULL::VARCHAR)) t(customer_id, orders, top_category)`;
    const second = sql`SELECT * FROM (VALUES ('b', NULL::BIGINT, 'shoes'), ('c', 2::BIGINT, NULL)) t(customer_id, orders, top_category)`;
    const features = new FeatureColumns(1);
    features.put(await store.vectors(first), Int32Array.from([0]));
    features.put(await store.vectors(second), Int32Array.from([4, 1]));
    expect([0, 1, 4].map((i) => features.row(i, String(i)))).toEqual([
      { customer_id: '0', orders: 3, top_category: null },
      { customer_id: '1', orders: 2, top_category: null },
      { customer_id: '4', orders: null, top_category: 'shoes' },
    ]);
  });

  it("take a customer's features written later, in their row or in a new one, a text where only nulls were", async () => {
    const query = sql`SELECT * FROM (VALUES ('a', 3::BIGINT, NULL::VARCHAR), ('b', 1::BIGINT, NULL)) t(customer_id, orders, top_category)`;
    const features = new FeatureColumns(2);
    features.put(await store.vectors(query), Int32Array.from([0, 1]));
    features.set(0, { customer_id: 'a', orders: 4, top_category: 'shoes' });
    const added = { customer_id: 'z', orders: null, top_category: 'bags' };
    features.set(5000, added);
    expect(features.row(0, 'a')).toEqual({ customer_id: 'a', orders: 4, top_category: 'shoes' });
    expect(features.row(1, 'b')).toEqual({ customer_id: 'b', orders: 1, top_category: null });
    expect(features.row(5000, 'z')).toEqual(added);
  });

  it('write rows of any shape into their columns: names in another order, a feature missing (null), kept features untouched', async () => {
    const query = sql`SELECT * FROM (VALUES ('a', 3::BIGINT, 0.5::DOUBLE, 7::DOUBLE), ('b', 1::BIGINT, 0.25::DOUBLE, 9::DOUBLE)) t(customer_id, orders, share, clv)`;
    const features = new FeatureColumns(2);
    features.put(await store.vectors(query), Int32Array.from([0, 1]));
    const keep = new Set(['clv']);
    features.set(0, { customer_id: 'a', orders: 4, share: 0.75, clv: 1 }, keep);
    // The same names in another order, after a row of the first shape: each value still goes to its own column.
    features.set(1, { customer_id: 'b', share: 0.125, clv: 2, orders: 6 }, keep);
    features.set(0, { customer_id: 'a', orders: 5, share: null, clv: 3 }, keep);
    expect(features.row(0, 'a')).toEqual({ customer_id: 'a', orders: 5, share: null, clv: 7 });
    expect(features.row(1, 'b')).toEqual({ customer_id: 'b', orders: 6, share: 0.125, clv: 9 });
    // A row lacking a feature leaves it null, kept ones aside; without `keep` every feature is written.
    features.set(1, { customer_id: 'b', orders: 2 }, keep);
    expect(features.row(1, 'b')).toEqual({ customer_id: 'b', orders: 2, share: null, clv: 9 });
    features.set(1, { customer_id: 'b', orders: 2, share: 1, clv: 4 });
    expect(features.row(1, 'b')).toEqual({ customer_id: 'b', orders: 2, share: 1, clv: 4 });
  });
});
