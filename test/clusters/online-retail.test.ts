import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeClustering, type ClusteringReport } from '../../src/clusters/index.js';
import { importFile, presetMapping, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, memoryStore } from '../helpers.js';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';

/** Online Retail as of 2011-12-10: 4,339 buyers, no discounts, launch dates, browsing, devices or style tags. */
let store: Store;
beforeAll(async () => {
  store = await memoryStore();
  await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
  await runPipeline(store, '2011-12-10 00:00:00');
});
afterAll(() => store.close());

const plain = (c: ClusteringReport['clusters'][number]): boolean => /^(Stand out from|Close to) the other clusters/.test(c.description);

/** What every fit must hold: no archetype name on more than half of the buyers, High-Value on the richest cluster. */
function checkNames(report: ClusteringReport): void {
  const total = report.clusters.reduce((s, c) => s + c.size, 0);
  expect(total).toBe(report.customers);
  for (const c of report.clusters) {
    if (!plain(c)) expect(c.size / total, `${report.method} k = ${report.k}: ${c.name}`).toBeLessThanOrEqual(0.5);
    else expect(c.action).toBe('Look at the members before targeting');
  }
  const highValue = report.clusters.find((c) => c.name === 'High-Value');
  if (highValue) expect(highValue.average_spend).toBe(Math.max(...report.clusters.map((c) => c.average_spend)));
  // Names for signals the store does not record: discounts, launch dates, style tags, online visits.
  for (const missing of ['Value Hunters', 'Trend Followers', 'Comfort Seekers', 'Window Shoppers']) expect(report.clusters.map((c) => c.name)).not.toContain(missing);
}

describe('cluster names on Online Retail', () => {
  it('at the chosen k (2), refuse the names that would cover most buyers and say why', async () => {
    const rfm = await fitOnLatestRun(store, 'rfm');
    checkNames(rfm);
    expect(rfm.k).toBe(2);
    const [small, big] = [...rfm.clusters].sort((a, b) => a.size - b.size);
    expect(small!.name).toBe('High-Value');
    // 60% of the buyers lapsed longer and spent less than the others: a plain name, not At-Risk.
    expect(big!.size / rfm.customers).toBeGreaterThan(0.5);
    expect(plain(big!)).toBe(true);
    expect(big!.name).toMatch(/^Lower revenue/);
    expect(big!.warnings).toContain(`not named At-Risk: the name would fit ${Math.round((100 * big!.size) / rfm.customers)}% of the ${rfm.customers} customers, so it tells nobody apart`);

    const behavior = await fitOnLatestRun(store, 'behavior');
    checkNames(behavior);
    const weekend = behavior.clusters.find((c) => c.warnings.some((w) => w.startsWith('not named Weekend Shoppers: the name would fit 100%')));
    // Every buyer orders on Sundays more often than the median customer with 3+ orders (who never does).
    expect(weekend).toBeDefined();
    expect(weekend!.top_features.find((l) => l.feature === 'weekend_share')).toMatchObject({ median: 0 });
    expect(await describeClustering(store, 'behavior')).toEqual(behavior);
  });

  it('at other k as well', async () => {
    for (const method of ['rfm', 'behavior'] as const) {
      for (const k of [3, 4, 5, 6]) {
        const report = await fitOnLatestRun(store, method, { k });
        checkNames(report);
        expect(report.clusters.filter((c) => !plain(c)).length, `${method} k = ${k}`).toBeGreaterThan(0);
      }
    }
  });
});
