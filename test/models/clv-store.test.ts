import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import {
  calibrationHoldout,
  clvFeatures,
  customerClv,
  customerSummaries,
  holdoutPurchases,
  lastDayBefore,
  loadClvFit,
  materializeClvFeatures,
  modelOf,
  NoModelError,
  saveClvFit,
  scoreCustomers,
  type ClvFit,
} from '../../src/models/clv/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

const AS_OF = '2026-03-01 00:00:00';

/**
 * A: orders on Jan 1 (two orders, 25 + 15, one occasion), Jan 15 (30) and Feb 5 at 23:59 (50), a return, views,
 * and an order at the as-of instant (not counted). B: two lines without an order id on Feb 20 (each its own order,
 * one occasion). C: registered, only views. D: Feb 27 (10) and Feb 28 (60). Plus an order line with no customer.
 */
const EVENTS: Array<[string, string, string, string | null, string | null, number | null, number | null]> = [
  ['e1', 'order', '2026-01-01 10:00:00', 'A', 'O1', 2, 10],
  ['e2', 'order', '2026-01-01 10:00:00', 'A', 'O1', 1, 5],
  ['e3', 'order', '2026-01-01 18:00:00', 'A', 'O2', 1, 15],
  ['e4', 'view', '2026-01-02 08:00:00', 'A', null, null, null],
  ['e5', 'order', '2026-01-15 09:00:00', 'A', 'O3', 3, 10],
  ['e6', 'order', '2026-02-05 23:59:00', 'A', 'O4', 1, 50],
  ['e7', 'return', '2026-02-10 12:00:00', 'A', 'O4', 1, 50],
  ['e8', 'order', '2026-03-01 00:00:00', 'A', 'O5', 1, 99],
  ['e9', 'order', '2026-02-20 12:00:00', 'B', null, 1, 8],
  ['e10', 'order', '2026-02-20 12:05:00', 'B', null, 1, 12],
  ['e11', 'view', '2026-02-21 12:00:00', 'C', null, null, null],
  ['e12', 'order', '2026-02-27 08:00:00', 'D', 'O6', 1, 10],
  ['e13', 'order', '2026-02-28 08:00:00', 'D', 'O7', 2, 30],
  ['e14', 'order', '2026-02-28 09:00:00', null, 'O8', 1, 1000],
];

/** A fit as `segmint clv fit` would store it, with parameters of the size fits on weekly data give. */
const FIT: ClvFit = {
  as_of: AS_OF,
  calibration_end: '2026-02-28',
  unit: 'week',
  fitted_at: '2026-03-01T00:00:00.000Z',
  bgnbd: { params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, standard_errors: { r: 0.01, alpha: 0.2, a: 0.1, b: null }, log_likelihood: -9582.4, customers: 2357, iterations: 20, converged: true, warnings: [] },
  gamma_gamma: { params: { p: 6.25, q: 3.74, v: 15.44 }, standard_errors: { p: 1, q: 0.2, v: 3 }, log_likelihood: -4000, customers: 946, iterations: 18, converged: true, warnings: ['b has no standard error'] },
};

let store: Store;

beforeAll(async () => {
  store = await memoryStore();
  for (const id of ['A', 'B', 'C', 'D']) await store.run(sql`INSERT INTO customers (id) VALUES (${id})`);
  for (const [id, type, ts, customer, order, quantity, price] of EVENTS) {
    await store.run(sql`INSERT INTO events (id, type, ts, customer_id, order_id, quantity, unit_price)
      VALUES (${id}, ${type}, CAST(${ts} AS TIMESTAMP), ${customer}, ${order}, ${quantity}, ${price})`);
  }
});
afterAll(() => store.close());

describe('CLV summary from events', () => {
  it('merges same-day orders into one occasion and measures t_x and T in days from the first, T to the last day before the as-of date', async () => {
    const s = await customerSummaries(store, AS_OF, 'day');
    expect(s.customerIds).toEqual(['A', 'B', 'D']);
    expect(Array.from(s.x)).toEqual([2, 0, 1]);
    expect(Array.from(s.tx)).toEqual([35, 0, 1]);
    // The calibration period ends on Feb 28, inclusive: Jan 1 to Feb 28 is 58 days, D's Feb 27 to Feb 28 one.
    expect(Array.from(s.T)).toEqual([58, 8, 1]);
    // Mean value of the occasions after the first: A (30 + 50) / 2, B none, D 60.
    expect(Array.from(s.monetary)).toEqual([40, NaN, 60]);
  });

  it('measures in weeks with --unit week, and in whole days to the day of the as-of instant when it is not midnight', async () => {
    const s = await customerSummaries(store, AS_OF, 'week');
    expect(Array.from(s.tx)).toEqual([5, 0, 1 / 7]);
    s.T.forEach((t, i) => expect(t).toBeCloseTo([58, 8, 1][i]! / 7, 14));
    // As of noon on Feb 28 the period ends on Feb 28 too, with the morning's orders in it (D's 08:00 one).
    const noon = await customerSummaries(store, '2026-02-28 12:00:00', 'day');
    expect(noon.customerIds).toEqual(['A', 'B', 'D']);
    expect(Array.from(noon.T)).toEqual([58, 8, 1]);
    expect(Array.from(noon.x)).toEqual([2, 0, 1]);
    // As of Feb 28 00:00 the period ends on Feb 27: D's Feb 28 order is out, and D's first day is the last (T = 0).
    const midnight = await customerSummaries(store, '2026-02-28 00:00:00', 'day');
    expect(Array.from(midnight.T)).toEqual([57, 7, 0]);
    expect(Array.from(midnight.x)).toEqual([2, 0, 0]);
    expect([lastDayBefore('2026-03-01 00:00:00'), lastDayBefore('2026-02-28 12:00:00'), lastDayBefore('2026-02-28 00:00:00')]).toEqual(['2026-02-28', '2026-02-28', '2026-02-27']);
  });

  it('counts holdout occasions of the calibration customers only', async () => {
    const calibration = await customerSummaries(store, '2026-02-01 00:00:00', 'day');
    expect(calibration.customerIds).toEqual(['A']);
    expect(Array.from(calibration.x)).toEqual([1]);
    // A's Feb 5 occasion; the order at the as-of instant is outside [Feb 1, Mar 1); B and D start in the holdout.
    expect(Array.from(await holdoutPurchases(store, calibration.customerIds, '2026-02-01 00:00:00', AS_OF))).toEqual([1]);
    expect(Array.from(await holdoutPurchases(store, ['D', 'A', 'Z'], '2026-02-01 00:00:00', '2026-03-02 00:00:00'))).toEqual([2, 2, 0]);
  });
});

describe('CLV fit stored and scored', () => {
  it('says no model was fitted until one is saved, then reads back what was saved', async () => {
    await expect(loadClvFit(store)).rejects.toBeInstanceOf(NoModelError);
    await saveClvFit(store, FIT);
    expect(await loadClvFit(store)).toEqual(FIT);
    await saveClvFit(store, { ...FIT, unit: 'day' });
    expect((await loadClvFit(store)).unit).toBe('day');
    await store.run(sql`UPDATE settings SET value = '{"as_of": 3}' WHERE key = 'clv_model'`);
    await expect(loadClvFit(store)).rejects.toThrow(/stored CLV model is unreadable/);
  });

  it("scores one customer from the stored fit as scoreCustomers does from the summary's numbers", async () => {
    const a = (await customerClv(store, FIT, AS_OF, 'A'))!;
    expect(a.summary).toEqual({ x: 2, t_x: 5, T: 58 / 7, monetary: 40 });
    const expected = scoreCustomers(modelOf(FIT), { x: Float64Array.of(2), tx: Float64Array.of(5), T: Float64Array.of(58 / 7), monetary: Float64Array.of(40) });
    expect(a.p_alive).toBe(expected.pAlive[0]);
    expect(a.expected_orders).toEqual({ days: 90, value: expected.expectedOrders[0] });
    expect(a.expected_spend).toBe(expected.expectedSpend[0]);
    expect(a.clv.value).toBe(expected.clv[0]);
    const c = (await customerClv(store, FIT, AS_OF, 'C'))!;
    expect(c).toMatchObject({ summary: null, p_alive: null, expected_spend: null, expected_orders: { value: null }, clv: { value: null } });
    expect(await customerClv(store, FIT, AS_OF, 'nobody')).toBeUndefined();
  });

  it('writes the three catalog features for every customer with an order, the same as the map', async () => {
    const { rows } = await materializeClvFeatures(store, AS_OF, 'clv_scores', { fit: FIT });
    expect(rows).toBe(3);
    const table = await store.all<{ customer_id: string; p_alive: number; expected_orders_90d: number; clv_365d: number }>(sql`SELECT * FROM clv_scores ORDER BY customer_id`);
    const { values } = await clvFeatures(store, AS_OF, { fit: FIT });
    expect(table).toEqual([...values.entries()].map(([customer_id, v]) => ({ customer_id, ...v })));
    expect(table.map((r) => r.customer_id)).toEqual(['A', 'B', 'D']);
    // B has no repeat purchase: BG/NBD cannot have seen it drop out.
    expect(table[1]!.p_alive).toBe(1);
  });
});

describe('calibration and holdout on a store', () => {
  it('fits on the events before the calibration end and counts the holdout occasions of the same customers', async () => {
    const dir = tempDir();
    const demo = await memoryStore();
    try {
      await importDemoFiles(demo, await generateDemo({ customers: 300, seed: 5, outDir: join(dir.path, 'demo') }));
      const r = await calibrationHoldout(demo, { until: '2026-06-01 00:00:00', holdoutUntil: '2026-10-01 00:00:00', unit: 'week' });
      expect([r.calibration_end, r.holdout_end]).toEqual(['2026-05-31', '2026-09-30']);
      const expected = await demo.one<{ customers: number; holdout: number }>(sql`
        WITH occasions AS (SELECT DISTINCT customer_id, CAST(ts AS DATE) AS day FROM events WHERE type = 'order' AND customer_id IS NOT NULL),
        known AS (SELECT DISTINCT customer_id FROM occasions WHERE day < DATE '2026-06-01')
        SELECT (SELECT count(*) FROM known) AS customers,
          (SELECT count(*) FROM occasions JOIN known USING (customer_id) WHERE day >= DATE '2026-06-01' AND day < DATE '2026-10-01') AS holdout`);
      expect(r.bgnbd.customers).toBe(expected!.customers);
      expect(r.holdout.customers).toBe(expected!.customers);
      expect(r.holdout.actual_total).toBe(expected!.holdout);
      expect(r.holdout.horizon).toBeCloseTo(122 / 7, 12);
      expect(r.holdout.by_repeats.reduce((n, g) => n + g.actual, 0)).toBe(expected!.holdout);
      expect(r.holdout.predicted_total).toBeGreaterThan(0);
      await expect(calibrationHoldout(demo, { until: '2026-06-01 00:00:00', holdoutUntil: '2026-05-01 00:00:00', unit: 'day' })).rejects.toThrow(/must end on a later day/);
      // Noon and the next midnight close the same day: no holdout day at all.
      await expect(calibrationHoldout(demo, { until: '2026-06-01 12:00:00', holdoutUntil: '2026-06-02 00:00:00', unit: 'day' })).rejects.toThrow(/must end on a later day/);
    } finally {
      demo.close();
      dir.cleanup();
    }
  });
});
