import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience, listAudiences, runEventAggregates } from '../../src/audiences/index.js';
import { rulesOf, storeRuleMemberships } from '../../src/audiences/rules.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { FEATURE_TABLE, materializeCustomerFeatures } from '../../src/features/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { storeThresholds } from '../../src/segments/index.js';
import { ident, join, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * A run computes its rules' event aggregates that read no product in the features' grouping of every customer's
 * events (rules.ts runEventAggregates), and scans the others apart as the rules' step alone does. Both ways give the
 * same members, scores and reasons, and the feature table is the one computed without the rules' aggregates.
 */
const AS_OF = '2026-11-01 00:00:00';
const at = sql`CAST(${AS_OF} AS TIMESTAMP)`;
const RULES = [
  { name: 'Mobile viewers', rule: 'count(view where device = "mobile", last 30 days) >= 3' },
  { name: 'Lapsed buyers', rule: 'last(order) < 90 days ago and count(return, last 180 days) >= 1' },
  { name: 'Newcomers', rule: 'first(order) >= 180 days ago' },
  { name: 'Stopped buyers', rule: 'stopped(order, 365 days, 120 days)' },
  { name: 'Dress searchers', rule: 'count(search where query contains "dress", last 90 days) >= 1' },
  { name: 'App orders', rule: 'count(order where channel = "app" and price >= 50, between 2026-01-01 and 2026-10-31) >= 1' },
  { name: 'Mobile share', rule: 'share(order where device = "mobile", last 365 days) >= 0.5' },
  // Customers without any event before the date hold here: the features' grouping has no row for them.
  { name: 'No recent views', rule: 'count(view, last 30 days) = 0' },
  // A product filter with a window beside aggregates without one, in one rule: the product's group is scanned apart.
  { name: 'Shoes or carts', rule: 'count(order where category = "shoes", last 90 days) >= 1 or count(add_to_cart, last 30 days) >= 2' },
  { name: 'Premium spenders', rule: 'sum(order where tag = "premium", last 365 days) > 150' },
];

const dir = tempDir();
let store: Store;

beforeAll(async () => {
  store = await memoryStore();
  await importDemoFiles(store, await generateDemo({ customers: 600, seed: 23, outDir: dir.path }));
  for (const r of RULES) await createAudience(store, r);
}, 120_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

const memberships = (ids: readonly string[]) =>
  store.all<Record<string, unknown>>(sql`SELECT audience_id, customer_id, score, reasons FROM memberships
    WHERE as_of = ${at} AND audience_id IN (${join(ids.map((id) => sql`${id}`))}) ORDER BY 1, 2`);

describe("a run's rule event aggregates computed with the features", () => {
  it('give the members, scores and reasons of every aggregate scanned apart, and the same feature table', async () => {
    const active = (await listAudiences(store)).filter((a) => a.active);
    const fused = runEventAggregates(AS_OF, active);
    // Both paths are taken: aggregates computed with the features, and the product filters' scanned apart.
    expect(fused?.computed.columns.size).toBe(12);
    await runPipeline(store, AS_OF);
    const ruleIds = active.filter((a) => a.kind === 'rule').map((a) => a.id);
    expect(ruleIds).toHaveLength(RULES.length);
    const run = await memberships(ruleIds);

    await store.run(sql`DELETE FROM memberships WHERE as_of = ${at} AND audience_id IN (${join(ruleIds.map((id) => sql`${id}`))})`);
    await storeRuleMemberships(store, AS_OF, rulesOf(active, await storeThresholds(store, FEATURE_TABLE)), new Map(active.map((a) => [a.name, a.id])));
    const apart = await memberships(ruleIds);
    expect(run).toEqual(apart);
    // Every rule selects some customers and leaves some out; the customers without events are among the members.
    for (const id of ruleIds) {
      const n = run.filter((r) => r.audience_id === id).length;
      expect(n, id).toBeGreaterThan(0);
      expect(n, id).toBeLessThan(600);
    }
    const withoutEvents = await store.all<{ customer_id: string }>(sql`SELECT m.customer_id FROM memberships m JOIN audiences a ON a.id = m.audience_id
      WHERE m.as_of = ${at} AND a.name = 'No recent views' AND m.customer_id NOT IN (SELECT customer_id FROM events WHERE ts < ${at} AND customer_id IS NOT NULL)`);
    expect(withoutEvents.length).toBeGreaterThan(0);

    await materializeCustomerFeatures(store, AS_OF, 'features_alone');
    // Floats to 12 significant digits: the features' parallel sums differ in their last digits from one query to the next.
    const rows = async (table: string) =>
      (await store.all<Record<string, unknown>>(sql`SELECT * FROM ${ident(table)} ORDER BY customer_id`)).map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toPrecision(12)) : v])),
      );
    expect(await rows(FEATURE_TABLE)).toEqual(await rows('features_alone'));
    // The grouping's table is the run's own: gone once it is done.
    expect(await store.all(sql`SELECT table_name FROM information_schema.tables WHERE table_name = 'run_customer_events'`)).toEqual([]);
  });
});
