import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materializeCustomerFeatures } from '../../src/features/index.js';
import { fitClv } from '../../src/models/clv/index.js';
import { fitScaling, kmeans } from '../../src/models/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, memoryStore } from '../helpers.js';
import { expectSameEstimates } from './clv-reference.js';
import { referenceBest } from './reference.js';

let store: Store;
beforeAll(async () => {
  store = await memoryStore();
  await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
});
afterAll(() => store.close());

describe('k-means on Online Retail RFM', () => {
  let raw: Float64Array;
  let rows: number;

  beforeAll(async () => {
    await materializeCustomerFeatures(store, '2011-12-10 00:00:00');
    const rfm = await store.all<{ r: number; f: number; m: number }>(
      sql`SELECT recency_days::DOUBLE AS r, orders::DOUBLE AS f, revenue::DOUBLE AS m FROM customer_features WHERE orders >= 1 ORDER BY customer_id`,
    );
    rows = rfm.length;
    raw = Float64Array.from(rfm.flatMap((x) => [x.r, x.f, x.m]));
  });

  it('reaches within 0.5% of the best inertia of 50 plain Lloyd restarts', async () => {
    expect(rows).toBeGreaterThan(4000);
    const { data, params } = fitScaling(raw, rows, 3);
    expect(params.map((p) => p.transform)).toEqual(['log1p', 'log1p', 'log1p']);
    const reference = referenceBest(data, rows, 3, 4, 50, 1);
    const ours = await kmeans(data, rows, 3, { k: 4, seed: 1 });
    expect(ours.inertia).toBeLessThanOrEqual(reference * 1.005);
  });
});

describe('BG/NBD on Online Retail', () => {
  it('converges, but warns that the data cannot tell the dropout shape a from 0', async () => {
    const fit = await fitClv(store, '2011-12-10 00:00:00', 'week');
    const { a } = fit.bgnbd.params;
    const se = fit.bgnbd.standard_errors.a!;
    // About 2,800 repeat buyers, so the count is no reason; the flat likelihood towards a = 0 (no dropout) is.
    expect(fit.bgnbd.converged).toBe(true);
    expect(se).toBeGreaterThan(a);
    expect(fit.bgnbd.warnings).toContain(`a = ${+a.toPrecision(3)} ± ${+se.toPrecision(3)}: the standard error exceeds the estimate, so the data cannot tell a from an edge of its range (0 or unbounded)`);
    expect(fit.bgnbd.warnings.some((w) => w.startsWith('only'))).toBe(false);
    expect(fit.bgnbd.warnings.some((w) => w.startsWith('r ') || w.startsWith('alpha '))).toBe(false);
    // The fit of main at 4d80094, before the rough start and Newton's first step.
    const recorded = { r: 0.826433114286506, alpha: 9.841525443079641, a: 0.003442694884943455, b: 6.749361407959981, logLikelihood: -37647.75941785921 };
    expectSameEstimates(fit.bgnbd, recorded, ['r', 'alpha', 'dropout']);
  });
});
