import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movement, overlap } from '../../src/audiences/index.js';
import { storeRuleMemberships } from '../../src/audiences/rules.js';
import { storeAudienceSizes } from '../../src/audiences/sizes.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { FEATURE_TABLE } from '../../src/features/index.js';
import { rfmQuery } from '../../src/segments/index.js';
import { asTimestamp, formatTimestamp, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { ALL_ENGINES, storeOn, type Engine } from '../engines.js';
import { tempDir } from '../helpers.js';
import { ruleAudiencesAt } from '../helpers/rule-audiences.js';
import { fitClusters, runPipeline } from '../../src/pipeline/index.js';
import { MODEL_KINDS } from '../../src/clusters/index.js';

/**
 * The same store on DuckDB, on embedded ClickHouse (chdb) and on a ClickHouse server reached over HTTP: the feature table, the store's thresholds, the memberships of
 * rule audiences and smart segments as of a date (the run's rule step), with their scores, reasons and sizes, and
 * every customer's RFM scores and cell, are identical; floats to 1e-9 relative. Then whole runs at two dates with
 * clusterings fitted between them: every audience of every kind, features, CLV, movement and overlap identical.
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
    await close();
  }
}

async function audienceStep(store: Store): Promise<Run> {
  const { rules, idByName, thresholds } = await ruleAudiencesAt(store, RULES, AS_OF);
  await storeRuleMemberships(store, AS_OF, rules, idByName);
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

describe.skipIf(ALL_ENGINES.length < 2)('the same store on DuckDB and on ClickHouse (embedded, and a server over HTTP)', () => {
  const dir = tempDir();
  const runs = new Map<Engine, Run>();
  beforeAll(async () => {
    const files = await generateDemo({ customers: 600, seed: 11, outDir: dir.path });
    for (const engine of ALL_ENGINES) runs.set(engine, await run(engine, files));
  }, 180_000);
  afterAll(() => dir.cleanup());
  const others = ALL_ENGINES.filter((e) => e !== 'duckdb');

  it('computes every feature of every customer alike', () => {
    const duck = runs.get('duckdb')!;
    expect(duck.features.length).toBeGreaterThan(300);
    for (const e of others) expectSame(duck.features, runs.get(e)!.features, `features on ${e}`);
  });

  it('finds the same thresholds', () => {
    for (const e of others) expect(runs.get(e)!.thresholds, e).toEqual(runs.get('duckdb')!.thresholds);
  });

  it('gives every audience the same members, scores and reasons, and the same sizes', () => {
    const duck = runs.get('duckdb')!;
    const sizes = new Map(duck.sizes.map((s) => [String(s.audience_id), Number(s.size)]));
    // Every rule audience splits the customers, and the smart segments are in the comparison.
    for (const r of RULES) expect(sizes.get(r.name.toLowerCase().replaceAll(' ', '-')), r.name).toBeGreaterThan(0);
    expect(duck.sizes.filter((s) => Number(s.size) > 0).length).toBeGreaterThan(RULES.length + 3);
    for (const e of others) {
      expectSame(duck.memberships, runs.get(e)!.memberships, `memberships on ${e}`);
      expectSame(duck.sizes, runs.get(e)!.sizes, `sizes on ${e}`);
    }
  });

  it('scores every buyer into the same RFM cell', () => {
    const duck = runs.get('duckdb')!;
    expect(new Set(duck.rfm.map((r) => r.segment)).size).toBeGreaterThan(5);
    for (const e of others) expectSame(duck.rfm, runs.get(e)!.rfm, `rfm on ${e}`);
  });
});

/** What a whole run (runPipeline) stored: every audience's members with scores and reasons, features, CLV. */
interface WholeRun {
  audiences: Row[];
  memberships: Row[];
  features: Row[];
  clv: Row[];
  movement: unknown;
  overlap: unknown;
  previewLines: Row[];
  previewUnits: Row[];
}

const EARLIER = '2026-03-01 00:00:00';

async function wholeRun(engine: Engine, files: { products: string; customers: string; events: string }): Promise<WholeRun> {
  const { store, close } = await storeOn(engine, (s) => importDemoFiles(s, files));
  try {
    // Clusterings fitted on the run's features (as `segmint clusters` does), then kept and refitted by the next run.
    await runPipeline(store, EARLIER);
    await runPipeline(store, AS_OF);
    for (const kind of MODEL_KINDS) await fitClusters(store, kind, { seed: 7 });
    await runPipeline(store, AS_OF);
    return {
      audiences: await store.all(sql`SELECT id, kind FROM audiences ORDER BY id`),
      memberships: await store.all(sql`SELECT audience_id, customer_id, score, reasons FROM memberships WHERE as_of = ${at} ORDER BY audience_id, customer_id`),
      features: await store.all(sql`SELECT * FROM customer_features ORDER BY customer_id`),
      clv: await store.all(sql`SELECT customer_id, p_alive, expected_orders_90d, clv_365d FROM customer_clv WHERE as_of = ${at} ORDER BY customer_id`),
      movement: await movement(store, EARLIER, AS_OF, 'rfm'),
      overlap: await overlap(store, ['rfm-champions', 'rfm-loyal', 'Active Loyals', 'Big Spenders', 'One Time Shoppers']),
      // The lines kept for previews, carried from the first run's date to the second's: each with the customer and
      // product its numbers stand for, and the units summed by what they are kept by.
      previewLines: await store.all(sql`SELECT l.customer_id AS customer_id, l.type AS type, ${formatTimestamp(sql`l.ts`)} AS line_ts, l.product_id AS product_id, l.quantity AS quantity,
          k.customer_id AS numbered_customer, p.product_id AS numbered_product
        FROM behavior_preview_lines l LEFT JOIN behavior_preview_keys k ON k.ck = l.ck LEFT JOIN behavior_preview_product_keys p ON p.pk = l.pk
        ORDER BY l.customer_id, l.type, line_ts, l.product_id, l.quantity`),
      previewUnits: await store.all(sql`SELECT k.customer_id AS customer_id, u.type AS type, u.channel AS channel, u.device AS device, sum(u.quantity) AS quantity
        FROM behavior_preview_units u JOIN behavior_preview_keys k ON k.ck = u.ck
        GROUP BY k.customer_id, u.type, u.channel, u.device ORDER BY k.customer_id, u.type, u.channel, u.device`),
    };
  } finally {
    await close();
  }
}

describe.skipIf(ALL_ENGINES.length < 2)('a whole run on DuckDB and on ClickHouse', () => {
  const dir = tempDir();
  const runs = new Map<Engine, WholeRun>();
  beforeAll(async () => {
    const files = await generateDemo({ customers: 600, seed: 11, outDir: dir.path });
    for (const engine of ALL_ENGINES) runs.set(engine, await wholeRun(engine, files));
  }, 300_000);
  afterAll(() => dir.cleanup());
  const others = ALL_ENGINES.filter((e) => e !== 'duckdb');

  it('puts the same customers in every audience of every kind (behaviors, clusters, smart, RFM), with the same scores and reasons', () => {
    const duck = runs.get('duckdb')!;
    const kinds = new Set(duck.audiences.map((a) => a.kind));
    for (const kind of ['behavior', 'cluster', 'smart', 'rfm']) expect(kinds, kind).toContain(kind);
    const held = new Set(duck.memberships.map((m) => m.audience_id));
    expect(held.size).toBeGreaterThan(20);
    for (const e of others) {
      expect(runs.get(e)!.audiences, e).toEqual(duck.audiences);
      expectSame(duck.memberships, runs.get(e)!.memberships, `memberships on ${e}`);
    }
  });

  it('answers the same movement between the two runs and the same overlap', () => {
    const duck = runs.get('duckdb')!;
    const moved = duck.movement as { matrix: number[][]; audiences: Array<{ entered: number; left: number }> };
    // Customers changed RFM segment between the runs, and some pairs of the chosen audiences share members.
    expect(moved.audiences.some((a) => a.entered > 0 && a.left > 0)).toBe(true);
    expect((duck.overlap as { pairs: Array<{ both: number }> }).pairs.filter((p) => p.both > 0).length).toBeGreaterThan(1);
    for (const e of others) {
      // Sizes and flows exactly; the trend's revenue is a sum of doubles (1e-9 relative, as above).
      const { trend, ...flows } = runs.get(e)!.movement as { trend: Row[] };
      const { trend: duckTrend, ...duckFlows } = duck.movement as { trend: Row[] };
      expect(flows, `movement on ${e}`).toEqual(duckFlows);
      expectSame(duckTrend, trend, `movement trend on ${e}`);
      expect(runs.get(e)!.overlap, `overlap on ${e}`).toEqual(duck.overlap);
    }
  });

  it('keeps the same lines for previews, carried from one run to the next', () => {
    const duck = runs.get('duckdb')!;
    expect(duck.previewLines.length).toBeGreaterThan(1000);
    expect(duck.previewLines.every((l) => l.numbered_product === l.product_id)).toBe(true);
    for (const e of others) {
      expectSame(duck.previewLines, runs.get(e)!.previewLines, `preview lines on ${e}`);
      expectSame(duck.previewUnits, runs.get(e)!.previewUnits, `preview units on ${e}`);
    }
  });

  it('stores the same features and CLV for every customer', () => {
    const duck = runs.get('duckdb')!;
    expect(duck.clv.length).toBeGreaterThan(300);
    for (const e of others) {
      expectSame(duck.features, runs.get(e)!.features, `features on ${e}`);
      expectSame(duck.clv, runs.get(e)!.clv, `clv on ${e}`);
    }
  });
});
