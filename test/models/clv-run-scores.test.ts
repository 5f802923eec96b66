import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { customerSummaries, fitClv, fitSummary, materializeClvFeatures } from '../../src/models/clv/index.js';
import { distinctHistories } from '../../src/models/clv/bgnbd.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';
import { expectSameEstimates } from './clv-reference.js';

/**
 * A run's CLV step and `clv fit` without the customers' ids in JavaScript (issue 18): the fit reads the summary's
 * numbers alone, and the scores are computed once per distinct (x, t_x, T) and joined back in SQL.
 */
const AS_OF = '2026-11-01 00:00:00';
let store: Store;
const dir = tempDir();
beforeAll(async () => {
  store = await memoryStore();
  await importDemoFiles(store, await generateDemo({ customers: 3000, seed: 11, outDir: join(dir.path, 'demo') }));
});
afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('CLV without the ids in JavaScript', () => {
  it.each(['day', 'week'] as const)('fits as on the summary with the ids, to the bit (unit %s)', async (unit) => {
    const before = fitSummary(await customerSummaries(store, AS_OF, unit), AS_OF, unit);
    const after = await fitClv(store, AS_OF, unit);
    const { fitted_at: _, ...same } = before;
    expect(after).toMatchObject(same);
    expect(after.bgnbd.customers).toBeGreaterThan(1000);
  });

  it('fits the same to the bit whatever order the customers come in (the summary is read unsorted)', async () => {
    const s = await customerSummaries(store, AS_OF, 'week');
    const reversed = { x: s.x.slice().reverse(), tx: s.tx.slice().reverse(), T: s.T.slice().reverse(), monetary: s.monetary.slice().reverse() };
    const { fitted_at: _, ...same } = fitSummary(s, AS_OF, 'week');
    expect(fitSummary(reversed, AS_OF, 'week')).toMatchObject(same);
  });

  it('gives the estimates of main before the rough start and Newton step, to 1e-6 (a and b along their ridge)', async () => {
    const fit = await fitClv(store, AS_OF, 'day');
    const recorded = { r: 0.7120892028769027, alpha: 35.01795299807098, a: 24771574523.979935, b: 898169521873.092, logLikelihood: -85692.66159310045 };
    expectSameEstimates(fit.bgnbd, recorded, ['r', 'alpha', 'dropout']);
  });

  it('scores each distinct history once, in (x, T, t_x) order', async () => {
    const perCustomer = await customerSummaries(store, AS_OF, 'day');
    const histories = distinctHistories(perCustomer);
    const triples = Array.from(perCustomer.x, (x, i) => [x, perCustomer.T[i]!, perCustomer.tx[i]!]);
    const distinct = [...new Map(triples.map((t) => [t.join(' '), t])).values()].sort((u, v) => u[0]! - v[0]! || u[1]! - v[1]! || u[2]! - v[2]!);
    expect(distinct.length).toBeLessThan(triples.length);
    expect(Array.from(histories.x, (x, g) => [x, histories.T[g], histories.tx[g]])).toEqual(distinct);
  });

  it("stores a run's scores from that fit, each customer's the same as one scored apart", async () => {
    const { fit, rows } = await materializeClvFeatures(store, AS_OF, 'scores');
    const perCustomer = await customerSummaries(store, AS_OF, 'day');
    expect(rows).toBe(perCustomer.x.length);
    const { fitted_at: _, ...same } = fitSummary(perCustomer, AS_OF, 'day');
    expect(fit).toMatchObject(same);
    const stored = await store.all<{ customer_id: string }>(sql`SELECT customer_id FROM scores ORDER BY customer_id`);
    expect(stored.map((r) => r.customer_id)).toEqual(perCustomer.customerIds);
    const leftovers = await store.all(sql`SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'scores_%'`);
    expect(leftovers).toEqual([]);
  });
});
