import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ident, raw, sql } from '../../src/sql/index.js';
import {
  identityMapping,
  importFile,
  ingestEventBatch,
  listImports,
  parseRejectLimit,
  quarantinedRows,
  removeImport,
  type Mapping,
  Store,
} from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';
import { runPipeline } from '../../src/pipeline/index.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

const HEADER = 'type,ts,customer_id,product_id,order_id,quantity,unit_price';
function write(name: string, lines: string[]): string {
  const file = join(dir.path, name);
  writeFileSync(file, [HEADER, ...lines].join('\n') + '\n');
  return file;
}
const order = (customer: string, product: string, day: number) => `order,2024-01-${String(day).padStart(2, '0')} 10:00:00,${customer},${product},o-${customer}-${day},1,10`;

/** Every table an import writes to, as counts: equal before and after means the store is unchanged. */
const counts = (store: Store) =>
  store.one(sql`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM products) AS products,
    (SELECT count(*) FROM quarantine) AS quarantine, (SELECT count(*) FROM imports) AS imports`);
const ids = async (store: Store, table: 'customers' | 'products') => (await store.all<{ id: string }>(sql`SELECT id FROM ${ident(table)} ORDER BY id`)).map((r) => r.id);

describe('taking an import back', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());

  it('removes its events, quarantined rows and the customers and products only it created, and says the latest run is stale', async () => {
    const customersFile = join(dir.path, 'customers.csv');
    writeFileSync(customersFile, 'id,email\nc1,c1@example.org\n');
    await importFile(store, customersFile, identityMapping('customers'));
    const first = await importFile(store, write('first.csv', [order('c1', 'p1', 1), order('c2', 'p2', 2), order('c3', 'p3', 3), 'order,not-a-date,c1,p1,o9,1,10']), identityMapping('events'));
    const second = await importFile(store, write('second.csv', [order('c4', 'p1', 4)]), identityMapping('events'));
    // c3 and p3 were created by the first import, but an event from the API refers to them.
    await ingestEventBatch(store, [{ id: 'api-1', type: 'order', ts: '2024-01-05T10:00:00Z', customer_id: 'c3', product_id: 'p3', quantity: 1, unit_price: 5 }]);
    await runPipeline(store, '2024-02-01 00:00:00');
    expect(await ids(store, 'customers')).toEqual(['c1', 'c2', 'c3', 'c4']);

    const removal = await removeImport(store, first.import_id);
    expect(removal).toEqual({
      import_id: first.import_id,
      file: first.file,
      removed: { events: 3, customers: 1, products: 1, quarantined: 1 },
      stale: { as_of: '2024-02-01 00:00:00', customers: 3, products: 3 },
    });
    expect(await ids(store, 'customers')).toEqual(['c1', 'c3', 'c4']);
    expect(await ids(store, 'products')).toEqual(['p1', 'p3']);
    const left = await store.all<{ id: string }>(sql`SELECT coalesce(import_id, id) AS id FROM events ORDER BY 1`);
    expect(left.map((r) => r.id)).toEqual(['api-1', second.import_id].sort());
    expect((await listImports(store, { limit: 10, offset: 0 })).imports.map((i) => i.id)).not.toContain(first.import_id);
    await expect(removeImport(store, first.import_id)).rejects.toThrow(`no import "${first.import_id}"`);
  });

  it('with replace, re-imports a file whose mapping changed without doubling it', async () => {
    const file = write('orders.csv', [order('c1', 'p1', 1), order('c2', 'p1', 2), 'order,bad-date,c2,p1,o3,1,10']);
    const prefixed: Mapping = { ...identityMapping('events'), columns: { ...identityMapping('events').columns, customer_id: { column: 'customer_id', prefix: 'shop:' } } };
    await importFile(store, file, prefixed);
    const doubled = await importFile(store, file, identityMapping('events'));
    expect(doubled.accepted).toBe(2);
    // Quarantined again, the bad line is kept once, with the newest import.
    expect((await quarantinedRows(store, undefined, { limit: 10, offset: 0 })).rows.map((r) => [r.import_id, r.line])).toEqual([[doubled.import_id, 4]]);
    expect((await counts(store))!.events).toBe(4);

    const replaced = await importFile(store, file, identityMapping('events'), { replace: true });
    expect(replaced.replaced.map((r) => r.removed.events)).toEqual([2, 2]);
    expect(replaced).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(await counts(store)).toEqual({ events: 2, customers: 2, products: 1, quarantine: 1, imports: 1 });
    expect(await ids(store, 'customers')).toEqual(['c1', 'c2']);
  });
});

describe('imports that reject too much', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());
  const mixed = () => write('mixed.csv', [...Array.from({ length: 7 }, (_, i) => order(`c${i}`, 'p1', i + 1)), 'order,soon,c1,p1,o8,1,10', 'order,later,c1,p1,o9,1,10', 'teleport,2024-01-01 10:00:00,c1,p1,o10,1,10']);

  it('fail above --max-rejected, as a count or a share, and store nothing', async () => {
    const file = mixed();
    for (const limit of ['2', '29%']) {
      await expect(importFile(store, file, identityMapping('events'), { maxRejected: parseRejectLimit(limit, '--max-rejected') })).rejects.toThrow(
        limit === '2'
          ? /mixed\.csv: 3 of 10 rows rejected, more than the limit of 2; nothing imported\. Top reasons: 2 × cannot read as a timestamp \(ts\): soon \(line 9 and alike\); 1 × unknown event type "teleport"/
          : /3 of 10 rows rejected, more than the limit of 29% of 10 rows, 2;/,
      );
      expect(await counts(store)).toEqual({ events: 0, customers: 0, products: 0, quarantine: 0, imports: 0 });
    }
    expect(await importFile(store, file, identityMapping('events'), { maxRejected: parseRejectLimit('30%', '--max-rejected') })).toMatchObject({ accepted: 7, rejected: 3 });
  });

  it('fail when every row is rejected, naming the top reasons with their counts', async () => {
    const file = write('all-bad.csv', ['order,1/2/2024,c1,p1,o1,1,10', 'order,1/3/2024,c2,p1,o2,1,10', 'order,2024-01-04 10:00:00,c2,p1,o3,1,ten']);
    await expect(importFile(store, file, identityMapping('events'))).rejects.toThrow(
      'all-bad.csv: all 3 rows rejected; nothing imported. Top reasons: 2 × cannot read as a timestamp (ts): 1/2/2024 (line 2 and alike); 1 × cannot read as a number (unit_price): ten (line 4)',
    );
    expect(await counts(store)).toEqual({ events: 0, customers: 0, products: 0, quarantine: 0, imports: 0 });
  });

  it('reads a limit as a count or a percentage, and nothing else', () => {
    expect(parseRejectLimit('0', '--max-rejected')).toEqual({ count: 0 });
    expect(parseRejectLimit('2.5%', '--max-rejected')).toEqual({ percent: 2.5 });
    for (const bad of ['-1', '101%', 'ten', '5 %', '']) expect(() => parseRejectLimit(bad, '--max-rejected'), bad).toThrow(`--max-rejected: "${bad}" is not`);
  });
});

describe('events without an id', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());

  // An order export without event ids, with a description the store does not keep.
  const lines: Mapping = {
    entity: 'events',
    absentColumns: 'error',
    constants: { type: 'order' },
    columns: { order_id: 'Invoice', product_id: 'Sku', product_title: 'Description', quantity: 'Qty', ts: 'Date', unit_price: 'Price', customer_id: 'Customer' },
  };
  const file = (name: string, rows: string[]) => {
    const path = join(dir.path, name);
    writeFileSync(path, ['Invoice,Sku,Description,Qty,Date,Price,Customer', ...rows].join('\n') + '\n');
    return path;
  };
  // Events, distinct ids (an event is what its id names) and revenue.
  const stored = async () => store.one(sql`SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(quantity * unit_price) AS revenue FROM events`);

  it('keeps two identical lines of one order as two events, and the same line in two files as one', async () => {
    const mug = 'o1,P1,MUG,2,2024-01-02 10:00:00,2.5,c1';
    const first = await importFile(store, file('first.csv', [mug, mug, 'o1,P2,PLATE,1,2024-01-02 10:00:00,4,c1', 'o2,P1,MUG,2,2024-01-03 10:00:00,2.5,c2']), lines);
    expect(first).toMatchObject({ rows: 4, accepted: 4, duplicates: 0 });
    expect(await stored()).toEqual({ n: 4, ids: 4, revenue: 19 });

    // Another export of the same shop overlaps the first on order o2 and on one of o1's two mugs, and adds o3.
    const second = await importFile(store, file('second.csv', ['o2,P1,MUG,2,2024-01-03 10:00:00,2.5,c2', mug, 'o3,P2,PLATE,3,2024-01-04 10:00:00,4,c2']), lines);
    expect(second).toMatchObject({ rows: 3, accepted: 1, duplicates: 2 });
    expect(await stored()).toEqual({ n: 5, ids: 5, revenue: 31 });
  });

  it('gives ids to the rows of a file with an id column that lack one, keeping identical ones apart', async () => {
    const path = join(dir.path, 'some-ids.csv');
    const row = (id: string) => `${id},order,2024-01-02 10:00:00,c1,P1,o1,2,2.5`;
    writeFileSync(path, ['id,type,ts,customer_id,product_id,order_id,quantity,unit_price', row('e1'), row(''), row(''), row('e1')].join('\n') + '\n');
    expect(await importFile(store, path, identityMapping('events'))).toMatchObject({ rows: 4, accepted: 3, duplicates: 1 });
    expect(await importFile(store, path, identityMapping('events'))).toMatchObject({ accepted: 0, duplicates: 4 });
    expect(await stored()).toEqual({ n: 3, ids: 3, revenue: 15 });
  });

  it("keeps each repeated id's first row of a file large enough to be stored out of its order", async () => {
    // 300,000 rows in row groups of 20,000, which DuckDB inserts in parallel, not in the file's order; 200 ids each sent
    // twice, 150,000 rows apart, the first time by customer "first". Which copy a disordered insert stores first varies
    // from run to run, so there are 200 of them.
    const path = join(dir.path, 'repeated-ids.parquet');
    const rows = 300_000;
    const repeated = sql`i % 750 = 0`;
    await store.run(sql`COPY (SELECT CASE WHEN ${repeated} THEN 'dup-' || (i % 150000) ELSE 'e' || i END AS id, 'view' AS type,
      TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) AS ts, CASE WHEN ${repeated} THEN (CASE WHEN i < 150000 THEN 'first' ELSE 'second' END) ELSE 'c' || (i % 1000) END AS customer_id
      FROM range(${rows}) t(i)) TO ${raw(`'${path}'`)} (FORMAT parquet, ROW_GROUP_SIZE 20000)`);
    // A store file, as a shop's: in memory DuckDB kept this file's order in every try. Two threads, named here because
    // the tests' stores run on one (test/setup/one-engine-thread.ts), and one thread inserts in the file's order.
    const shop = await Store.open({ path: join(dir.path, 'repeated-ids.duckdb'), threads: 2 });
    try {
      expect(await importFile(shop, path, identityMapping('events'))).toMatchObject({ rows, accepted: rows - 200, duplicates: 200 });
      expect(await shop.all(sql`SELECT customer_id, count(*) AS n FROM events WHERE id LIKE 'dup-%' GROUP BY 1`)).toEqual([{ customer_id: 'first', n: 200 }]);
    } finally {
      shop.close();
    }
  });

  it('gives the ids that stores already hold, with a bad row among repeats, and adds nothing when imported again', async () => {
    // The ids as every version since ids from content gave them: a store that holds them must see this file's rows as
    // duplicates. Given ids repeated, identical rows without one (2.5 and 2.50 alike), and a row that is quarantined.
    const path = join(dir.path, 'repeats.csv');
    const order = (id: string, product: string, q: string, price: string) => `${id},order,2024-01-02 10:00:00,c2,${product},o2,${q},${price}`;
    writeFileSync(path, ['id,type,ts,customer_id,product_id,order_id,quantity,unit_price', order('e1', 'P1', '1', '2.5'), order('e1', 'P1', '1', '2.5'),
      'e2,view,2024-01-01 09:00:00,c1,P1,,,', order('', 'P1', '1', '2.5'), order('', 'P1', '1', '2.5'), order('', 'P1', '1', '2.50'), order('', 'P2', '2', '3'),
      ',order,not a time,c2,P2,o2,2,3', ',view,2024-01-03 10:00:00,c3,P2,,,', ',view,2024-01-03 10:00:00,c3,P2,,,'].join('\n') + '\n');
    expect(await importFile(store, path, identityMapping('events'))).toMatchObject({ rows: 10, accepted: 8, duplicates: 1, rejected: 1 });
    expect(await importFile(store, path, identityMapping('events'))).toMatchObject({ rows: 10, accepted: 0, duplicates: 9, rejected: 1 });
    expect((await store.all<{ id: string }>(sql`SELECT id FROM events ORDER BY id`)).map((r) => r.id)).toEqual([
      '9ae80fcc063e1a24a37eacda', 'a4292e82ae0ed731f329c551', 'a4292e82ae0ed731f329c551-2', 'a4292e82ae0ed731f329c551-3',
      'c1ba7c5261926b1c8f598a58', 'c1ba7c5261926b1c8f598a58-2', 'e1', 'e2',
    ]);
  });

  it('adds nothing from the same file exported again in another row order, with numbers and descriptions written differently', async () => {
    await importFile(store, file('export.csv', ['o1,P1,MUG,2,2024-01-02 10:00:00,2.5,c1', 'o1,P1,MUG,2,2024-01-02 10:00:00,2.5,c1', 'o1,P2,PLATE,1,2024-01-02 10:00:00,4,c1']), lines);
    const again = await importFile(store, file('export-again.csv', ['o1,P2,Plate (white),1,2024-01-02 10:00:00,4.00,c1', 'o1,P1,Mug,2.0,2024-01-02 10:00:00,2.50,c1', 'o1,P1,Mug,2,2024-01-02 10:00:00,2.5,c1']), lines);
    expect(again).toMatchObject({ rows: 3, accepted: 0, duplicates: 3 });
    expect(await stored()).toEqual({ n: 3, ids: 3, revenue: 14 });
  });
});
