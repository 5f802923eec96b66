import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { customerSummaries, fitClv, fitSummary, materializeClvFeatures, type ClvFit } from '../../src/models/clv/index.js';
import { groupedSummary, summaryRows } from '../../src/models/clv/summary.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * The fit over distinct histories with counts (groupedSummary) against the fit over one row a customer it replaced, on
 * the demo store (the CDNOW sample's is in clv-cdnow.test.ts): issue 18 asks for the same parameters to 1e-6.
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

/** Largest relative difference between two fits' parameters, over both models. */
export function parameterGap(a: ClvFit, b: ClvFit): number {
  const pairs = [...Object.entries(a.bgnbd.params).map(([k, v]) => [v, b.bgnbd.params[k as 'r']]), ...Object.entries(a.gamma_gamma.params).map(([k, v]) => [v, b.gamma_gamma.params[k as 'p']])];
  return Math.max(...pairs.map(([u, w]) => Math.abs(u! - w!) / Math.abs(w!)));
}

describe('CLV fitted over distinct histories', () => {
  it('groups the customers into fewer rows whose counts add up to every customer, repeat spenders apart', async () => {
    const perCustomer = await customerSummaries(store, AS_OF, 'day');
    const { frequency, spend } = await groupedSummary(store, summaryRows(AS_OF, 'day'));
    const sum = (v: Float64Array) => v.reduce((s, c) => s + c, 0);
    expect(sum(frequency.count)).toBe(perCustomer.x.length);
    expect(frequency.x.length).toBeLessThan(perCustomer.x.length);
    const spenders = perCustomer.x.filter((x, i) => x > 0 && perCustomer.monetary[i]! > 0).length;
    expect(spenders).toBeGreaterThan(0);
    expect(sum(spend.count)).toBe(spenders);
    expect(Math.min(...spend.x)).toBeGreaterThan(0);
  });

  it.each(['day', 'week'] as const)('gives the parameters of the per-customer fit to 1e-6 (unit %s)', async (unit) => {
    const before = fitSummary(await customerSummaries(store, AS_OF, unit), AS_OF, unit);
    const after = await fitClv(store, AS_OF, unit);
    expect(parameterGap(after, before)).toBeLessThan(1e-6);
    expect(after.bgnbd.customers).toBe(before.bgnbd.customers);
    expect(after.gamma_gamma.customers).toBe(before.gamma_gamma.customers);
    expect(after.bgnbd.log_likelihood).toBeCloseTo(before.bgnbd.log_likelihood, 6);
    // The histories come in the per-customer order with the same counts: BG/NBD adds the same terms, to the bit.
    expect(after.bgnbd.params).toEqual(before.bgnbd.params);
  });

  it("stores a run's scores from that fit, each customer's the same as one scored apart", async () => {
    const { fit, rows } = await materializeClvFeatures(store, AS_OF, 'scores');
    const perCustomer = await customerSummaries(store, AS_OF, 'day');
    expect(rows).toBe(perCustomer.x.length);
    expect(parameterGap(fit, fitSummary(perCustomer, AS_OF, 'day'))).toBeLessThan(1e-6);
    const stored = await store.all<{ customer_id: string }>(sql`SELECT customer_id FROM scores ORDER BY customer_id`);
    expect(stored.map((r) => r.customer_id)).toEqual(perCustomer.customerIds);
    const leftovers = await store.all(sql`SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'scores_%'`);
    expect(leftovers).toEqual([]);
  });
});
