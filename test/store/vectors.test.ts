import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';

/** Store.vectors reads results a column at a time from DuckDB's vectors: it must give what Store.all gives, row for row. */
let store: Store;
beforeAll(async () => {
  store = await Store.open({ path: ':memory:' });
});
afterAll(() => store.close());

describe('Store.vectors', () => {
  it('gives the rows of Store.all over several of DuckDB’s chunks, NULL as NaN in numbers and null in text', async () => {
    // 5,000 rows span three chunks of 2,048; every seventh number and every eleventh text is NULL.
    const q = sql`SELECT CASE WHEN i % 11 = 0 THEN NULL ELSE 'c' || i END AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3 END AS v
      FROM range(5000) t(i) ORDER BY i`;
    const rows = await store.all<{ id: string | null; v: number | null }>(q);
    const v = await store.vectors(q);
    expect(v.id).toEqual(rows.map((r) => r.id));
    expect(Array.from(v.v as Float64Array)).toEqual(rows.map((r) => r.v ?? NaN));
    expect(rows.filter((r) => r.v === null).length).toBeGreaterThan(0);
  });

  it('refuses a column of another type, naming it', async () => {
    await expect(store.vectors(sql`SELECT 1::INTEGER AS n`)).rejects.toThrow(/column n is INTEGER/);
  });
});
