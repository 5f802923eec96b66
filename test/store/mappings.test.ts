import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { eventBatchSchema, importFile, ingestEventBatch, parseMapping, quarantinedRows, readMappingFile, Store, storeStats, type Mapping } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

function write(name: string, text: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, text);
  return file;
}

/** An export as shops write them: their own event names, prices in cents, category paths, a currency now and then. */
const EXPORT = write(
  'export.csv',
  [
    'event_type,when,user,sku,order,qty,price_cents,category,cur',
    'purchase,2024-01-02 10:00:00,u1,p1,o1,2,1999,Women > Shoes > Sneakers,',
    'cart,2024-01-02 09:00:00,u1,p1,,1,1999,Women > Shoes > Sneakers,',
    'page_view,2024-01-02 08:00:00,u2,p2,,,,Men > Shirts,',
    'checkout,2024-01-02 08:30:00,u2,p2,,,,Men > Shirts,',
    'checkout,2024-01-02 08:31:00,u3,p2,,,,Men > Shirts,',
    'refund,2024-01-04 08:31:00,u3,p2,o2,1,500,Men > Shirts,',
    'purchase,2024-01-03 10:00:00,u2,p2,o3,1,500,Men > Shirts,USD',
    'purchase,2024-01-03 10:00:00,u2,p3,o3,1,250,Men,eur',
  ].join('\n') + '\n',
);

const exportMapping = (extra: Record<string, unknown> = {}): Mapping =>
  parseMapping(
    {
      entity: 'events',
      columns: {
        type: { column: 'event_type', values: { purchase: 'order', cart: 'add_to_cart', page_view: 'view' } },
        ts: 'when',
        customer_id: 'user',
        product_id: 'sku',
        order_id: 'order',
        quantity: 'qty',
        unit_price: { column: 'price_cents', divide: 100 },
        product_category: { column: 'category', path: '>' },
        currency: 'cur',
      },
      currency: 'EUR',
      ...extra,
    },
    'test mapping',
  );

describe('a mapping of a real export', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());

  it('maps values, converts cents, keeps the leaf of a category path and defaults the currency', async () => {
    const report = await importFile(store, EXPORT, exportMapping());
    expect(report).toMatchObject({ rows: 8, accepted: 4, rejected: 4 });
    const events = await store.all(sql`SELECT customer_id, type, product_id, quantity, unit_price, currency FROM events ORDER BY ts, product_id`);
    expect(events).toEqual([
      { customer_id: 'u2', type: 'view', product_id: 'p2', quantity: null, unit_price: null, currency: 'EUR' },
      { customer_id: 'u1', type: 'add_to_cart', product_id: 'p1', quantity: 1, unit_price: 19.99, currency: 'EUR' },
      { customer_id: 'u1', type: 'order', product_id: 'p1', quantity: 2, unit_price: 19.99, currency: 'EUR' },
      { customer_id: 'u2', type: 'order', product_id: 'p2', quantity: 1, unit_price: 5, currency: 'USD' },
    ]);
    expect(await store.all(sql`SELECT id, category FROM products ORDER BY id`)).toEqual([
      { id: 'p1', category: 'Sneakers' },
      { id: 'p2', category: 'Shirts' },
    ]);
    // Prices in two currencies: said, and warned of.
    expect(report.currencies).toEqual({ EUR: 2, USD: 1 });
    expect(report.warnings).toEqual(['the store holds prices in 2 currencies (EUR 2, USD 1 events): revenue, spend and CLV add them as they are, unconverted']);
    expect(await storeStats(store)).toMatchObject({ currencies: { EUR: 2, USD: 1 }, warning: report.warnings[0] });
  });

  it('quarantines the rows of values its map lacks, naming each value, and lists them with counts in the report', async () => {
    const report = await importFile(store, EXPORT, exportMapping());
    expect(report.unmapped).toEqual([
      { field: 'type', column: 'event_type', value: 'checkout', rows: 2 },
      { field: 'type', column: 'event_type', value: 'refund', rows: 1 },
    ]);
    const quarantined = (await quarantinedRows(store, report.import_id, { limit: 10, offset: 0 })).rows.map((r) => [r.line, r.column, r.reason]);
    expect(quarantined).toEqual([
      [5, 'event_type', 'no value for "checkout" in columns.type.values'],
      [6, 'event_type', 'no value for "checkout" in columns.type.values'],
      [7, 'event_type', 'no value for "refund" in columns.type.values'],
      [9, 'cur', 'currency "eur" is not an ISO 4217 code in capitals, such as EUR'],
    ]);
    // Covering the values takes them in; a value mapped to "" leaves the field empty (here: no currency, so the default).
    const covered = exportMapping();
    const type = covered.columns.type as { column: string; values: Record<string, string> };
    type.values = { ...type.values, checkout: 'add_to_cart', refund: 'return' };
    covered.columns.currency = { column: 'cur', values: { USD: 'USD', eur: '' } };
    const again = await importFile(store, EXPORT, covered, { replace: true });
    expect(again).toMatchObject({ accepted: 8, rejected: 0, unmapped: [], currencies: { EUR: 4, USD: 1 } });
  });

  it('lists an unmapped value that spans lines', async () => {
    const file = write('lines.jsonl', [JSON.stringify({ kind: 'two\nlines', at: '2024-01-02 10:00:00', who: 'u1' }), JSON.stringify({ kind: 'seen', at: '2024-01-02 10:00:00', who: 'u1' })].join('\n'));
    const mapping = parseMapping({ entity: 'events', columns: { type: { column: 'kind', values: { seen: 'view' } }, ts: 'at', customer_id: 'who' } }, 'm');
    expect((await importFile(store, file, mapping)).unmapped).toEqual([{ field: 'type', column: 'kind', value: 'two\nlines', rows: 1 }]);
  });

  it('keeps the level of a path it is asked for', async () => {
    await importFile(store, EXPORT, exportMapping({ columns: { ...exportMapping().columns, product_category: { column: 'category', path: '>', level: 1 } } }));
    expect(await store.all(sql`SELECT id, category FROM products ORDER BY id`)).toEqual([
      { id: 'p1', category: 'Women' },
      { id: 'p2', category: 'Men' },
    ]);
  });

  it('reads unix times in seconds, milliseconds and microseconds', async () => {
    const file = write('epoch.csv', 'id,s,ms,us,customer_id\ne1,1704189600,1704189600000,1704189600000000,c1\ne2,1704189600.5,not-a-time,1704189600500000,c1\n');
    for (const [column, format] of [['s', 'unix'], ['ms', 'unix_ms'], ['us', 'unix_us']] as const) {
      const s = await memoryStore();
      const mapping = parseMapping({ entity: 'events', columns: { id: 'id', ts: { column, format }, customer_id: 'customer_id' }, constants: { type: 'view' } }, 'm');
      const report = await importFile(s, file, mapping);
      const ts = await s.all<{ ts: Date }>(sql`SELECT ts FROM events ORDER BY id`);
      expect(ts.map((r) => r.ts.toISOString()), format).toEqual(column === 'ms' ? ['2024-01-02T10:00:00.000Z'] : ['2024-01-02T10:00:00.000Z', '2024-01-02T10:00:00.500Z']);
      expect(report.rejected, format).toBe(column === 'ms' ? 1 : 0);
      s.close();
    }
  });

  it('takes the currency of the events API, and refuses one that is not a code', async () => {
    await ingestEventBatch(store, [{ id: 'a1', type: 'order', ts: '2024-01-05T10:00:00Z', customer_id: 'c1', product_id: 'p1', quantity: 1, unit_price: 5, currency: 'GBP' }]);
    expect(await store.all(sql`SELECT currency FROM events`)).toEqual([{ currency: 'GBP' }]);
    const event = { id: 'a2', type: 'view', ts: '2024-01-05T10:00:00Z', customer_id: 'c1' };
    expect(eventBatchSchema.safeParse({ events: [{ ...event, currency: 'EUR' }] }).success).toBe(true);
    expect(eventBatchSchema.safeParse({ events: [{ ...event, currency: 'gbp' }] }).success).toBe(false);
  });
});

describe('migration 8 on a store made before it', () => {
  it('adds the currency to existing events, empty, and keeps them', async () => {
    const path = join(dir.path, 'old.duckdb');
    const store = await Store.open({ path });
    await store.run(sql`INSERT INTO events (id, type, ts, customer_id) VALUES ('old-1', 'view', '2024-01-01', 'c1')`);
    // The store as version 7 left it.
    await store.run(sql`ALTER TABLE events DROP COLUMN currency`);
    await store.run(sql`DELETE FROM schema_migrations WHERE version = 8`);
    store.close();
    const reopened = await Store.open({ path });
    try {
      expect(await reopened.all(sql`SELECT id, currency FROM events`)).toEqual([{ id: 'old-1', currency: null }]);
    } finally {
      reopened.close();
    }
  });
});

describe('a mapping with a mistake', () => {
  const fails = (mapping: unknown) => () => parseMapping(mapping, 'mapping file shop.json');
  const base = { entity: 'events', columns: { ts: 'when', type: 'kind', customer_id: 'who' } };

  it('fails on a misspelt key anywhere, naming its path', () => {
    expect(fails({ ...base, columns: { ...base.columns, ts: { column: 'when', fromat: '%d/%m/%Y' } } })).toThrow(
      'mapping file shop.json: columns.ts.fromat: unknown key; keys here: column, format, split, prefix, values, divide, path, level, fallback',
    );
    expect(fails({ ...base, csv: { delimeter: ';' } })).toThrow('mapping file shop.json: csv.delimeter: unknown key; keys here: delimiter, quote, escape, header');
    expect(fails({ ...base, returns: { negativeQuantities: true } })).toThrow('mapping file shop.json: returns.negativeQuantities: unknown key');
    expect(fails({ ...base, curency: 'EUR' })).toThrow('mapping file shop.json: curency: unknown key; keys here: entity, format, csv, columns, constants, currency');
    expect(fails({ ...base, columns: { ...base.columns, event_type: 'kind' } })).toThrow('mapping file shop.json: columns.event_type: "event_type" is not a field of events; fields: id, type,');
  });

  it('fails on keys that do not fit the field, naming their path', () => {
    const column = (field: string, spec: Record<string, unknown>) => fails({ ...base, columns: { ...base.columns, [field]: { column: 'x', ...spec } } });
    expect(column('ts', { split: ',' })).toThrow('mapping file shop.json: columns.ts.split: only for a field that is a list; ts is a timestamp');
    expect(column('customer_id', { divide: 100 })).toThrow('columns.customer_id.divide: only for a field that is a number; customer_id is text');
    expect(column('quantity', { path: '>' })).toThrow('columns.quantity.path: only for a field that is text; quantity is a number');
    expect(column('product_category', { level: 1 })).toThrow('columns.product_category.level: needs "path"');
    expect(column('product_category', { path: '>', level: 0 })).toThrow('columns.product_category.level: levels count from 1');
    expect(column('unit_price', { divide: 0 })).toThrow('columns.unit_price.divide:');
    expect(column('type', { values: { cart: 'add_to_cart', buy: 'purchase' } })).toThrow('columns.type.values.buy: "purchase" is not an event type; types: order,');
    expect(fails({ ...base, constants: { customer_id: 'c' } })).toThrow('constants.customer_id: customer_id is mapped in columns too; give one');
    expect(fails({ ...base, currency: 'euro' })).toThrow('currency: a currency is an ISO 4217 code in capitals, such as EUR');
    expect(fails({ entity: 'customers', columns: { id: 'id' }, currency: 'EUR' })).toThrow('mapping file shop.json: currency: only for events');
    expect(fails({ ...base, columns: { ...base.columns, ts: 5 } })).toThrow('columns.ts: expected a column name, or an object with "column" and how to read it');
  });

  it('reads a mapping file with the same errors, in one line', () => {
    const file = write('typo.json', JSON.stringify({ ...base, columns: { ...base.columns, ts: { column: 'when', fromat: '%d/%m/%Y' } } }));
    expect(() => readMappingFile(file)).toThrow(new RegExp(`^mapping file ${file}: columns\\.ts\\.fromat: unknown key; keys here: [a-z, ]+$`));
  });
});
