import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError } from '../../src/shared/errors.js';
import { sql } from '../../src/sql/index.js';
import { identityMapping, importFile, parseMapping, presetMapping, storeStats, suggestMapping, type Store } from '../../src/store/index.js';
import { memoryStore, ONLINE_RETAIL, tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());


/** Suggests a mapping of `file`, reads it back as a saved file would be, and imports the file with it. */
async function roundTrip(store: Store, file: string) {
  const { draft, notes } = await suggestMapping(store, file);
  const mapping = parseMapping(JSON.parse(JSON.stringify(draft)), 'draft');
  return { draft, notes, report: await importFile(store, file, mapping) };
}

/** A European shop's export: semicolons, day-first dates, cents, category paths, its own event names. */
const SHOP = dir.file('shop-export.csv', [
  'Event;Date;Customer ID;SKU;Order No;Qty;Price (cents);Category;Currency',
  'purchase;13/01/2024 10:00;c1;p1;o1;2;1999;Women > Shoes > Sneakers;EUR',
  'add_to_cart;13/01/2024 09:55;c1;p1;;1;1999;Women > Shoes > Sneakers;EUR',
  'page_view;12/01/2024 18:00;c2;p2;;;;Men > Shirts;',
  'purchase;14/01/2024 11:00;c2;p2;o2;1;500;Men > Shirts;EUR',
  'refund;20/01/2024 11:00;c2;p2;o2;1;500;Men > Shirts;EUR',
  'page_view;15/01/2024 08:00;c3;p1;;;;Women > Shoes > Sneakers;',
]);

describe('segmint import --suggest', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());

  it('drafts a mapping of a shop export that imports every row: dialect, names, date format, cents, paths, event names', async () => {
    const { draft, report } = await roundTrip(store, SHOP);
    expect(draft).toEqual({
      entity: 'events',
      csv: { delimiter: ';', quote: '"', escape: '"', header: true },
      columns: {
        type: { column: 'Event', values: { page_view: 'view', purchase: 'order', add_to_cart: 'add_to_cart', refund: 'return' } },
        ts: { column: 'Date', format: '%d/%m/%Y %H:%M' },
        customer_id: 'Customer ID',
        product_id: 'SKU',
        order_id: 'Order No',
        quantity: 'Qty',
        unit_price: { column: 'Price (cents)', divide: 100 },
        currency: 'Currency',
        product_category: { column: 'Category', path: '>' },
      },
    });
    expect(report).toMatchObject({ rows: 6, accepted: 6, rejected: 0, currencies: { EUR: 4 } });
    expect((await storeStats(store)).events.by_type).toEqual({ view: 2, order: 2, add_to_cart: 1, return: 1 });
    expect(await store.all(sql`SELECT DISTINCT unit_price FROM events WHERE unit_price IS NOT NULL ORDER BY 1`)).toEqual([{ unit_price: 5 }, { unit_price: 19.99 }]);
    expect(await store.all(sql`SELECT id, category FROM products ORDER BY id`)).toEqual([
      { id: 'p1', category: 'Sneakers' },
      { id: 'p2', category: 'Shirts' },
    ]);
  });

  it('drafts a GA4-like JSONL export: unix microseconds, visitors and users, and notes the event names it cannot place', async () => {
    const event = (name: string, us: number, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ event_name: name, event_timestamp: us, user_pseudo_id: 'v1', user_id: null, ...extra });
    const file = dir.file('ga4.jsonl', [
      event('session_start', 1704189600000000),
      event('page_view', 1704189601000000, { item_id: 'p1' }),
      event('add_to_cart', 1704189602000000, { item_id: 'p1', quantity: 1, price: 20 }),
      event('purchase', 1704189603000000, { user_id: 'u1', item_id: 'p1', quantity: 1, price: 20, currency: 'USD', transaction_id: 't1' }),
      event('session_start', 1704289600000000, { user_id: 'u1' }),
    ]);
    const { draft, notes, report } = await roundTrip(store, file);
    expect(draft).toEqual({
      entity: 'events',
      columns: {
        type: { column: 'event_name', values: { page_view: 'view', add_to_cart: 'add_to_cart', purchase: 'order' } },
        ts: { column: 'event_timestamp', format: 'unix_us' },
        customer_id: 'user_id',
        anonymous_id: 'user_pseudo_id',
        product_id: 'item_id',
        order_id: 'transaction_id',
        quantity: 'quantity',
        unit_price: 'price',
        currency: 'currency',
      },
    });
    expect(notes).toContain('no event type for "session_start": add them to columns.type.values, or their rows are quarantined');
    expect(report).toMatchObject({ rows: 5, accepted: 3, rejected: 2, unmapped: [{ field: 'type', column: 'event_name', value: 'session_start', rows: 2 }] });
    expect((await store.one<{ ts: Date }>(sql`SELECT ts FROM events WHERE type = 'order'`))!.ts.toISOString()).toBe('2024-01-02T10:00:03.000Z');
  });

  it('tells a customers file by its columns, and reads its dates with offsets and its yes/no words', async () => {
    const file = dir.file('customers.csv', [
      'Customer ID,Email,Accepts Email Marketing,Created At,Country Code',
      'c1,a@example.org,subscribed,2024-01-02 10:00:00 -0500,DE',
      'c2,b@example.org,not_subscribed,2024-01-03 10:00:00 +0100,FR',
    ]);
    const { draft, report } = await roundTrip(store, file);
    expect(draft).toEqual({
      entity: 'customers',
      columns: {
        id: 'Customer ID',
        email: 'Email',
        created_at: { column: 'Created At', format: '%Y-%m-%d %H:%M:%S %z' },
        country: 'Country Code',
        consent_email: { column: 'Accepts Email Marketing', values: { not_subscribed: 'false', subscribed: 'true' } },
      },
    });
    expect(report).toMatchObject({ accepted: 2, rejected: 0 });
    expect(await store.all(sql`SELECT id, consent_email, created_at FROM customers ORDER BY id`)).toEqual([
      { id: 'c1', consent_email: true, created_at: new Date('2024-01-02T15:00:00Z') },
      { id: 'c2', consent_email: false, created_at: new Date('2024-01-03T09:00:00Z') },
    ]);
  });

  it('drafts the Online Retail preset from the UCI file, and the draft imports a slice of it as the preset does', async () => {
    const { draft } = await suggestMapping(store, ONLINE_RETAIL);
    const preset = presetMapping('online-retail');
    expect(draft).toEqual({ entity: 'events', columns: preset.columns, constants: { type: 'order' }, returns: preset.returns });

    const lines: string[] = [];
    for await (const line of createInterface({ input: createReadStream(ONLINE_RETAIL).pipe(createGunzip()) })) {
      lines.push(line);
      if (lines.length > 20_000) break;
    }
    const slice = dir.file('online-retail-slice.csv', lines);
    const other = await memoryStore();
    try {
      const byDraft = await importFile(store, slice, parseMapping(draft, 'draft'));
      const byPreset = await importFile(other, slice, preset);
      expect(byDraft.rejected).toBe(byPreset.rejected);
      expect(byDraft.accepted).toBe(byPreset.accepted);
      const types = (s: Store) => s.all(sql`SELECT type, count(*) AS n, round(sum(quantity * unit_price), 2) AS amount FROM events GROUP BY type ORDER BY type`);
      const drafted = await types(store);
      expect(drafted.map((t) => t.type)).toEqual(['order', 'return']);
      expect(drafted).toEqual(await types(other));
    } finally {
      other.close();
    }
  });

  it('answers a file in an unknown layout (here: read with the wrong delimiter) with a draft that imports it, storing nothing', async () => {
    const failure = await importFile(store, SHOP, identityMapping('events')).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ImportError);
    const { message, details, hint } = failure as ImportError;
    expect(message).toBe(
      `${SHOP}: columns "type" (mapped to type), "ts" (mapped to ts) are not in the file; its columns are: Event;Date;Customer ID;SKU;Order No;Qty;Price (cents);Category;Currency; a mapping drafted from the file comes with this error (as segmint import FILE --suggest prints it)`,
    );
    expect(details.draft).toEqual((await suggestMapping(store, SHOP)).draft);
    expect(hint).toContain(JSON.stringify(details.draft, null, 2));
    expect(await store.one(sql`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM imports) AS imports`)).toEqual({ events: 0, imports: 0 });
    expect(await importFile(store, SHOP, parseMapping(details.draft, 'draft'))).toMatchObject({ accepted: 6, rejected: 0 });
  });
});
