import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';
import { columnsOf } from '../../src/clusters/fit.js';
import { clusterSample, drawSample, loadModel, SAMPLE_SIZE, type ClusterSample, type ClusteringModel } from '../../src/clusters/index.js';
import { principalComponents } from '../../src/clusters/components.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { ident, join as joinSql, sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/** The scatter's sample of a customer clustering: drawn at the fit, stratified, deterministic, on sensible axes. */
const dir = tempDir();
const RUN = '2026-11-01 00:00:00';
let store: Store;

beforeAll(async () => {
  const files = await generateDemo({ customers: 2500, seed: 21, outDir: join(dir.path, 'demo') });
  store = await Store.open({ path: join(dir.path, 'shop.duckdb') });
  await importDemoFiles(store, files);
  await runPipeline(store, RUN);
  await fitOnLatestRun(store, 'rfm', { seed: 1 });
  await fitOnLatestRun(store, 'behavior', { seed: 1 });
}, 300_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

type Model = ClusteringModel & { method: 'rfm' | 'behavior' };

/** What a fit samples from, read back from the run: the buyers' features, and the cluster the run stored each in. */
async function fitted(method: Model['method']) {
  const model = (await loadModel(store, method)) as Model;
  const rows = await store.all<Record<string, number | null> & { customer_id: string; audience_id: string }>(sql`
    SELECT f.customer_id, m.audience_id, ${joinSql(model.features.map((f) => sql`CAST(f.${ident(f)} AS DOUBLE) AS ${ident(f)}`))}
    FROM customer_features f JOIN memberships m ON m.customer_id = f.customer_id AND m.as_of = CAST(${RUN} AS TIMESTAMP)
    WHERE m.audience_id LIKE ${`cluster-${method}-%`} ORDER BY f.customer_id`);
  const index = new Map(model.clusters.map((c, j) => [c.id, j]));
  return { model, rows, ids: rows.map((r) => r.customer_id), assigned: Int32Array.from(rows, (r) => index.get(r.audience_id)!) };
}

const key = (p: readonly number[]) => p.join(',');

describe('the sample stored at the fit', () => {
  it('holds every buyer of a shop smaller than the sample, in the cluster the run stored, at their recency and spend', async () => {
    const sample = await clusterSample(store, 'rfm');
    const buyers = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM customer_features WHERE orders >= 1`);
    expect(buyers!.n).toBeLessThan(SAMPLE_SIZE);
    expect(sample.customers).toBe(buyers!.n);
    expect(sample.points).toHaveLength(buyers!.n);
    expect(sample).toMatchObject({ method: 'rfm', as_of: RUN, x: { feature: 'recency_days', unit: 'days' }, y: { feature: 'revenue', unit: 'currency' } });
    expect(sample.x.label).toMatch(/^Days from the last order/);
    // Each point is a member of the cluster it is coloured by, where the run put that member: the same multiset.
    const rows = await store.all<{ audience_id: string; x: number; y: number }>(sql`
      SELECT m.audience_id, CAST(f.recency_days AS DOUBLE) AS x, f.revenue AS y
      FROM memberships m JOIN customer_features f USING (customer_id)
      WHERE m.as_of = CAST(${RUN} AS TIMESTAMP) AND m.audience_id LIKE 'cluster-rfm-%'`);
    const members = rows.map((r) => ({ ...r, j: sample.clusters.findIndex((c) => c.id === r.audience_id) }));
    const round = (v: number) => +v.toPrecision(4);
    const expected = members.map((m) => key([round(m.x), round(m.y), m.j])).sort();
    expect(sample.points.map(key).sort()).toEqual(expected);
    expect(new Set(sample.points.map((p) => p[2])).size).toBe(sample.clusters.length);
    for (const [j, c] of sample.clusters.entries()) expect(c.sampled, c.name).toBe(members.filter((m) => m.j === j).length);
  });

  it('puts the behavioral clusters on their first two principal components, uncorrelated, the first the wider', async () => {
    const s = await clusterSample(store, 'behavior');
    expect(s.x.feature).toBeNull();
    expect(s.x.label).toMatch(/^Component 1: (more|less) \w+, (more|less) \w+, (more|less) \w+$/);
    expect(s.x.loadings).toHaveLength(3);
    expect(s.x.explained!).toBeGreaterThan(s.y.explained!);
    expect(s.x.explained! + s.y.explained!).toBeLessThan(1);
    const xs = s.points.map((p) => p[0]);
    const ys = s.points.map((p) => p[1]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const cov = (a: number[], b: number[]) => mean(a.map((v, i) => (v - mean(a)) * (b[i]! - mean(b))));
    expect(cov(xs, xs)).toBeGreaterThan(cov(ys, ys));
    expect(Math.abs(cov(xs, ys) / Math.sqrt(cov(xs, xs) * cov(ys, ys)))).toBeLessThan(0.001);
    // The clusters were fitted in this space, so their centres lie apart in it: the widest gap is several spreads.
    const centres = s.clusters.map((_, j) => s.points.filter((p) => p[2] === j)).map((pts) => [mean(pts.map((p) => p[0])), mean(pts.map((p) => p[1]))] as const);
    const gaps = centres.flatMap((a, i) => centres.slice(i + 1).map((b) => Math.hypot(a[0] - b[0], a[1] - b[1])));
    expect(Math.max(...gaps)).toBeGreaterThan(2 * Math.sqrt(cov(xs, xs)));
  });

  it('answers 404 naming the fit for a clustering never fitted', async () => {
    const other = await Store.open({ path: ':memory:' });
    try {
      await expect(clusterSample(other, 'rfm')).rejects.toThrow('no sample of the rfm clustering yet: fit it with `segmint clusters --method rfm`');
    } finally {
      other.close();
    }
  });
});

describe('drawing a sample smaller than the buyers', () => {
  it('takes at least 40 of each cluster and the rest by size, within the bound, the same whatever the order of the rows', async () => {
    const { model, rows, ids, assigned } = await fitted('behavior');
    const size = 400;
    const sample = drawSample(model, columnsOf(rows, model.features), ids, assigned, undefined, size);
    expect(sample.points.length).toBeLessThanOrEqual(size);
    expect(sample.points.length).toBeGreaterThan(size - model.clusters.length);
    const sizes = sample.clusters.map((c) => c.size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(rows.length);
    for (const c of sample.clusters) expect(c.sampled, c.name).toBeGreaterThanOrEqual(Math.min(40, c.size));
    // Above the floor, in proportion to size: the biggest cluster is drawn at a lower rate than the smallest, but most.
    const big = sample.clusters.reduce((a, b) => (b.size > a.size ? b : a));
    const small = sample.clusters.reduce((a, b) => (b.size < a.size ? b : a));
    expect(big.sampled).toBeGreaterThan(small.sampled);
    expect(big.sampled / big.size).toBeLessThan(small.sampled / small.size);
    for (const [j, c] of sample.clusters.entries()) expect(sample.points.filter((p) => p[2] === j).length).toBe(c.sampled);

    const order = rows.map((_, i) => i).sort((a, b) => (ids[b]! < ids[a]! ? -1 : 1));
    const reversed = drawSample(model, columnsOf(order.map((i) => rows[i]!), model.features), order.map((i) => ids[i]!), Int32Array.from(order, (i) => assigned[i]!), undefined, size);
    const set = (s: ClusterSample) => s.points.map(key).sort();
    expect(set(reversed)).toEqual(set(sample));
  });
});

describe('principal components', () => {
  it('finds the direction points spread along, and the one across it', () => {
    const n = 400;
    const rows = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      // Every step along has a point on either side, so the two directions are uncorrelated.
      const t = (Math.floor(i / 2) - n / 4) / 10;
      const across = i % 2 ? 1 : -1;
      // Along (0.6, 0.8, 0) with a wide spread, across along (0, 0, 1) with a narrow one.
      rows.set([0.6 * t + 5, 0.8 * t - 2, 0.3 * across], i * 3);
    }
    const [first, second] = principalComponents(rows, n, 3, 2);
    expect(first!.weights.map((w) => +w.toFixed(6) + 0)).toEqual([0.6, 0.8, 0]);
    expect(second!.weights.map((w) => Math.abs(+w.toFixed(6)) + 0)).toEqual([0, 0, 1]);
    expect(first!.explained + second!.explained).toBeCloseTo(1, 9);
    expect(first!.explained).toBeGreaterThan(0.9);
  });
});
