import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_END, LIFECYCLES, PERSONAS, generateDemo, type DemoFiles } from '../../src/demo/index.js';
import { ENTITY_COLUMNS, EVENT_TYPES } from '../../src/store/schema.js';

const CUSTOMERS = 5_000;
const SEED = 7;

const root = mkdtempSync(join(tmpdir(), 'segmint-demo-test-'));
let db: DuckDBInstance;
let conn: DuckDBConnection;
let files: DemoFiles;
let progress: [number, number][];

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Rows of a query, with DuckDB's BIGINT counts turned into plain numbers. */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

async function scalar(sql: string): Promise<unknown> {
  const [row] = await query(sql);
  return row ? Object.values(row)[0] : undefined;
}

const csv = (path: string): string => `read_csv('${path}', header = true, quote = '"', escape = '"')`;

beforeAll(async () => {
  progress = [];
  files = await generateDemo({
    customers: CUSTOMERS,
    seed: SEED,
    outDir: join(root, 'a'),
    onProgress: (done, total) => progress.push([done, total]),
  });
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run(`CREATE TABLE customers AS SELECT * FROM ${csv(files.customers)}`);
  await conn.run(`CREATE TABLE products AS SELECT * FROM ${csv(files.products)}`);
  await conn.run(`CREATE TABLE events AS SELECT * FROM ${csv(files.events)}`);
  await conn.run(`CREATE TABLE truth AS SELECT * FROM ${csv(files.truth)}`);
});

afterAll(() => {
  conn?.closeSync();
  db?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe('generateDemo determinism', () => {
  it('writes byte-identical files for the same seed and different ones for another seed', async () => {
    const again = await generateDemo({ customers: CUSTOMERS, seed: SEED, outDir: join(root, 'b') });
    const other = await generateDemo({ customers: CUSTOMERS, seed: SEED + 1, outDir: join(root, 'c') });
    for (const key of ['customers', 'products', 'events', 'truth'] as const) {
      expect(sha256(again[key]), key).toBe(sha256(files[key]));
      expect(sha256(other[key]), key).not.toBe(sha256(files[key]));
    }
    expect(again.counts).toEqual(files.counts);
  });
});

describe('generateDemo files', () => {
  it('writes exactly the store schema columns, in order', () => {
    const header = (path: string): string => readFileSync(path, 'utf8').split('\n', 1)[0] ?? '';
    expect(header(files.customers)).toBe(ENTITY_COLUMNS.customers.map((c) => c.name).join(','));
    expect(header(files.products)).toBe(ENTITY_COLUMNS.products.map((c) => c.name).join(','));
    expect(header(files.events)).toBe(ENTITY_COLUMNS.events.map((c) => c.name).join(','));
    expect(header(files.truth)).toBe('customer_id,persona,lifecycle,shift');
  });

  it('reports counts that match the files, and progress up to the total', async () => {
    expect(files.counts.customers).toBe(CUSTOMERS);
    expect(await scalar('SELECT count(*) FROM customers')).toBe(CUSTOMERS);
    expect(await scalar('SELECT count(*) FROM products')).toBe(files.counts.products);
    expect(await scalar('SELECT count(*) FROM events')).toBe(files.counts.events);
    expect(await scalar(`SELECT count(*) FROM events WHERE type = 'order'`)).toBe(files.counts.orderLines);
    expect(files.counts.products).toBeGreaterThanOrEqual(200);
    expect(progress.at(-1)).toEqual([CUSTOMERS, CUSTOMERS]);
  });

  it('uses unique ids and only the store event types', async () => {
    expect(await scalar('SELECT count(DISTINCT id) FROM customers')).toBe(CUSTOMERS);
    expect(await scalar('SELECT count(DISTINCT id) FROM products')).toBe(files.counts.products);
    expect(await scalar('SELECT count(DISTINCT id) FROM events')).toBe(files.counts.events);
    const types = (await query('SELECT DISTINCT type FROM events')).map((r) => r.type);
    for (const type of types) expect(EVENT_TYPES).toContain(type);
  });

  it('writes JSON and list cells DuckDB can read back', async () => {
    const [row] = await query(`SELECT
      count(*) FILTER (WHERE json_extract_string(attributes, '$.gender') IS NULL) AS customers_without_gender,
      (SELECT count(*) FROM products WHERE json_extract_string(attributes, '$.price_tier') NOT IN ('budget', 'mid', 'premium')) AS bad_tiers,
      (SELECT count(*) FROM events WHERE type LIKE 'email_%' AND json_extract_string(properties, '$.campaign') IS NULL) AS emails_without_campaign,
      (SELECT count(*) FROM products WHERE len(string_split(style_tags, '|')) = 0 OR materials IS NULL) AS products_without_tags
      FROM customers`);
    expect(row).toEqual({ customers_without_gender: 0, bad_tiers: 0, emails_without_campaign: 0, products_without_tags: 0 });
  });
});

describe('generateDemo ground truth', () => {
  it('has one row per customer, with the same ids', async () => {
    expect(await scalar('SELECT count(*) FROM truth')).toBe(CUSTOMERS);
    expect(await scalar('SELECT count(DISTINCT customer_id) FROM truth')).toBe(CUSTOMERS);
    expect(await scalar('SELECT count(*) FROM customers c FULL JOIN truth t ON t.customer_id = c.id WHERE c.id IS NULL OR t.customer_id IS NULL')).toBe(0);
  });

  it('uses every persona and lifecycle, in roughly the intended mix', async () => {
    const personas = await query('SELECT persona, count(*) / sum(count(*)) OVER () AS share FROM truth GROUP BY ALL');
    expect(personas.map((r) => r.persona).sort()).toEqual([...PERSONAS].sort());
    const lifecycles = await query('SELECT lifecycle, count(*) / sum(count(*)) OVER () AS share FROM truth GROUP BY ALL');
    expect(lifecycles.map((r) => r.lifecycle).sort()).toEqual([...LIFECYCLES].sort());
    const expected: Record<string, number> = { new: 0.12, active: 0.4, lapsing: 0.18, churned: 0.2, registered: 0.1 };
    for (const { lifecycle, share } of lifecycles) expect(Math.abs(Number(share) - (expected[String(lifecycle)] ?? 0))).toBeLessThan(0.03);
  });
});

describe('generateDemo events', () => {
  it('keeps every event inside the two years before the end, and after the account was created', async () => {
    const [row] = await query(`SELECT min(ts) AS first, max(ts) AS last FROM events`);
    expect((row?.last as Date).getTime()).toBeLessThan(DEFAULT_END.getTime());
    expect((row?.first as Date).getTime()).toBeGreaterThanOrEqual(DEFAULT_END.getTime() - 730 * 86_400_000);
    expect(await scalar('SELECT count(*) FROM events e JOIN customers c ON c.id = e.customer_id WHERE e.ts < c.created_at')).toBe(0);
  });

  it('gives registered customers no orders', async () => {
    const registered = `SELECT customer_id FROM truth WHERE lifecycle = 'registered'`;
    expect(await scalar(`SELECT count(*) FROM events WHERE type IN ('order', 'return') AND customer_id IN (${registered})`)).toBe(0);
  });

  it('writes complete order lines for known products launched before the order', async () => {
    const [row] = await query(`SELECT
      count(*) FILTER (WHERE order_id IS NULL OR product_id IS NULL OR quantity IS NULL OR quantity <= 0 OR unit_price IS NULL OR unit_price < 0) AS incomplete,
      count(*) FILTER (WHERE customer_id IS NULL) AS anonymous,
      count(*) FILTER (WHERE discount < 0) AS negative_discount
      FROM events WHERE type = 'order'`);
    expect(row).toEqual({ incomplete: 0, anonymous: 0, negative_discount: 0 });
    expect(await scalar('SELECT count(*) FROM events e ANTI JOIN products p ON p.id = e.product_id WHERE e.product_id IS NOT NULL')).toBe(0);
    expect(await scalar(`SELECT count(*) FROM events e JOIN products p ON p.id = e.product_id WHERE e.type = 'order' AND e.ts < p.launched_at`)).toBe(0);
  });

  it('returns only what was ordered, later, at the price paid', async () => {
    const [row] = await query(`WITH lines AS (
        SELECT order_id, product_id, sum(quantity) AS ordered, max(ts) AS ordered_at, max(unit_price) AS paid
        FROM events WHERE type = 'order' GROUP BY ALL),
      returns AS (
        SELECT order_id, product_id, sum(quantity) AS returned, min(ts) AS returned_at, max(unit_price) AS refunded
        FROM events WHERE type = 'return' GROUP BY ALL)
      SELECT count(*) AS returns,
        count(*) FILTER (WHERE l.order_id IS NULL OR r.returned > l.ordered OR r.returned_at <= l.ordered_at OR r.refunded <> l.paid) AS bad
      FROM returns r LEFT JOIN lines l USING (order_id, product_id)`);
    expect(row?.bad).toBe(0);
    expect(row?.returns).toBeGreaterThan(0);
  });

  it('places online orders after a view or cart in the same session, and store orders without a session', async () => {
    const [row] = await query(`WITH orders AS (
        SELECT DISTINCT order_id, session_id, channel, device, ts FROM events WHERE type = 'order')
      SELECT
        count(*) FILTER (WHERE channel = 'store' AND (session_id IS NOT NULL OR device IS NOT NULL)) AS store_with_session,
        count(*) FILTER (WHERE channel <> 'store' AND NOT EXISTS (
          SELECT 1 FROM events e WHERE e.session_id = o.session_id AND e.type IN ('view', 'add_to_cart') AND e.ts < o.ts)) AS online_without_lead_up
      FROM orders o`);
    expect(row).toEqual({ store_with_session: 0, online_without_lead_up: 0 });
  });

  it('includes anonymous sessions', async () => {
    expect(await scalar('SELECT count(*) FROM events WHERE customer_id IS NULL AND anonymous_id IS NOT NULL AND session_id IS NOT NULL')).toBeGreaterThan(0);
  });
});

describe('generateDemo personas and lifecycles', () => {
  /** Per persona: discount share, items per order, new-arrival share, views per order. */
  async function personaFeatures(): Promise<Map<string, Record<string, number>>> {
    const rows = await query(`WITH lines AS (
        SELECT t.persona, e.order_id, e.quantity, (e.discount > 0)::INT AS discounted,
          (e.ts - p.launched_at <= INTERVAL 30 DAY)::INT AS new_arrival
        FROM events e JOIN products p ON p.id = e.product_id JOIN truth t ON t.customer_id = e.customer_id
        WHERE e.type = 'order'),
      views AS (
        SELECT t.persona, count(*) AS views FROM events e JOIN truth t ON t.customer_id = e.customer_id
        WHERE e.type = 'view' GROUP BY ALL)
      SELECT persona,
        avg(discounted) AS discount_share,
        sum(quantity) / count(DISTINCT order_id) AS items_per_order,
        avg(new_arrival) AS new_arrival_share,
        any_value(views) / count(DISTINCT order_id) AS views_per_order
      FROM lines JOIN views USING (persona) GROUP BY ALL`);
    return new Map(rows.map((r) => [String(r.persona), r as Record<string, number>]));
  }

  it('makes personas separable on simple features', async () => {
    const features = await personaFeatures();
    const of = (persona: string, feature: string): number => features.get(persona)?.[feature] ?? Number.NaN;
    const others = (persona: string, feature: string): number[] => PERSONAS.filter((p) => p !== persona).map((p) => of(p, feature));

    expect(of('value_hunter', 'discount_share')).toBeGreaterThan(3 * of('quality_enthusiast', 'discount_share'));
    expect(of('value_hunter', 'discount_share')).toBeGreaterThan(Math.max(...others('value_hunter', 'discount_share')) + 0.3);
    expect(of('bulk_shopper', 'items_per_order')).toBeGreaterThan(2 * Math.max(...others('bulk_shopper', 'items_per_order')));
    expect(of('trend_follower', 'new_arrival_share')).toBeGreaterThan(2 * Math.max(...others('trend_follower', 'new_arrival_share')));
    expect(of('window_shopper', 'views_per_order')).toBeGreaterThan(2 * Math.max(...others('window_shopper', 'views_per_order')));
  });

  it('makes lifecycles recoverable from order recency', async () => {
    const rows = await query(`SELECT t.lifecycle,
        min(date_diff('day', last_order, TIMESTAMP '2026-11-01')) AS min_days,
        max(date_diff('day', last_order, TIMESTAMP '2026-11-01')) AS max_days,
        max(date_diff('day', first_order, TIMESTAMP '2026-11-01')) AS max_tenure
      FROM (SELECT customer_id, min(ts) AS first_order, max(ts) AS last_order FROM events WHERE type = 'order' GROUP BY ALL)
      JOIN truth t USING (customer_id) GROUP BY ALL`);
    const byLifecycle = new Map(rows.map((r) => [String(r.lifecycle), r as Record<string, number>]));
    expect(byLifecycle.get('new')?.max_tenure).toBeLessThanOrEqual(62);
    expect(byLifecycle.get('active')?.max_days).toBeLessThanOrEqual(40);
    expect(byLifecycle.get('lapsing')?.min_days).toBeGreaterThanOrEqual(120);
    expect(byLifecycle.get('lapsing')?.max_days).toBeLessThanOrEqual(250);
    expect(byLifecycle.get('churned')?.min_days).toBeGreaterThanOrEqual(365);
  });
});

describe('generateDemo options', () => {
  it('honours a custom end that is not midnight, deterministically', async () => {
    const end = new Date('2025-03-15T12:34:56Z');
    const first = await generateDemo({ customers: 500, seed: 3, outDir: join(root, 'end-1'), end });
    const second = await generateDemo({ customers: 500, seed: 3, outDir: join(root, 'end-2'), end });
    expect(sha256(second.events)).toBe(sha256(first.events));
    const [row] = await query(`SELECT count(*) FILTER (WHERE ts >= TIMESTAMP '2025-03-15 12:34:56') AS late,
      count(*) FILTER (WHERE ts < TIMESTAMP '2023-03-16 12:34:56') AS early FROM ${csv(first.events)}`);
    expect(row).toEqual({ late: 0, early: 0 });
  });

  it('rejects nonsensical options', async () => {
    await expect(generateDemo({ customers: 0, seed: 1, outDir: join(root, 'bad') })).rejects.toThrow(/customers/);
    await expect(generateDemo({ customers: 10, seed: 1.5, outDir: join(root, 'bad') })).rejects.toThrow(/seed/);
    await expect(generateDemo({ customers: 10, seed: 1, outDir: join(root, 'bad'), end: new Date('nope') })).rejects.toThrow(/end/);
  });
});
