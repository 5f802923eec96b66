import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitDataset, type Dataset } from '../../src/clusters/fit.js';
import { loadModel, saveModel } from '../../src/clusters/model.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore } from '../helpers.js';

/** Two clear groups of buyers: recent big spenders, and long-lapsed one-order customers. */
function dataset(): Dataset {
  const rows = Array.from({ length: 400 }, (_, i) =>
    i % 2 === 0 ? { recency_days: 5 + (i % 17), orders: 20 + (i % 7), revenue: 4000 + 10 * (i % 50) } : { recency_days: 300 + (i % 23), orders: 1, revenue: 40 + (i % 30) },
  );
  return { kind: 'rfm', features: ['recency_days', 'orders', 'revenue'], binary: 0, rows, revenue: rows.map((r) => r.revenue), noun: 'customers', idPrefix: 'test-' };
}

let store: Store;
beforeAll(async () => {
  store = await memoryStore();
});
afterAll(() => store.close());

describe('names across refits', () => {
  it('keep a cluster that stayed near its old centroid and name afresh one that moved far', async () => {
    const first = await fitDataset(store, dataset(), { asOf: '2026-01-01 00:00:00', k: 2 });
    expect(first.model.clusters.map((c) => c.name).sort()).toEqual(['At-Risk', 'High-Value']);
    // Pretend an earlier fit gave them other ids, and that the lapsed group then sat 3 units further out.
    const earlier = (await loadModel(store, 'rfm'))!;
    await saveModel(store, {
      ...earlier,
      clusters: earlier.clusters.map((c) => (c.name === 'High-Value' ? { ...c, id: 'test-stayed' } : { ...c, id: 'test-moved', centroid: c.centroid.map((v) => v + 3) })),
    });
    const refit = await fitDataset(store, dataset(), { asOf: '2026-02-01 00:00:00', k: 2 });
    const names = refit.model.clusters.map((c) => `${c.id}: ${c.name}`).sort();
    expect(names).toEqual(['test-at-risk: At-Risk', 'test-stayed: High-Value']);
  });

  it('drop a kept name that no longer describes its cluster', async () => {
    // The earlier fit's name for the big spenders is a plain one this fit would not give them: named afresh.
    const earlier = (await loadModel(store, 'rfm'))!;
    await saveModel(store, { ...earlier, clusters: earlier.clusters.map((c) => (c.name === 'High-Value' ? { ...c, id: 'test-old', name: 'Lower revenue' } : c)) });
    const refit = await fitDataset(store, dataset(), { asOf: '2026-03-01 00:00:00', k: 2 });
    expect(refit.model.clusters.map((c) => `${c.id}: ${c.name}`).sort()).toEqual(['test-at-risk: At-Risk', 'test-high-value: High-Value']);
  });
});
