import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerFeatures } from '../../src/features/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping, storeStats, type ImportReport, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, ONLINE_RETAIL_II, memoryStore, plainSql } from '../helpers.js';

const RAW = `read_csv('${ONLINE_RETAIL}', header = true, all_varchar = true, quote = '"', escape = '"')`;
const AS_OF = '2011-12-10 00:00:00';

describe('Online Retail import', () => {
  let store: Store;
  let first: ImportReport;
  let second: ImportReport;

  beforeAll(async () => {
    store = await memoryStore();
    first = await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
    second = await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
  });
  afterAll(() => store.close());

  it('accounts for every source row', async () => {
    const [raw] = await plainSql<{ n: number }>(`SELECT count(*) AS n FROM ${RAW}`);
    expect(raw!.n).toBe(541_909);
    expect(first.rows).toBe(raw!.n);
    expect(first.accepted + first.duplicates + first.rejected).toBe(raw!.n);
    const stats = await storeStats(store);
    expect(stats.events.total).toBe(first.accepted);
  });

  it('keeps customers, invoices, returns and anonymous orders', async () => {
    const [raw] = await plainSql<{ customers: number; invoices: number; returns: number; anonymous: number; products: number }>(`
      SELECT count(DISTINCT CustomerID) AS customers, count(DISTINCT InvoiceNo) AS invoices,
        count(*) FILTER (WHERE InvoiceNo LIKE 'C%' OR Quantity::INTEGER < 0) AS returns,
        count(*) FILTER (WHERE CustomerID IS NULL) AS anonymous, count(DISTINCT StockCode) AS products
      FROM ${RAW}`);
    expect(raw).toEqual({ customers: 4372, invoices: 25_900, returns: 10_624, anonymous: 135_080, products: 4070 });
    const got = await store.one(sql`SELECT (SELECT count(*) FROM customers) AS customers,
      count(DISTINCT order_id) AS invoices, count(*) FILTER (WHERE type = 'return') AS returns,
      count(*) FILTER (WHERE customer_id IS NULL AND anonymous_id IS NOT NULL) AS anonymous,
      (SELECT count(*) FROM products) AS products FROM events`);
    expect(got).toEqual(raw);
  });

  it('adds nothing on a second import and reports the duplicates', () => {
    expect(second.accepted).toBe(0);
    expect(second.duplicates).toBe(first.accepted);
    expect(second.rejected).toBe(first.rejected);
  });

  it('computes the features of 12347 and 12346 as of 2011-12-10', async () => {
    const expected = await plainSql<{ id: string; orders: number; revenue: number }>(`
      SELECT CustomerID AS id, count(DISTINCT InvoiceNo) FILTER (WHERE InvoiceNo NOT LIKE 'C%') AS orders,
        round(sum(Quantity::DOUBLE * UnitPrice::DOUBLE), 2) AS revenue
      FROM ${RAW} WHERE CustomerID IN ('12347', '12346') AND InvoiceDate::TIMESTAMP < '${AS_OF}' GROUP BY 1 ORDER BY 1`);
    expect(expected).toEqual([
      { id: '12346', orders: 1, revenue: 0 },
      { id: '12347', orders: 7, revenue: 4310 },
    ]);
    for (const e of expected) {
      const f = await customerFeatures(store, AS_OF, e.id);
      expect(f?.orders).toBe(e.orders);
      expect(f?.revenue).toBeCloseTo(e.revenue, 2);
    }
    const f12346 = await customerFeatures(store, AS_OF, '12346');
    expect(f12346).toMatchObject({ returns: 1, return_rate: 1, views_30d: null, email_open_rate: null });
  });
});

describe('Online Retail II import', () => {
  it('reads the 2009-2010 sheet with its own preset and accounts for every row', async () => {
    const raw = `read_csv('${ONLINE_RETAIL_II}', header = true, all_varchar = true, quote = '"', escape = '"')`;
    const [expected] = await plainSql<{ n: number; customers: number; invoices: number }>(
      `SELECT count(*) AS n, count(DISTINCT "Customer ID") AS customers, count(DISTINCT Invoice) AS invoices FROM ${raw}`,
    );
    expect(expected).toEqual({ n: 525_461, customers: 4383, invoices: 28_816 });
    const store = await memoryStore();
    const report = await importFile(store, ONLINE_RETAIL_II, presetMapping('online-retail-ii'));
    expect(report.accepted + report.duplicates + report.rejected).toBe(expected!.n);
    expect(report.rejected).toBe(0);
    const got = await store.one(sql`SELECT (SELECT count(*) FROM customers) AS customers, count(DISTINCT order_id) AS invoices FROM events`);
    expect(got).toEqual({ customers: expected!.customers, invoices: expected!.invoices });
    store.close();
  });
});

/** md5 of every event id, sorted and joined with commas, after both files (1,044,847 events). */
const IDS_DIGEST = '64cb2ebadf9fbaf0a14d74ece34300bd';

describe('Online Retail and Online Retail II together', () => {
  const II = `read_csv('${ONLINE_RETAIL_II}', header = true, all_varchar = true, quote = '"', escape = '"')`;
  const BEFORE = '2010-12-10 00:00:00';

  it('store the lines the files share (2010-12-01..09) once, in either order, and report them as duplicates', async () => {
    // The shared lines, by their typed values; and 17850's revenue before 2010-12-10 in the II file alone and in both.
    const [expected] = await plainSql<{ shared: number; alone: number; both: number }>(`
      WITH a AS (SELECT InvoiceNo AS invoice, StockCode AS sku, Quantity::DOUBLE AS q, InvoiceDate::TIMESTAMP AS ts, UnitPrice::DOUBLE AS p, CustomerID AS customer, Country AS country FROM ${RAW}),
        b(invoice, sku, q, ts, p, customer, country) AS (SELECT Invoice, StockCode, Quantity::DOUBLE, InvoiceDate::TIMESTAMP, Price::DOUBLE, "Customer ID", Country FROM ${II})
      SELECT (SELECT count(*) FROM (SELECT * FROM a INTERSECT ALL SELECT * FROM b)) AS shared,
        (SELECT round(sum(q * p), 2) FROM b WHERE customer = '17850' AND ts < '${BEFORE}') AS alone,
        (SELECT round(sum(q * p), 2) FROM (SELECT * FROM a UNION ALL SELECT * FROM b) WHERE customer = '17850' AND ts < '${BEFORE}') AS both`);
    expect(expected).toEqual({ shared: 22_523, alone: 50_414.5, both: 55_805.71 });

    for (const files of [[ONLINE_RETAIL, 'online-retail', ONLINE_RETAIL_II, 'online-retail-ii'], [ONLINE_RETAIL_II, 'online-retail-ii', ONLINE_RETAIL, 'online-retail']] as const) {
      const store = await memoryStore();
      const first = await importFile(store, files[0], presetMapping(files[1]));
      const second = await importFile(store, files[2], presetMapping(files[3]));
      expect(first.duplicates, files[1]).toBe(0);
      expect(second.duplicates, files[3]).toBe(expected!.shared);
      expect((await storeStats(store)).events.total).toBe(first.accepted + second.accepted);
      expect(first.accepted + second.accepted).toBe(first.rows + second.rows - first.rejected - second.rejected - expected!.shared);
      expect((await customerFeatures(store, BEFORE, '17850'))?.revenue).toBeCloseTo(expected!.alone, 2);
      // Every id as stores that imported these files hold it (ids from content since they were introduced), so that
      // such a store importing either file again sees duplicates.
      expect(await store.one(sql`SELECT md5(string_agg(id, ',' ORDER BY id)) AS digest FROM events`)).toEqual({ digest: IDS_DIGEST });
      store.close();
    }
  });
});
