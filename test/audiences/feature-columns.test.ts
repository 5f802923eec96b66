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
    const columns = FeatureColumns.from(await store.columns(query));
    expect(columns.ids).toEqual(['a', 'b', 'c']);
    rows.forEach((row, i) => expect(columns.row(i)).toEqual(row));
  });
});
