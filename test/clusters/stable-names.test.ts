import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnsOf, fitDataset, type Dataset } from '../../src/clusters/fit.js';
import { CLUSTER_METHODS } from '../../src/clusters/methods.js';
import { loadModel, saveModel } from '../../src/clusters/model.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore } from '../helpers.js';

/** Two clear groups of buyers: recent big spenders, and long-lapsed one-order customers. */
function dataset(): Dataset {
  const rows = Array.from({ length: 400 }, (_, i) =>
    i % 2 === 0 ? { recency_days: 5 + (i % 17), orders: 20 + (i % 7), revenue: 4000 + 10 * (i % 50) } : { recency_days: 300 + (i % 23), orders: 1, revenue: 40 + (i % 30) },
  );
  const features = ['recency_days', 'orders', 'revenue'];
  return { kind: 'rfm', features, binary: 0, columns: columnsOf(rows, features), revenue: rows.map((r) => r.revenue), noun: 'customers', idPrefix: 'test-' };
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

describe('names and the data behind them', () => {
  /** 400 buyers, 30% of them on their phones; no launch dates unless `launches`, nothing else recorded. */
  const phones = (launches: boolean): Dataset => {
    const rows = Array.from({ length: 400 }, (_, i) => {
      const mobile = i % 10 < 3;
      const row: Record<string, number | null> = Object.fromEntries(CLUSTER_METHODS.behavior.features.map((f) => [f, null]));
      return { ...row, mobile_share: mobile ? 0.95 + (i % 5) / 100 : 0.1 + (i % 7) / 100, new_arrival_share: launches ? (mobile ? 0.6 : 0.1) + (i % 3) / 100 : null };
    });
    const features = [...CLUSTER_METHODS.behavior.features];
    return { kind: 'behavior', features, binary: 0, columns: columnsOf(rows, features), revenue: rows.map(() => 100), noun: 'customers', idPrefix: 'phones-' };
  };

  it('refuse a name whose signal the fitted rows do not have, with a plain name and a warning', async () => {
    const store = await memoryStore();
    try {
      const without = await fitDataset(store, phones(false), { asOf: '2026-01-01 00:00:00', k: 2 });
      const mobile = without.report.clusters.find((c) => c.size === 120)!;
      expect(mobile.name).toBe('Higher mobile share');
      expect(mobile.warnings).toEqual(['not named Trend Followers: new arrival share has no data in this fit (every value missing or the same)']);
      await store.run(sql`DELETE FROM settings`);
      const withLaunches = await fitDataset(store, phones(true), { asOf: '2026-01-01 00:00:00', k: 2 });
      expect(withLaunches.report.clusters.find((c) => c.size === 120)).toMatchObject({ name: 'Trend Followers', warnings: [] });
    } finally {
      store.close();
    }
  });
});
