import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles, type DemoFiles } from '../../src/demo/index.js';
import { CUSTOMER_FEATURES, customerFeatures, materializeCustomerFeatures, materializeProductFeatures } from '../../src/features/index.js';
import { CLV_FEATURES, storeRunScores } from '../../src/models/clv/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, plainSql, tempDir } from '../helpers.js';

const AS_OF = '2026-03-15 00:00:00';
const dir = tempDir();
let files: DemoFiles;


type Row = Record<string, unknown>;
const FITTED = new Set<string>(CLV_FEATURES.map((f) => f.name));
async function featureRows(store: Store, entity: 'customer' | 'product'): Promise<Row[]> {
  if (entity === 'customer') await materializeCustomerFeatures(store, AS_OF);
  else await materializeProductFeatures(store, AS_OF);
  return store.all(entity === 'customer' ? sql`SELECT * FROM customer_features ORDER BY customer_id` : sql`SELECT * FROM product_features ORDER BY product_id`);
}

function expectSameRows(a: Row[], b: Row[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) {
      const w = b[i]![k];
      const where = `${String(row.customer_id ?? row.product_id)}.${k}`;
      // The CLV scores come out of a maximum-likelihood fit, which would carry any last-bit difference in the data
      // into every score: they must be identical, which the exact sums of the CLV summary make them.
      if (typeof v === 'number' && typeof w === 'number' && FITTED.has(k)) expect(w, where).toBe(v);
      else if (typeof v === 'number' && typeof w === 'number') expect(w, where).toBeCloseTo(v, 6);
      else expect(w, where).toEqual(v);
    }
  });
}

describe('features as of a date', () => {
  let full: Store;
  let past: Store;

  beforeAll(async () => {
    files = await generateDemo({ customers: 1500, seed: 11, outDir: dir.path });
    // A store that only ever held what existed before the date: customers registered and events that happened before it.
    const before = { products: files.products, customers: join(dir.path, 'customers-before.csv'), events: join(dir.path, 'events-before.csv') };
    await plainSql(`COPY (SELECT * FROM read_csv('${files.customers}', all_varchar = true) WHERE created_at::TIMESTAMP < '${AS_OF}')
      TO '${before.customers}' (HEADER)`);
    await plainSql(`COPY (SELECT * FROM read_csv('${files.events}', all_varchar = true) WHERE ts::TIMESTAMP < '${AS_OF}')
      TO '${before.events}' (HEADER)`);
    full = await memoryStore();
    past = await memoryStore();
    await importDemoFiles(full, files);
    await importDemoFiles(past, before);
    // The CLV features are a run's scores: fitted and scored on each store as of the date, they must agree too.
    await storeRunScores(full, AS_OF);
    await storeRunScores(past, AS_OF);
  });
  afterAll(() => {
    full.close();
    past.close();
    dir.cleanup();
  });

  it('gives the same customer features as a store that only held the events before it', async () => {
    const a = await featureRows(full, 'customer');
    const b = await featureRows(past, 'customer');
    expect(a.length).toBeGreaterThan(500);
    expectSameRows(a, b);
    // The demo has every kind of data, so no feature is null for everyone.
    for (const f of CUSTOMER_FEATURES) expect(a.some((r) => r[f.name] !== null), f.name).toBe(true);
  });

  it('gives the same product features too', async () => {
    expectSameRows(await featureRows(full, 'product'), await featureRows(past, 'product'));
  });

  it('counts only events strictly before the date', async () => {
    const last = await full.one<{ customer_id: string; at_ts: string; after: string; orders: number }>(sql`
      SELECT customer_id, strftime(ts, '%Y-%m-%d %H:%M:%S') AS at_ts, strftime(ts + INTERVAL 1 SECOND, '%Y-%m-%d %H:%M:%S') AS after,
        count(DISTINCT order_id) AS orders
      FROM events WHERE type = 'order' AND customer_id IS NOT NULL AND ts < ${AS_OF}::TIMESTAMP
      GROUP BY ALL ORDER BY at_ts DESC, customer_id LIMIT 1`);
    const at = await customerFeatures(full, last!.at_ts, last!.customer_id);
    const after = await customerFeatures(full, last!.after, last!.customer_id);
    expect(after!.orders).toBe(Number(at?.orders ?? 0) + last!.orders);
    expect(after!.recency_days).toBe(0);
  });
});
