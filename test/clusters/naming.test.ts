import { describe, expect, it } from 'vitest';
import { nameClusters, type ClusterFacts } from '../../src/clusters/naming.js';
import { CLUSTER_METHODS } from '../../src/clusters/methods.js';

/**
 * A cluster from its centroid's z values (features not given sit at the median, 0), its size, and its members' mean
 * of each feature (the z value itself unless given).
 */
const cluster = (z: Record<string, number>, size = 100, means: Record<string, number> = {}, kept?: string): ClusterFacts => ({
  z: (f) => z[f] ?? 0,
  mean: (f) => means[f] ?? z[f] ?? 0,
  size,
  kept,
});

const everything = { hasData: () => true };
const behavior = { features: CLUSTER_METHODS.behavior.features, ...everything };
const rfm = { features: CLUSTER_METHODS.rfm.features, ...everything };
const names = (kind: 'rfm' | 'behavior', clusters: ClusterFacts[], context = kind === 'rfm' ? rfm : behavior) => nameClusters(kind, clusters, context).map((n) => n.name);

describe('cluster names', () => {
  it('name each centroid after what it leans to most, each name once', () => {
    expect(
      names('behavior', [
        // Online Retail's returners: far out on returns, a little above the median on price.
        cluster({ return_rate: 4, weekend_share: 0.7, premium_index: 0.5 }),
        cluster({ premium_index: 1.5, items_per_order: -1.1 }),
        cluster({ discount_share: 2.2, premium_index: -1.5 }),
      ]),
    ).toEqual(['Frequent Returners', 'Quality Enthusiasts', 'Value Hunters']);
  });

  it('give High-Value to the biggest spenders even when they also order most', () => {
    const [first, , third] = names('rfm', [
      cluster({ orders: 1.7, revenue: 1.5, recency_days: -1.1 }),
      cluster({ orders: 0.5, revenue: 0.5, recency_days: 0.1 }),
      cluster({ recency_days: 0.7, revenue: -0.9, orders: -0.4 }),
    ]);
    expect([first, third]).toEqual(['High-Value', 'At-Risk']);
  });

  it('give High-Value only to the richest cluster, whichever the centroids favour', () => {
    // The second cluster scores higher on High-Value's formula (many orders, recent), but the first spends more.
    const [first, second] = names('rfm', [
      cluster({ revenue: 1.2, orders: 0.2, recency_days: 0.3 }, 100, { revenue: 9000 }),
      cluster({ revenue: 1.0, orders: 1.5, recency_days: -1 }, 100, { revenue: 3000 }),
      cluster({ revenue: -1, orders: -0.5, recency_days: 1 }, 300, { revenue: 100 }),
    ]);
    expect(first).toBe('High-Value');
    expect(second).not.toBe('High-Value');
  });

  it('refuse a name that would fit more than half of the customers: a plain name relative to the others, and a warning', () => {
    // Online Retail, k = 2: both clusters order on Sundays more than the fitted median; the big one returns less.
    const named = nameClusters('behavior', [cluster({ return_rate: 4, weekend_share: 0.7 }, 576), cluster({ return_rate: 0.2, weekend_share: 0.8 }, 3763)], behavior);
    expect(named.map((n) => n.name)).toEqual(['Frequent Returners', 'Lower return rate']);
    expect(named[1]!.description).toBe('Stand out from the other clusters by lower return rate');
    expect(named[1]!.warnings).toEqual(['not named Weekend Shoppers: the name would fit 100% of the 4339 customers, so it tells nobody apart']);
    expect(named[0]!.warnings).toEqual([]);
    // At exactly half, the name still tells the two halves apart.
    expect(names('behavior', [cluster({ weekend_share: 1 }, 500), cluster({ weekend_share: -1 }, 500)])[0]).toBe('Weekend Shoppers');
  });

  it('refuse a name whose signal has no data in the fit, with a warning naming it', () => {
    // No launch dates (new arrival share missing): a mobile lean alone would have made Trend Followers.
    const context = { features: CLUSTER_METHODS.behavior.features, hasData: (f: string) => f !== 'new_arrival_share' };
    const named = nameClusters('behavior', [cluster({ mobile_share: 2 }, 100), cluster({ mobile_share: -0.5 }, 400)], context);
    expect(named[0]!.name).toBe('Higher mobile share');
    expect(named[0]!.warnings).toEqual(['not named Trend Followers: new arrival share has no data in this fit (every value missing or the same)']);
    expect(nameClusters('behavior', [cluster({ mobile_share: 2 }, 100), cluster({ mobile_share: -0.5 }, 400)], behavior)[0]!.name).toBe('Trend Followers');
  });

  it('keep a previous name only while it still fits, and never repeat a name kept', () => {
    // A plain name stays while this fit would give the cluster the same one; one it would not give is replaced.
    const clusters = [cluster({ revenue: 2, orders: 1 }, 100, {}, 'High-Value'), cluster({ revenue: -1 }, 300, {}, 'Lower revenue'), cluster({ revenue: 0.1 }, 100, {}, 'My own name')];
    const kept = nameClusters('rfm', clusters, rfm);
    expect(kept.map((n) => [n.name, n.kept])).toEqual([
      ['High-Value', true],
      ['Lower revenue', true],
      ['Higher revenue', false],
    ]);
    // The big low spenders are Occasional Buyers by their centroid, but that is 60% of the customers.
    expect(kept[1]!.warnings).toEqual(['not named Occasional Buyers: the name would fit 60% of the 500 customers, so it tells nobody apart']);
    // The cluster kept as High-Value is no longer the richest: it loses the name.
    const moved = nameClusters('rfm', [cluster({ revenue: 0.2 }, 100, {}, 'High-Value'), cluster({ revenue: 2, orders: 1 }, 100)], rfm);
    expect(moved.map((n) => [n.name, n.kept])).toEqual([
      [expect.not.stringMatching(/^High-Value$/), false],
      ['High-Value', false],
    ]);
  });

  it('name a cluster close to all others Typical', () => {
    expect(names('behavior', [cluster({ mobile_share: 0.1 }), cluster({ mobile_share: 0.05 })])).toEqual(['Typical', 'Typical 2']);
  });
});
