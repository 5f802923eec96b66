import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { identityMapping, importFile, Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * Customers and products files into an empty table take a plain INSERT (import-file.ts, storeRows); into a table
 * that holds rows, INSERT OR REPLACE with EXCEPT; and only a file that gives an id twice pays the grouping for the
 * last row of each id. Each way must store the last row of an id and report alike, and a `--replace` that empties the
 * table in its own transaction must still store the file again. (Seen failing: always a plain INSERT, and no
 * grouping for a file with an id given twice.)
 */

const dir = tempDir();
afterAll(() => dir.cleanup());

const CUSTOMERS = dir.file('customers.csv', [
  'id,email,created_at,consent_email',
  'c1,first@example.com,2024-01-01,true',
  'c2,c2@example.com,2024-01-02,',
  'c1,last@example.com,2024-01-03,false', // the last row of an id wins
  ',nobody@example.com,2024-01-04,', // no id: quarantined
]);
const PRODUCTS = dir.file('products.csv', ['id,title,price', 'p1,Mug,10', 'p1,Big mug,12', 'p2,Coat,80']);

const customers = (store: Store) => store.all(sql`SELECT id, email, created_at, consent_email, consent_email_at FROM customers ORDER BY id`);
const products = (store: Store) => store.all(sql`SELECT id, title, price FROM products ORDER BY id`);

describe('customers and products files', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());

  it('store the last row of each id into an empty table, and report the earlier ones as duplicates', async () => {
    expect(await importFile(store, CUSTOMERS, identityMapping('customers'))).toMatchObject({ rows: 4, accepted: 2, duplicates: 1, rejected: 1 });
    expect(await importFile(store, PRODUCTS, identityMapping('products'))).toMatchObject({ rows: 3, accepted: 2, duplicates: 1, rejected: 0 });
    const stored = { customers: await customers(store), products: await products(store) };
    expect(stored.customers).toMatchObject([
      { id: 'c1', email: 'last@example.com', consent_email: false },
      { id: 'c2', email: 'c2@example.com', consent_email: null },
    ]);
    expect(stored.products).toEqual([
      { id: 'p1', title: 'Big mug', price: 12 },
      { id: 'p2', title: 'Coat', price: 80 },
    ]);

    // The same files into tables that hold rows (INSERT OR REPLACE and EXCEPT): nothing new, the same rows.
    expect(await importFile(store, CUSTOMERS, identityMapping('customers'))).toMatchObject({ rows: 4, accepted: 0, duplicates: 3, rejected: 1 });
    expect(await importFile(store, PRODUCTS, identityMapping('products'))).toMatchObject({ rows: 3, accepted: 0, duplicates: 3 });
    expect({ customers: await customers(store), products: await products(store) }).toEqual(stored);
  });

  it('store a file again with replace, which empties the table in the same transaction', async () => {
    await importFile(store, CUSTOMERS, identityMapping('customers'));
    await importFile(store, PRODUCTS, identityMapping('products'));
    const stored = { customers: await customers(store), products: await products(store) };
    const again = await importFile(store, CUSTOMERS, identityMapping('customers'), { replace: true });
    expect(again.replaced.map((r) => r.removed.customers)).toEqual([2]);
    expect(again).toMatchObject({ rows: 4, accepted: 2, duplicates: 1, rejected: 1 });
    expect((await importFile(store, PRODUCTS, identityMapping('products'), { replace: true })).replaced.map((r) => r.removed.products)).toEqual([2]);
    expect({ customers: await customers(store), products: await products(store) }).toEqual(stored);
  });
});
