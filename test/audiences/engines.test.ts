import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudiences } from '../../src/audiences/index.js';
import { insertAudience } from '../../src/audiences/repository.js';
import { rulesOf, storeRuleMemberships } from '../../src/audiences/rules.js';
import { storeAudienceSizes } from '../../src/audiences/sizes.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { FEATURE_TABLE, materializeFeatureTable } from '../../src/features/index.js';
import { rfmQuery, storeThresholds } from '../../src/segments/index.js';
import { asTimestamp, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { ENGINES, storeOn, type Engine } from '../engines.js';
import { tempDir } from '../helpers.js';

/**
 * The same store on DuckDB and on ClickHouse (chdb): the feature table, the store's thresholds, the memberships of
 * rule audiences and smart segments as of a date (the run's rule step), with their scores, reasons and sizes, and
 * every customer's RFM scores and cell, are identical; floats to 1e-9 relative. (A whole run does not go through
 * ClickHouse yet: behaviors, clusters and the steps after a run still speak DuckDB only.)
 */
const AS_OF = '2026-06-01 00:00:00';
const at = asTimestamp(AS_OF);
const RULES = [
  { name: 'Recent shoe buyers', rule: 'count(order where category = "shoes", last 90 days) >= 1' },
  { name: 'Loyal shoe buyers', rule: 'in audience "Recent shoe buyers" and orders >= 3' },
  { name: 'Lapsed browsers', rule: 'stopped(view, 180 days, 30 days) and orders <= 1' },
  { name: 'Premium spenders', rule: 'sum(order where tag = "premium", last 365 days) > 150 or premium_index >= 1.2' },
  { name: 'Linen or wool', rule: 'count(order where material in ["linen", "wool"]) >= 1 or last(view) >= 20 days ago' },
  { name: 'French women', rule: 'customer.country = "FR" and customer.attributes.gender = "f"' },
];

type Row = Record<string, unknown>;
interface Run {
  features: Row[];
  thresholds: Record<string, number>;
  memberships: Row[];
  sizes: Row[];
  rfm: Row[];
}

async function run(engine: Engine, files: { products: string; customers: string; events: string }): Promise<Run> {
  const { store, close } = await storeOn(engine, (s) => importDemoFiles(s, files));
  try {
    return await audienceStep(store);
  } finally {
    close();
  }
}

async function audienceStep(store: Store): Promise<Run> {
  for (const r of RULES) await insertAudience(store, r);
  await materializeFeatureTable(store, AS_OF);
  const thresholds = await storeThresholds(store, FEATURE_TABLE);
  const active = (await listAudiences(store)).filter((a) => a.active);
  const rules = rulesOf(active, thresholds);
  await storeRuleMemberships(store, AS_OF, rules, new Map(active.map((a) => [a.name, a.id])));
  await storeAudienceSizes(store, AS_OF, FEATURE_TABLE, rules.map((r) => ({ id: r.audience.id, text: r.text })));
  return {
    features: await store.all(sql`SELECT * FROM customer_features ORDER BY customer_id`),
    thresholds,
    memberships: await store.all(sql`SELECT audience_id, customer_id, score, reasons FROM memberships WHERE as_of = ${at} ORDER BY audience_id, customer_id`),
    sizes: await store.all(sql`SELECT audience_id, size, revenue, rule_text FROM audience_runs WHERE as_of = ${at} ORDER BY audience_id`),
    rfm: await store.all(sql`SELECT * FROM (${rfmQuery(FEATURE_TABLE)}) ORDER BY customer_id`),
  };
}

/** Equal, numbers to 1e-9 relative: sums of doubles differ in their last bits with the order they are added in. */
function expectSame(a: Row[], b: Row[], what: string): void {
  expect(b.length, what).toBe(a.length);
  a.forEach((row, i) => {
    const other = b[i]!;
    expect(Object.keys(other), what).toEqual(Object.keys(row));
    for (const [k, v] of Object.entries(row)) {
      const w = other[k];
      if (typeof v === 'number' && typeof w === 'number') expect(Math.abs(v - w), `${what} ${String(row.customer_id ?? row.audience_id)} ${k}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
      else expect(w, `${what} ${String(row.customer_id ?? row.audience_id)} ${k}`).toEqual(v);
    }
  });
}

describe.skipIf(ENGINES.length < 2)('the same store on DuckDB and on ClickHouse', () => {
  const dir = tempDir();
  const runs = new Map<Engine, Run>();
  beforeAll(async () => {
    const files = await generateDemo({ customers: 600, seed: 11, outDir: dir.path });
    for (const engine of ENGINES) runs.set(engine, await run(engine, files));
  }, 180_000);
  afterAll(() => dir.cleanup());

  it('computes every feature of every customer alike', () => {
    const duck = runs.get('duckdb')!;
    expect(duck.features.length).toBeGreaterThan(300);
    expectSame(duck.features, runs.get('chdb')!.features, 'features');
  });

  it('finds the same thresholds', () => {
    expect(runs.get('chdb')!.thresholds).toEqual(runs.get('duckdb')!.thresholds);
  });

  it('gives every audience the same members, scores and reasons, and the same sizes', () => {
    const duck = runs.get('duckdb')!;
    const sizes = new Map(duck.sizes.map((s) => [String(s.audience_id), Number(s.size)]));
    // Every rule audience splits the customers, and the smart segments are in the comparison.
    for (const r of RULES) expect(sizes.get(r.name.toLowerCase().replaceAll(' ', '-')), r.name).toBeGreaterThan(0);
    expect(duck.sizes.filter((s) => Number(s.size) > 0).length).toBeGreaterThan(RULES.length + 3);
    expectSame(duck.memberships, runs.get('chdb')!.memberships, 'memberships');
    expectSame(duck.sizes, runs.get('chdb')!.sizes, 'sizes');
  });

  it('scores every buyer into the same RFM cell', () => {
    const duck = runs.get('duckdb')!;
    expect(new Set(duck.rfm.map((r) => r.segment)).size).toBeGreaterThan(5);
    expectSame(duck.rfm, runs.get('chdb')!.rfm, 'rfm');
  });
});
