import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerFeatures } from '../../src/features/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, parseMapping, presetMapping, quarantinedRows, type ImportReport, type Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

/** Shopify admin's orders export header, every column in its order. */
const ORDERS_HEADER = [
  'Name', 'Email', 'Financial Status', 'Paid at', 'Fulfillment Status', 'Fulfilled at', 'Accepts Marketing', 'Currency', 'Subtotal', 'Shipping',
  'Taxes', 'Total', 'Discount Code', 'Discount Amount', 'Shipping Method', 'Created at', 'Lineitem quantity', 'Lineitem name', 'Lineitem price',
  'Lineitem compare at price', 'Lineitem sku', 'Lineitem requires shipping', 'Lineitem taxable', 'Lineitem fulfillment status', 'Billing Name',
  'Billing Street', 'Billing Address1', 'Billing Address2', 'Billing Company', 'Billing City', 'Billing Zip', 'Billing Province', 'Billing Country',
  'Billing Phone', 'Shipping Name', 'Shipping Street', 'Shipping Address1', 'Shipping Address2', 'Shipping Company', 'Shipping City', 'Shipping Zip',
  'Shipping Province', 'Shipping Country', 'Shipping Phone', 'Notes', 'Note Attributes', 'Cancelled at', 'Payment Method', 'Payment Reference',
  'Refunded Amount', 'Vendor', 'Outstanding Balance', 'Employee', 'Location', 'Device ID', 'Id', 'Tags', 'Risk Level', 'Source', 'Lineitem discount',
  'Tax 1 Name', 'Tax 1 Value', 'Tax 2 Name', 'Tax 2 Value', 'Tax 3 Name', 'Tax 3 Value', 'Tax 4 Name', 'Tax 4 Value', 'Tax 5 Name', 'Tax 5 Value',
  'Phone', 'Receipt Number', 'Duties', 'Billing Province Name', 'Shipping Province Name', 'Payment ID', 'Payment Terms Name', 'Next Payment Due At',
  'Payment References',
];

const CUSTOMERS_HEADER = [
  'Customer ID', 'First Name', 'Last Name', 'Email', 'Accepts Email Marketing', 'Default Address Company', 'Default Address Address1',
  'Default Address Address2', 'Default Address City', 'Default Address Province Code', 'Default Address Country Code', 'Default Address Zip',
  'Default Address Phone', 'Phone', 'Accepts SMS Marketing', 'Total Spent', 'Total Orders', 'Note', 'Tax Exempt', 'Tags',
];

/** A CSV of rows given by column name, every other column empty, quoted as Shopify quotes (a field with a comma). */
function csv(name: string, header: string[], rows: Array<Record<string, string>>): string {
  for (const r of rows) for (const k of Object.keys(r)) if (!header.includes(k)) throw new Error(`not a column: ${k}`);
  const cell = (v: string) => (/[",]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const file = join(dir.path, name);
  // Shopify writes a byte order mark.
  writeFileSync(file, '\uFEFF' + [header.join(','), ...rows.map((r) => header.map((h) => cell(r[h] ?? '')).join(','))].join('\n') + '\n');
  return file;
}

/** An order's first row: its details and its first line item. */
const first = (order: Record<string, string>, line: Record<string, string>) => ({ 'Fulfillment Status': 'fulfilled', Currency: 'EUR', Source: 'web', 'Shipping Country': 'DE', ...order, ...line });
/** A later line item of an order: Shopify leaves the order's details empty. */
const more = (name: string, email: string, line: Record<string, string>) => ({ Name: name, Email: email, ...line });
const item = (qty: number, title: string, price: number, sku: string, discount = 0) => ({
  'Lineitem quantity': String(qty), 'Lineitem name': title, 'Lineitem price': price.toFixed(2), 'Lineitem sku': sku, 'Lineitem discount': discount.toFixed(2), Vendor: 'Nordic',
});

const ORDERS = [
  // Ann: a 10% discount code on two lines (the scarves' line and a beanie without a SKU), and shipping.
  first(
    { Name: '#1001', Email: 'ann@example.com', 'Financial Status': 'paid', Subtotal: '72.00', Shipping: '5.00', Total: '77.00', 'Discount Code': 'WINTER10', 'Discount Amount': '8.00', 'Created at': '2024-03-05 14:02:11 +0100' },
    item(2, 'Wool Scarf - Grey', 30, 'SC-1', 6),
  ),
  more('#1001', 'ann@example.com', item(1, 'Beanie, knitted', 20, '', 2)),
  // Ann: three mugs, half refunded.
  first({ Name: '#1002', Email: 'ann@example.com', 'Financial Status': 'partially_refunded', Subtotal: '30.00', Total: '30.00', 'Refunded Amount': '15.00', 'Created at': '2024-04-10 09:00:00 +0200' }, item(3, 'Mug', 10, 'MUG')),
  // Bob: a coat, cancelled two days later and refunded with its shipping.
  first(
    { Name: '#1003', Email: 'bob@example.com', 'Financial Status': 'refunded', Subtotal: '40.00', Shipping: '5.00', Total: '45.00', 'Refunded Amount': '45.00', 'Created at': '2024-04-10 10:00:00 +0000', 'Cancelled at': '2024-04-12 10:00:00 +0000' },
    item(1, 'Coat', 40, 'COAT'),
  ),
  // Bob: boots returned and refunded in full, shipping and all (more than the boots' price).
  first({ Name: '#1004', Email: 'bob@example.com', 'Financial Status': 'refunded', Subtotal: '55.00', Shipping: '5.00', Total: '60.00', 'Refunded Amount': '60.00', 'Created at': '2024-05-02 18:30:00 +0000' }, item(1, 'Boots', 55, 'BOOT')),
  // A till sale without an email.
  first({ Name: '#1005', 'Financial Status': 'paid', Subtotal: '5.00', Total: '5.00', 'Created at': '2024-05-03 12:00:00 +0000', Source: 'pos' }, item(1, 'Socks', 5, 'SOCK')),
];

describe('the shopify-orders preset', () => {
  let store: Store;
  let report: ImportReport;
  let again: ImportReport;
  beforeAll(async () => {
    store = await memoryStore();
    const file = csv('orders_export.csv', ORDERS_HEADER, ORDERS);
    report = await importFile(store, file, presetMapping('shopify-orders'));
    again = await importFile(store, file, presetMapping('shopify-orders'));
  });
  afterAll(() => store.close());

  it('stores every line item net of its discount, with the order details of its first row', async () => {
    expect(report).toMatchObject({ rows: 6, accepted: 6, rejected: 0, order_returns: 3, currencies: { EUR: 9 } });
    const lines = await store.all(sql`SELECT product_id, strftime(ts, '%Y-%m-%d %H:%M:%S') AS ts, customer_id, quantity, unit_price, discount, currency, channel
      FROM events WHERE order_id = '#1001' ORDER BY product_id`);
    expect(lines).toEqual([
      { product_id: 'Beanie, knitted', ts: '2024-03-05 13:02:11', customer_id: 'ann@example.com', quantity: 1, unit_price: 18, discount: 2, currency: 'EUR', channel: 'web' },
      { product_id: 'SC-1', ts: '2024-03-05 13:02:11', customer_id: 'ann@example.com', quantity: 2, unit_price: 27, discount: 3, currency: 'EUR', channel: 'web' },
    ]);
    expect(await store.one(sql`SELECT title, brand FROM products WHERE id = 'SC-1'`)).toEqual({ title: 'Wool Scarf - Grey', brand: 'Nordic' });
    expect(await store.one(sql`SELECT customer_id, anonymous_id, channel FROM events WHERE order_id = '#1005'`)).toEqual({ customer_id: null, anonymous_id: 'order:#1005', channel: 'pos' });
  });

  it('returns a refund (at most the goods) at the order time, and a cancelled order whole when it was cancelled', async () => {
    const returns = await store.all(sql`SELECT order_id, strftime(ts, '%Y-%m-%d %H:%M:%S') AS ts, quantity, unit_price, quantity * unit_price AS amount
      FROM events WHERE type = 'return' ORDER BY order_id`);
    expect(returns).toEqual([
      { order_id: '#1002', ts: '2024-04-10 07:00:00', quantity: 1.5, unit_price: 10, amount: 15 },
      { order_id: '#1003', ts: '2024-04-12 10:00:00', quantity: 1, unit_price: 40, amount: 40 },
      { order_id: '#1004', ts: '2024-05-02 18:30:00', quantity: 1, unit_price: 55, amount: 55 },
    ]);
  });

  it('gives revenue net of discounts, refunds and cancellations', async () => {
    // Ann: 2 x (30 - 3) + (20 - 2) = 72 for #1001, 30 - 15 for #1002; Bob: everything came back.
    expect(await customerFeatures(store, '2024-06-01 00:00:00', 'ann@example.com')).toMatchObject({ orders: 2, revenue: 87, items: 6, returns: 1, discount_share: 2 / 3 });
    expect(await customerFeatures(store, '2024-06-01 00:00:00', 'bob@example.com')).toMatchObject({ orders: 2, revenue: 0, return_rate: 1 });
    // Before the cancellation, Bob's coat still counts.
    expect((await customerFeatures(store, '2024-04-11 00:00:00', 'bob@example.com'))?.revenue).toBe(40);
  });

  it('adds nothing when the same export is imported again', async () => {
    expect(again).toMatchObject({ accepted: 0, duplicates: 6, order_returns: 0 });
    expect(await store.one(sql`SELECT count(*) AS n FROM events`)).toEqual({ n: 9 });
  });
});

describe('the shopify-customers preset', () => {
  it('keys customers by email (else their id) and reads accepts-marketing as consent', async () => {
    const store = await memoryStore();
    const file = csv('customers_export.csv', CUSTOMERS_HEADER, [
      { 'Customer ID': '7001', 'First Name': 'Ann', Email: 'ann@example.com', 'Accepts Email Marketing': 'yes', 'Default Address Country Code': 'DE', 'Accepts SMS Marketing': 'no' },
      { 'Customer ID': '7002', 'First Name': 'Bob', Email: 'bob@example.com', 'Accepts Email Marketing': 'no', 'Default Address Country Code': 'FR', 'Accepts SMS Marketing': 'yes' },
      { 'Customer ID': '7003', 'First Name': 'Cid', 'Accepts Email Marketing': 'no', 'Accepts SMS Marketing': 'yes', Tags: 'vip, wholesale' },
      { 'Customer ID': '7004', Email: 'dee@example.com', 'Accepts Email Marketing': 'pending' },
    ]);
    const report = await importFile(store, file, presetMapping('shopify-customers'));
    expect(report).toMatchObject({ rows: 4, accepted: 3, rejected: 1, unmapped: [{ field: 'consent_email', value: 'pending', rows: 1 }] });
    expect(await store.all(sql`SELECT id, email, country, consent_email, consent_sms FROM customers ORDER BY id`)).toEqual([
      { id: '7003', email: null, country: null, consent_email: false, consent_sms: true },
      { id: 'ann@example.com', email: 'ann@example.com', country: 'DE', consent_email: true, consent_sms: false },
      { id: 'bob@example.com', email: 'bob@example.com', country: 'FR', consent_email: false, consent_sms: true },
    ]);
    store.close();
  });
});

describe('orderFields', () => {
  it('names fields of an order, in a mapping of events with an order_id column', () => {
    const events = { entity: 'events', columns: { ts: 'When', customer_id: 'Who', order_id: 'Order' } };
    expect(parseMapping({ ...events, orderFields: ['ts', 'customer_id'] }, 'shop.json').orderFields).toEqual(['ts', 'customer_id']);
    expect(() => parseMapping({ ...events, orderFields: ['ts', 'total'] }, 'shop.json')).toThrow('shop.json: orderFields.1: "total" is not a field of an order; fields: id, type, ts,');
    expect(() => parseMapping({ ...events, columns: { ts: 'When', customer_id: 'Who' }, orderFields: ['ts'] }, 'shop.json')).toThrow(
      'shop.json: orderFields: only for events with an order_id column',
    );
  });
});

describe('a refund without its order', () => {
  it('is quarantined, naming the order column, and returns nothing', async () => {
    const store = await memoryStore();
    const file = join(dir.path, 'refunds.csv');
    writeFileSync(file, 'Order,Who,When,Sku,Qty,Price,Refunded\no1,c1,2024-01-02 10:00:00,P1,2,10,5\n,c2,2024-01-03 10:00:00,P1,1,10,10\n');
    const mapping = parseMapping(
      { entity: 'events', constants: { type: 'order' }, columns: { order_id: 'Order', customer_id: 'Who', ts: 'When', product_id: 'Sku', quantity: 'Qty', unit_price: 'Price', order_refunded: 'Refunded' } },
      'refunds.json',
    );
    const report = await importFile(store, file, mapping);
    expect(report).toMatchObject({ accepted: 1, rejected: 1, order_returns: 1 });
    expect((await quarantinedRows(store, report.import_id, { limit: 10, offset: 0 })).rows.map((r) => [r.line, r.column, r.reason])).toEqual([
      [3, 'Order', 'order_refunded needs the order_id of its order'],
    ]);
    store.close();
  });
});
