import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCustomers, LiveView, movement, NONE } from '../../src/audiences/index.js';
import { assign, fitProductClustering, loadModel, type ClusteringReport } from '../../src/clusters/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { adjustedRandIndex } from '../models/ari.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';
import { ConflictError } from '../../src/shared/errors.js';

/** The default demo store (`npm run demo`: 10,000 customers, seed 42), one run, clusterings fitted on it. */
const dir = tempDir();
const RUN = '2026-11-01 00:00:00';
const PERSONAS = 7;
let store: Store;
let truth: Map<string, string>;
let rfm: ClusteringReport;

const members = (prefix: string, asOf = RUN) =>
  store.all<{ customer_id: string; audience_id: string; score: number }>(sql`SELECT customer_id, audience_id, score FROM memberships
    WHERE audience_id LIKE ${`${prefix}%`} AND as_of = CAST(${asOf} AS TIMESTAMP) ORDER BY customer_id`);

beforeAll(async () => {
  const files = await generateDemo({ customers: 10_000, seed: 42, outDir: join(dir.path, 'demo') });
  truth = new Map(
    readFileSync(files.truth, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',') as [string, string]),
  );
  store = await Store.open({ path: join(dir.path, 'shop.duckdb') });
  await importDemoFiles(store, files);
  await runPipeline(store, RUN);
  rfm = await fitOnLatestRun(store, 'rfm');
}, 300_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('customer clusterings', () => {
  it('finds the hidden personas in behavioral clusters, with k chosen from the data (adjusted Rand index)', async () => {
    const chosen = await fitOnLatestRun(store, 'behavior');
    const rows = await members('cluster-behavior-');
    const ari = adjustedRandIndex(...labelsAgainstTruth(rows));
    console.log(`behavior clusters vs ${PERSONAS} hidden personas: ARI ${ari.toFixed(3)} at the chosen k = ${chosen.k} (${chosen.k_reason})`);
    console.log(chosen.clusters.map((c) => `  ${c.name}: ${c.size}`).join('\n'));
    expect(ari).toBeGreaterThanOrEqual(0.6);
    // Where a cluster carries a persona's name, that persona is most of it.
    const persona: Record<string, string> = {
      'Value Hunters': 'value_hunter',
      'Quality Enthusiasts': 'quality_enthusiast',
      'Trend Followers': 'trend_follower',
      'Stock-Up Shoppers': 'bulk_shopper',
      'Comfort Seekers': 'comfort_seeker',
      'Loyal Regulars': 'loyal_regular',
      'Window Shoppers': 'window_shopper',
    };
    const named = chosen.clusters.filter((c) => persona[c.name]);
    expect(named.length).toBeGreaterThanOrEqual(5);
    for (const c of named) {
      const inCluster = rows.filter((r) => r.audience_id === c.id).map((r) => truth.get(r.customer_id));
      expect(inCluster.filter((p) => p === persona[c.name]).length / inCluster.length, c.name).toBeGreaterThan(0.5);
    }
  });

  it('names RFM clusters from their centroids: High-Value spends the most, At-Risk has waited longest', async () => {
    expect(rfm.clusters.reduce((s, c) => s + c.size, 0)).toBe(rfm.customers);
    expect(rfm.clusters.reduce((s, c) => s + c.revenue_share, 0)).toBeCloseTo(1, 9);
    const byName = new Map(rfm.clusters.map((c) => [c.name, c]));
    const highValue = byName.get('High-Value');
    expect(highValue).toBeDefined();
    expect(Math.max(...rfm.clusters.map((c) => c.average_spend))).toBe(highValue!.average_spend);
    const recency = (c: { top_features: Array<{ feature: string; mean: number | null }> }) => c.top_features.find((f) => f.feature === 'recency_days')?.mean ?? -Infinity;
    const atRisk = byName.get('At-Risk');
    if (atRisk) expect(Math.max(...rfm.clusters.map(recency))).toBe(recency(atRisk));
    // Sizes are what the run stores as memberships.
    const stored = await members('cluster-rfm-');
    for (const c of rfm.clusters) expect(stored.filter((m) => m.audience_id === c.id).length, c.name).toBe(c.size);
  });

  it('assigns a customer in real time to the cluster the batch gave them, with the confidence it stored', async () => {
    const features = await store.all<Record<string, unknown> & { customer_id: string }>(sql`SELECT * FROM customer_features WHERE orders >= 1`);
    // The behavioral model is fitted on established customers only; the batch still places every buyer.
    for (const method of ['rfm', 'behavior'] as const) {
      const model = (await loadModel(store, method))!;
      const batch = new Map((await members(`cluster-${method}-`)).map((m) => [m.customer_id, m]));
      expect(batch.size).toBe(features.length);
      for (const f of features) {
        const live = assign(model, f);
        expect(live?.cluster.id, f.customer_id).toBe(batch.get(f.customer_id)?.audience_id);
        // The score is the confidence: 1 - nearest / second nearest distance, which the batch works out per buyer.
        expect(Math.abs(live!.confidence - batch.get(f.customer_id)!.score), f.customer_id).toBeLessThanOrEqual(1e-12);
      }
    }
    const batch = new Map((await members('cluster-rfm-')).map((m) => [m.customer_id, m.audience_id]));
    // Through the live view and the store-backed classification as well.
    const view = (await LiveView.build(store))!;
    const some = features.slice(0, 50).map((f) => f.customer_id);
    const live = await classifyCustomers(store, some, RUN);
    for (const id of some) {
      const expected = batch.get(id);
      expect(view.audiencesOf(id)!.audiences.find((a) => a.kind === 'cluster' && a.id.startsWith('cluster-rfm-'))?.id, id).toBe(expected);
      expect(live.get(id)!.find((a) => a.id.startsWith('cluster-rfm-'))?.id, id).toBe(expected);
    }
  });

  it('keeps cluster ids and names when a later run refits them', async () => {
    const methods = ['rfm', 'behavior'] as const;
    const before = await Promise.all(methods.map(async (m) => (await loadModel(store, m))!));
    const later = '2026-11-15 00:00:00';
    await runPipeline(store, later);
    const dist = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
    for (const [i, method] of methods.entries()) {
      const after = (await loadModel(store, method))!;
      expect(after.as_of).toBe(later);
      expect(after.clusters.map((c) => c.id).sort(), method).toEqual(before[i]!.clusters.map((c) => c.id).sort());
      for (const c of after.clusters) expect(c.name).toBe(before[i]!.clusters.find((b) => b.id === c.id)!.name);
      // Each cluster moved little: its new centroid is nearest to its own old one.
      for (const c of after.clusters) {
        const nearest = before[i]!.clusters.reduce((best, b) => (dist(c.centroid, b.centroid) < dist(c.centroid, best.centroid) ? b : best));
        expect(nearest.id).toBe(c.id);
      }
    }
    // Movement between the two runs, within the RFM clustering: every buyer of each run in exactly one cluster.
    const moved = await movement(store, RUN, later, 'cluster', 'rfm');
    expect(moved.labels).toEqual([...moved.audiences.map((a) => a.name), NONE]);
    const inAny = async (asOf: string) => (await members('cluster-rfm-', asOf)).length;
    const fromTotal = moved.matrix.slice(0, -1).reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
    const toTotal = moved.matrix.reduce((s, row) => s + row.slice(0, -1).reduce((a, b) => a + b, 0), 0);
    expect(fromTotal).toBe(await inAny(RUN));
    expect(toTotal).toBe(await inAny(later));
  });
});

describe('product clustering', () => {
  it('places every product, names each cluster once and describes it by its categories and tags', async () => {
    const report = await fitProductClustering(store, { k: 5 });
    const products = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM products`))!.n;
    expect(report.customers).toBe(products);
    expect(report.clusters.reduce((s, c) => s + c.size, 0)).toBe(products);
    expect(new Set(report.clusters.map((c) => c.name)).size).toBe(5);
    expect(report.clusters.some((c) => /mostly/.test(c.description))).toBe(true);
    // A product clustering is not a customer audience, and a run does not refit it.
    expect(await store.one(sql`SELECT id FROM audiences WHERE id LIKE 'product-cluster-%'`)).toBeUndefined();
    const model = (await loadModel(store, 'products'))!;
    const price = (c: (typeof model.clusters)[number]) => c.leans.find((f) => f.feature === 'price')!.mean!;
    const premium = model.clusters.find((c) => c.name === 'Premium Picks');
    // When the data gives a premium cluster, it is the one with the highest mean price.
    if (premium) expect(Math.max(...model.clusters.map(price))).toBe(price(premium));
    console.log(report.clusters.map((c) => `  ${c.name} (${c.size}): ${c.description}`).join('\n'));
  });
});

function labelsAgainstTruth(rows: Array<{ customer_id: string; audience_id: string }>): [string[], string[]] {
  return [rows.map((r) => truth.get(r.customer_id)!), rows.map((r) => r.audience_id)];
}

describe('a feature table from an earlier version, or none', () => {
  it('is refused as a conflict (409) with the missing features named and the remedy, not a SQL error', async () => {
    await store.run(sql`ALTER TABLE customer_features DROP COLUMN visit_conversion_rate`);
    const refusal = fitOnLatestRun(store, 'behavior');
    await expect(refusal).rejects.toThrow(/has no visit_conversion_rate \(it predates them\): run `segmint run`/);
    await expect(refusal).rejects.toBeInstanceOf(ConflictError);
  });

  it('is a conflict (409) before any run: the request is right, the store is not ready for it', async () => {
    const dir = tempDir();
    const empty = await Store.open({ path: join(dir.path, 'empty.duckdb') });
    try {
      const refusal = fitOnLatestRun(empty, 'rfm');
      await expect(refusal).rejects.toThrow(/^no feature table yet: run `segmint run`/);
      await expect(refusal).rejects.toBeInstanceOf(ConflictError);
    } finally {
      empty.close();
      dir.cleanup();
    }
  });
});
