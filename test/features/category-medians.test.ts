import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryMedians, customerFeaturesQuery, type CategoryMedian } from '../../src/features/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { ENGINES, storeOn } from '../engines.js';

const AS_OF = '2024-03-01 00:00:00';

/**
 * Order lines by category, priced so that every way the middle falls is there: an odd count (a), an even count whose
 * two middle prices are equal (b), an even count whose two middle prices differ where lo * 0.5 + hi * 0.5 (what
 * DuckDB's median() gives) is not lo + (hi - lo) * 0.5 (c: 0.39999999999999997 against 0.4), a price repeated
 * across the middle (d),
 * and lines the medians leave out: a price of 0, after the as-of date, without a product.
 */
const LINES: Array<[string, string, number, string]> = [
  ['a1', 'c1', 1, '2024-01-02'], ['a1', 'c2', 9, '2024-01-03'], ['a2', 'c1', 2, '2024-01-04'], ['a2', 'c3', 2, '2024-01-05'], ['a1', 'c2', 5, '2024-01-06'],
  ['b1', 'c1', 1, '2024-01-02'], ['b1', 'c2', 3, '2024-01-03'], ['b1', 'c3', 3, '2024-01-04'], ['b1', 'c1', 10, '2024-01-05'],
  ['c1', 'c2', 0.7, '2024-01-02'], ['c1', 'c3', 0.1, '2024-01-03'],
  ['d1', 'c1', 4, '2024-01-02'], ['d1', 'c2', 4, '2024-01-02'], ['d1', 'c3', 4, '2024-01-02'], ['d1', 'c1', 1, '2024-01-02'], ['d1', 'c2', 7, '2024-01-02'], ['d1', 'c3', 7, '2024-01-02'],
  ['a1', 'c1', 0, '2024-01-07'], ['a1', 'c2', 100, '2024-03-02'],
];
const CATEGORIES: Record<string, string> = { a1: 'a', a2: 'a', b1: 'b', c1: 'c', d1: 'd' };
const EXPECTED: Record<string, number> = { a: 2, b: 3, c: 0.39999999999999997, d: 4 };

async function load(store: Store): Promise<void> {
  for (const [id, category] of Object.entries(CATEGORIES)) await store.run(sql`INSERT INTO products (id, category) VALUES (${id}, ${category})`);
  for (const c of ['c1', 'c2', 'c3']) await store.run(sql`INSERT INTO customers (id, created_at) VALUES (${c}, TIMESTAMP '2024-01-01 00:00:00')`);
  const rows = [...LINES.map(([product, customer, price, day]) => [product, customer, price, day] as const), [null, 'c1', 50, '2024-01-08'] as const];
  for (const [i, [product, customer, price, day]] of rows.entries()) {
    await store.run(sql`INSERT INTO events (id, type, ts, customer_id, product_id, order_id, quantity, unit_price)
      VALUES (${`e${i}`}, 'order', CAST(${`${day} 12:00:00`} AS TIMESTAMP), ${customer}, ${product}, ${`o${i}`}, 1, ${price})`);
  }
}

const byCategory = (rows: readonly CategoryMedian[]) => Object.fromEntries(rows.map((r) => [r.cat, r.med]));

describe.each(ENGINES)('category medians from the count of each price (%s)', (engine) => {
  let store: Store;
  let close: () => void | Promise<void>;
  beforeAll(async () => ({ store, close } = await storeOn(engine, load)));
  afterAll(() => close());

  it("are the median price paid in each category, the middle or the two middle ones averaged as DuckDB's median() does", async () => {
    expect(byCategory(await categoryMedians(store, AS_OF))).toEqual(EXPECTED);
  });

  it("are the ones a run's whole feature table compares spend with: its premium_index is the one from these medians", async () => {
    const given = Object.entries(EXPECTED).map(([cat, med]) => ({ cat, med }));
    const premium = async (q: ReturnType<typeof customerFeaturesQuery>) =>
      Object.fromEntries((await store.all<{ customer_id: string; premium_index: number }>(sql`SELECT customer_id, premium_index FROM (${q}) f ORDER BY customer_id`)).map((r) => [r.customer_id, r.premium_index]));
    const whole = await premium(customerFeaturesQuery({ asOf: AS_OF }));
    expect(Object.keys(whole)).toEqual(['c1', 'c2', 'c3']);
    expect(whole).toEqual(await premium(customerFeaturesQuery({ asOf: AS_OF, customerIds: ['c1', 'c2', 'c3'], categoryMedians: given })));
  });
});

it("on DuckDB, are the very numbers of DuckDB's median()", async () => {
  const { store, close } = await storeOn('duckdb', load);
  const direct = await store.all<CategoryMedian>(sql`SELECT p.category AS cat, median(e.unit_price) AS med FROM events e JOIN products p ON p.id = e.product_id
    WHERE e.unit_price > 0 AND e.ts < CAST(${AS_OF} AS TIMESTAMP) GROUP BY p.category`);
  expect(byCategory(await categoryMedians(store, AS_OF))).toEqual(byCategory(direct));
  await close();
});
