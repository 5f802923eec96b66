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

  it('streams the same values a chunk at a time (vectorChunks), every chunk at most 2,048 rows', async () => {
    const q = sql`SELECT CASE WHEN i % 11 = 0 THEN NULL ELSE 'c' || i END AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3 END AS v
      FROM range(5000) t(i) ORDER BY i`;
    const whole = await store.vectors(q);
    const ids: Array<string | null> = [];
    const values: number[] = [];
    let chunks = 0;
    for await (const chunk of store.vectorChunks(q)) {
      chunks++;
      expect(chunk.id!.length).toBeLessThanOrEqual(2048);
      ids.push(...(chunk.id as Array<string | null>));
      values.push(...(chunk.v as Float64Array));
    }
    expect(chunks).toBeGreaterThan(1);
    expect(ids).toEqual(whole.id);
    expect(values).toEqual(Array.from(whole.v as Float64Array));
  });

  it('reads integer columns as numbers, as Store.all gives them, NULL as NaN', async () => {
    const q = sql`SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1000003 END AS big, CAST(i - 2 AS INTEGER) AS int, CAST(i % 200 AS UTINYINT) AS tiny,
        CAST(9007199254740993 - i AS BIGINT) AS beyond
      FROM range(3000) t(i) ORDER BY i`;
    const rows = await store.all<Record<string, number | null>>(q);
    const v = await store.vectors(q);
    for (const name of ['big', 'int', 'tiny', 'beyond']) expect(Array.from(v[name] as Float64Array), name).toEqual(rows.map((r) => r[name] ?? NaN));
    expect((v.big as Float64Array)[3]).toBe(3000009);
  });

  it('refuses a column of another type, naming it', async () => {
    await expect(store.vectors(sql`SELECT TIMESTAMP '2024-01-01 00:00:00' AS t`)).rejects.toThrow(/column t is TIMESTAMP/);
  });
});
