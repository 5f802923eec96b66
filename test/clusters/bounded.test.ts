import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign, CLUSTER_METHODS, fitClustering, loadModel, type ClusterMethod } from '../../src/clusters/index.js';
import { columnsOf, fitDataset, fitSample, type Dataset } from '../../src/clusters/fit.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { FEATURE_TABLE } from '../../src/features/index.js';
import { fitScaling, kmeans, median } from '../../src/models/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { ident, join as joinSql, sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/**
 * k-means within the memory setting (issue 18): the fit reads columns of doubles and assigns in SQL, and on data that
 * fits it gives the clusters the fit on one object a customer gave; past the setting it fits on a sample.
 */
const RUN = '2026-11-01 00:00:00';
const dir = tempDir();
let store: Store;

beforeAll(async () => {
  store = await Store.open({ path: join(dir.path, 'shop.duckdb') });
  await importDemoFiles(store, await generateDemo({ customers: 4000, seed: 8, outDir: join(dir.path, 'demo') }));
  await runPipeline(store, RUN);
}, 300_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

/**
 * The fit as it was computed on row objects: medians of the fit rows fill, robust scaling, k-means at the same k and
 * seed, and each buyer counted at the centroid model.ts assign puts them nearest to.
 */
async function rowObjectFit(method: ClusterMethod, k: number) {
  const { features, fitFrom } = CLUSTER_METHODS[method];
  const rows = await store.all<Record<string, number | null>>(sql`
    SELECT CAST(orders AS DOUBLE) AS __orders, ${joinSql(features.map((f) => sql`CAST(${ident(f)} AS DOUBLE) AS ${ident(f)}`))}
    FROM ${ident(FEATURE_TABLE)} WHERE orders >= 1 ORDER BY customer_id`);
  const established = rows.filter((r) => r.__orders! >= fitFrom);
  const fitRows = fitFrom > 1 && established.length >= 500 ? established : rows;
  const fill = features.map((f) => median(fitRows.map((r) => r[f] ?? NaN)));
  const cols = features.length;
  const matrix = new Float64Array(fitRows.length * cols);
  fitRows.forEach((r, i) => features.forEach((f, c) => (matrix[i * cols + c] = r[f] ?? fill[c]!)));
  const scaled = fitScaling(matrix, fitRows.length, cols);
  const fit = await kmeans(scaled.data, fitRows.length, cols, { k, seed: 0 });
  return { fill, centroids: Array.from({ length: k }, (_, j) => Array.from(fit.centroids.subarray(j * cols, (j + 1) * cols))), rows };
}

describe('k-means on columns, assigned in SQL', () => {
  it.each(['rfm', 'behavior'] as const)('gives the %s clusters of the fit on row objects, sizes as assign counts them', async (method) => {
    await fitClustering(store, method, { table: FEATURE_TABLE, asOf: RUN, k: 4 });
    const model = (await loadModel(store, method))!;
    const reference = await rowObjectFit(method, 4);
    expect(model.fill).toEqual(reference.fill);
    expect(model.clusters.map((c) => c.centroid)).toEqual(reference.centroids);
    const sizes = model.clusters.map(() => 0);
    for (const r of reference.rows) sizes[model.clusters.indexOf(assign(model, { ...r, orders: r.__orders })!.cluster)]!++;
    expect(model.clusters.map((c) => c.size)).toEqual(sizes);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
  });
});

describe('k-means past the memory setting', () => {
  /** Three blobs apart in two features, `n` rows. */
  const blobs = (n: number): Dataset => {
    const rows = Array.from({ length: n }, (_, i) => {
      const blob = i % 3;
      const jitter = ((i * 7919) % 1000) / 1000;
      return { recency_days: 10 + 200 * blob + 20 * jitter, orders: 1 + 10 * blob + 2 * jitter, revenue: 100 + 3000 * blob + 50 * jitter };
    });
    const features = ['recency_days', 'orders', 'revenue'];
    return { kind: 'rfm', features, binary: 0, columns: columnsOf(rows, features), revenue: rows.map((r) => r.revenue), draws: Uint32Array.from(rows, (_, i) => (i * 2654435761) >>> 0), noun: 'customers', idPrefix: 'blob-' };
  };

  it('takes the rows whose draws are lowest, in row order, only when every row does not fit', () => {
    const rows = Int32Array.from({ length: 30_000 }, (_, i) => i);
    const draws = Uint32Array.from(rows, (i) => (i * 2654435761) >>> 0);
    expect(fitSample(rows, draws, 0, 1e12, 3)).toEqual({ rows, sampled: false });
    const { rows: kept, sampled } = fitSample(rows, draws, 0, 1e6, 3);
    expect(sampled).toBe(true);
    expect(kept.length).toBe(20_000);
    const lowest = Array.from(rows).sort((a, b) => draws[a]! - draws[b]!).slice(0, 20_000).sort((a, b) => a - b);
    expect(Array.from(kept)).toEqual(lowest);
  });

  it('fits on a sample, assigns every row, and places them as the fit on every row does', async () => {
    const small = await Store.open({ path: ':memory:', memory: { total: 256e6, duckdb: 150e6, structures: 1e6 } });
    const large = await Store.open({ path: ':memory:', memory: { total: 4e9, duckdb: 2e9, structures: 1e9 } });
    try {
      const sampled = await fitDataset(small, blobs(45_000), { asOf: RUN, k: 3 });
      const full = await fitDataset(large, blobs(45_000), { asOf: RUN, k: 3 });
      expect(sampled.report.k_reason).toMatch(/centroids from 20000 of the 45000 customers/);
      expect(full.report.k_reason).not.toMatch(/centroids from/);
      expect(sampled.assigned).toHaveLength(45_000);
      expect(sampled.report.customers).toBe(45_000);
      // The same partition, cluster for cluster (the indices may differ).
      const map = new Map<number, number>();
      sampled.assigned.forEach((j, i) => map.set(j, full.assigned[i]!));
      expect(map.size).toBe(3);
      expect(Array.from(sampled.assigned, (j) => map.get(j))).toEqual(Array.from(full.assigned));
    } finally {
      small.close();
      large.close();
    }
  });
});
