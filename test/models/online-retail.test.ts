import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materializeCustomerFeatures } from '../../src/features/index.js';
import { fitScaling, kmeans } from '../../src/models/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, memoryStore } from '../helpers.js';
import { referenceBest } from './reference.js';

describe('k-means on Online Retail RFM', () => {
  let store: Store;
  let raw: Float64Array;
  let rows: number;

  beforeAll(async () => {
    store = await memoryStore();
    await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
    await materializeCustomerFeatures(store, '2011-12-10 00:00:00');
    const rfm = await store.all<{ r: number; f: number; m: number }>(
      sql`SELECT recency_days::DOUBLE AS r, orders::DOUBLE AS f, revenue::DOUBLE AS m FROM customer_features WHERE orders >= 1 ORDER BY customer_id`,
    );
    rows = rfm.length;
    raw = Float64Array.from(rfm.flatMap((x) => [x.r, x.f, x.m]));
  });
  afterAll(() => store.close());

  it('reaches within 0.5% of the best inertia of 50 plain Lloyd restarts', async () => {
    expect(rows).toBeGreaterThan(4000);
    const { data, params } = fitScaling(raw, rows, 3);
    expect(params.map((p) => p.transform)).toEqual(['log1p', 'log1p', 'log1p']);
    const reference = referenceBest(data, rows, 3, 4, 50, 1);
    const ours = await kmeans(data, rows, 3, { k: 4, seed: 1 });
    expect(ours.inertia).toBeLessThanOrEqual(reference * 1.005);
  });
});
