import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerFeatures, FEATURE_TABLE } from '../../src/features/index.js';
import { loadClvFit } from '../../src/models/clv/index.js';
import { ident, sql } from '../../src/sql/index.js';
import { identityMapping, importFile, presetMapping, quarantinedRows, type ImportReport, type Mapping, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, memoryStore, plainSql, tempDir } from '../helpers.js';
import { type RunReport, runPipeline } from '../../src/pipeline/index.js';

const dir = tempDir();
afterAll(() => dir.cleanup());
const AS_OF = '2024-03-01 00:00:00';


/** One row per order, as many shops export them: no product, an amount, sometimes an item count. */
const WHOLE_ORDERS: Mapping = {
  entity: 'events',
  absentColumns: 'error',
  constants: { type: 'order' },
  columns: { order_id: 'Order', customer_id: 'Customer', ts: 'Date', order_total: 'Total', quantity: 'Items' },
  returns: { negativeQuantity: true },
};

describe('a file with one row per order', () => {
  let store: Store;
  let report: ImportReport;

  beforeAll(async () => {
    store = await memoryStore();
    // The store knows products with a category and a style tag, so a 0 would be a claim, not a default.
    await importFile(store, dir.file('products.csv', ['id,category,price,style_tags', 'P1,mugs,5,comfort']), identityMapping('products'));
    await importFile(store, dir.file('lines.csv', ['type,ts,customer_id,product_id,order_id,quantity,unit_price', 'order,2024-01-03 10:00:00,L1,P1,o1,2,5', 'order,2024-01-04 10:00:00,M1,P1,o2,1,5']), identityMapping('events'));
    report = await importFile(
      store,
      dir.file('orders.csv', [
        'Order,Customer,Date,Total,Items',
        'o10,W1,2024-01-05 10:00:00,30,3',
        'o11,W1,2024-02-05 10:00:00,20,',
        'o12,W2,2024-01-10 10:00:00,50,2',
        'o12-R,W2,2024-01-20 10:00:00,-50,-2',
        'o13,W3,2024-01-11 10:00:00,-15,',
        'o14,M1,2024-02-10 10:00:00,100,4',
        'o15,W4,2024-01-12 10:00:00,,2',
        'o16,W4,2024-01-13 10:00:00,40,0',
      ]),
      WHOLE_ORDERS,
    );
  });
  afterAll(() => store.close());

  it('stores each order as its item count (else one) at the total divided by it; a negative total is a return', async () => {
    expect(report).toMatchObject({ rows: 8, accepted: 6, rejected: 2 });
    const rows = await store.all(sql`SELECT order_id, type, quantity, unit_price FROM events WHERE product_id IS NULL ORDER BY order_id`);
    expect(rows).toEqual([
      { order_id: 'o10', type: 'order', quantity: 3, unit_price: 10 },
      { order_id: 'o11', type: 'order', quantity: 1, unit_price: 20 },
      { order_id: 'o12', type: 'order', quantity: 2, unit_price: 25 },
      { order_id: 'o12-R', type: 'return', quantity: 2, unit_price: 25 },
      { order_id: 'o13', type: 'return', quantity: 1, unit_price: 15 },
      { order_id: 'o14', type: 'order', quantity: 4, unit_price: 25 },
    ]);
  });

  it('rejects a row with neither a product nor a total, and a whole order of zero items, naming the column', async () => {
    const { rows } = await quarantinedRows(store, report.import_id, { limit: 10, offset: 0 });
    expect(rows.map((r) => [r.line, r.column, r.reason])).toEqual([
      [8, 'product_id', 'an order line needs a product_id (a file with one row per order maps its amount to order_total)'],
      [9, 'Items', 'an order line needs a non-zero quantity'],
    ]);
  });

  it('gives revenue, orders and items from the totals, and null, not zero, for what the products would say', async () => {
    const unknown = { distinct_categories: null, top_category: null, premium_index: null, comfort_share: null, new_arrival_share: null };
    expect(await customerFeatures(store, AS_OF, 'W1')).toMatchObject({ orders: 2, revenue: 50, items: 4, aov: 25, returns: 0, ...unknown });
    expect(await customerFeatures(store, AS_OF, 'W2')).toMatchObject({ orders: 1, revenue: 0, items: 2, return_rate: 1, ...unknown });
    // The line buyer has them; a customer with both counts shares among the units of a known product.
    expect(await customerFeatures(store, AS_OF, 'L1')).toMatchObject({ distinct_categories: 1, top_category: 'mugs', premium_index: 1, comfort_share: 1 });
    expect(await customerFeatures(store, AS_OF, 'M1')).toMatchObject({ orders: 2, revenue: 105, items: 5, distinct_categories: 1, premium_index: 1, comfort_share: 1 });
  });
});

describe('Online Retail exported one row per order', () => {
  const RETAIL_AS_OF = '2011-12-10 00:00:00';
  /** What does not depend on which products were bought: the same whether the lines or the order totals are imported. */
  const SAME = ['orders', 'revenue', 'aov', 'items', 'items_per_order', 'recency_days', 'tenure_days', 'avg_days_between_orders', 'orders_90d',
    'revenue_90d', 'return_rate', 'weekend_share', 'orders_per_year', 'p_alive', 'expected_orders_90d', 'clv_365d'];
  type Side = { store: Store; run: RunReport; features: Map<string, Record<string, unknown>> };
  const sides: Partial<Record<'lines' | 'orders', Side>> = {};

  async function side(file: string, mapping: Mapping): Promise<Side> {
    const store = await memoryStore();
    await importFile(store, file, mapping);
    const run = await runPipeline(store, RETAIL_AS_OF);
    const rows = await store.all<Record<string, unknown>>(sql`SELECT * FROM ${ident(FEATURE_TABLE)}`);
    return { store, run, features: new Map(rows.map((r) => [String(r.customer_id), r])) };
  }

  beforeAll(async () => {
    // Each invoice as one row per direction (its sales, its cancelled lines): customer, date, total, item count.
    const file = join(dir.path, 'online-retail-orders.csv');
    await plainSql(`COPY (
      SELECT InvoiceNo AS "Order", CustomerID AS "Customer", min(InvoiceDate::TIMESTAMP) AS "Date", sum(Quantity::DOUBLE * UnitPrice::DOUBLE) AS "Total",
        sum(Quantity::INTEGER) AS "Items", any_value(Country) AS "Country"
      FROM read_csv('${ONLINE_RETAIL}', header = true, all_varchar = true, quote = '"', escape = '"')
      GROUP BY InvoiceNo, CustomerID, Quantity::INTEGER < 0 ORDER BY "Date", "Order") TO '${file}' (HEADER)`);
    const orders: Mapping = {
      entity: 'events',
      absentColumns: 'error',
      constants: { type: 'order', channel: 'web' },
      columns: { order_id: 'Order', customer_id: 'Customer', ts: 'Date', order_total: 'Total', quantity: 'Items', country: 'Country' },
      returns: { orderIdPrefix: 'C', negativeQuantity: true },
    };
    sides.lines = await side(ONLINE_RETAIL, presetMapping('online-retail'));
    sides.orders = await side(file, orders);
  });
  afterAll(() => {
    sides.lines?.store.close();
    sides.orders?.store.close();
  });

  it('gives every customer the features of the line-level import, and null for the products', () => {
    const { lines, orders } = sides as Required<typeof sides>;
    expect(orders.features.size).toBe(lines.features.size);
    expect(orders.features.size).toBeGreaterThan(4000);
    const differ: string[] = [];
    for (const [id, l] of lines.features) {
      const o = orders.features.get(id);
      for (const f of SAME) {
        const [a, b] = [l[f], o?.[f]];
        const same = typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)) : a === b;
        if (!same) differ.push(`${id}.${f}: ${String(a)} vs ${String(b)}`);
      }
    }
    expect(differ.slice(0, 10)).toEqual([]);
    const priced = (s: Side) => [...s.features.values()].filter((f) => f.premium_index !== null).length;
    expect(priced(lines)).toBeGreaterThan(4000);
    expect(priced(orders)).toBe(0);
  });

  it('fits CLV and sizes the smart segments and the RFM map as the line-level import does', async () => {
    const { lines, orders } = sides as Required<typeof sides>;
    // Behaviors read what the products would tell (comfort, premium shares), which one row per order lacks.
    const sizes = (s: Side) => s.run.audiences.filter((a) => a.kind === 'smart' || a.kind === 'rfm').map((a) => [a.name, a.size]);
    expect(sizes(orders)).toEqual(sizes(lines));
    expect(sizes(orders)).toHaveLength(21);
    // The segments select some customers, not all.
    const nonEmpty = sizes(orders).filter(([, n]) => (n as number) > 0 && (n as number) < orders.features.size);
    expect(nonEmpty.length).toBeGreaterThanOrEqual(17);
    const fit = (s: Side) => loadClvFit(s.store);
    const [l, o] = [await fit(lines), await fit(orders)];
    expect(o.bgnbd.converged && o.gamma_gamma.converged).toBe(true);
    for (const [k, v] of Object.entries(l.bgnbd.params)) expect(o.bgnbd.params[k as keyof typeof o.bgnbd.params], k).toBeCloseTo(v, 6);
    for (const [k, v] of Object.entries(l.gamma_gamma.params)) expect(o.gamma_gamma.params[k as keyof typeof o.gamma_gamma.params], k).toBeCloseTo(v, 6);
  });
});
