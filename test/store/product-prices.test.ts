import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { identityMapping, importFile, ingestEventBatch, type EventInput, type Mapping, type Store } from '../../src/store/index.js';
import { emptyStoreOn, ENGINES } from '../engines.js';
import { tempDir } from '../helpers.js';

/*
 * A product the store lacks gets the median price of the order lines that mention it (from the count of each price,
 * src/sql/medians.ts): from a file that describes its products, from one that does not, and from an API batch. The
 * prices cover every way the middle falls: two prices where lo * 0.5 + hi * 0.5 (median()'s) is not
 * lo + (hi - lo) * 0.5 (a), an odd count (b), a price repeated across the middle (c), an even count (d), no order (e),
 * orders without a price (f), only a return (g); a return's price and a line that fails a check do not count.
 */
const LINES: Array<[type: string, product: string, price: string]> = [
  ['order', 'a', '0.7'], ['order', 'a', '0.1'], ['return', 'a', '100'],
  ['order', 'b', '9'], ['order', 'b', '1'], ['order', 'b', '2'],
  ['order', 'c', '4'], ['order', 'c', '4'], ['order', 'c', '1'], ['order', 'c', '7'],
  ['order', 'd', '3'], ['order', 'd', '10'],
  ['view', 'e', ''],
  ['order', 'f', ''], ['order', 'f', '5'], ['order', 'f', ''], ['order', 'f', '7'], ['order', 'f', ''],
  ['return', 'g', '8'],
];
const EXPECTED = [
  { id: 'a', price: 0.39999999999999997 }, { id: 'b', price: 2 }, { id: 'c', price: 4 }, { id: 'd', price: 6.5 }, { id: 'e', price: null }, { id: 'f', price: 6 },
  { id: 'g', price: null },
];

const dir = tempDir();
afterAll(() => dir.cleanup());
const FILE = dir.file('lines.csv', [
  'type,ts,customer_id,product_id,order_id,quantity,unit_price,title',
  ...LINES.map(([type, product, price], i) => `${type},2024-01-02 10:00:00,c1,${product},${type === 'view' ? '' : `o${i}`},1,${price},Item ${product}`),
  'order,not-a-date,c1,a,o99,1,0.05,Item a', // quarantined: its price does not count
]);
const PLAIN: Mapping = identityMapping('events');
const DESCRIBED: Mapping = { ...PLAIN, columns: { ...PLAIN.columns, product_title: 'title' } };
const BATCH: EventInput[] = LINES.map(([type, product, price], i) => ({
  id: `e${i}`, type: type as EventInput['type'], ts: '2024-01-02T10:00:00Z', customer_id: 'c1', product_id: product,
  ...(type === 'view' ? {} : { order_id: `o${i}`, quantity: 1 }),
  ...(price === '' ? {} : { unit_price: Number(price) }),
}));

const prices = (store: Store) => store.all(sql`SELECT id, price FROM products ORDER BY id`);

describe.each(ENGINES)('the price of a product the events bring (%s)', (engine) => {
  const onEmptyStore = async (fill: (store: Store) => Promise<unknown>) => {
    const { store, close } = await emptyStoreOn(engine);
    try {
      await fill(store);
      return { prices: await prices(store), titles: await store.all(sql`SELECT id, title FROM products ORDER BY id`) };
    } finally {
      await close();
    }
  };

  it('is the median price of its order lines in a file that describes its products', async () => {
    const got = await onEmptyStore((store) => importFile(store, FILE, DESCRIBED));
    expect(got.prices).toEqual(EXPECTED);
    expect(got.titles.map((r) => r.title)).toEqual(['Item a', 'Item b', 'Item c', 'Item d', 'Item e', 'Item f', 'Item g']);
  });

  it('is the same from a file that does not describe them', async () => {
    expect((await onEmptyStore((store) => importFile(store, FILE, PLAIN))).prices).toEqual(EXPECTED);
  });

  it('is the same from an API batch', async () => {
    expect((await onEmptyStore((store) => ingestEventBatch(store, BATCH))).prices).toEqual(EXPECTED);
  });
});

it("on DuckDB, is the very number of DuckDB's median() over the stored order lines", async () => {
  for (const mapping of [DESCRIBED, PLAIN]) {
    const { store, close } = await emptyStoreOn('duckdb');
    await importFile(store, FILE, mapping);
    const direct = await store.all(sql`SELECT product_id AS id, median(unit_price) FILTER (WHERE type = 'order') AS price FROM events GROUP BY product_id ORDER BY id`);
    expect(await prices(store)).toEqual(direct);
    await close();
  }
});
