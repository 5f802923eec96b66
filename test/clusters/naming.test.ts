import { describe, expect, it } from 'vitest';
import { nameClusters } from '../../src/clusters/naming.js';

/** A centroid from its z values; features not given sit at the median (0). */
const centroid = (z: Record<string, number>) => ({
  z: (f: string) => z[f] ?? 0,
  leans: Object.entries(z)
    .map(([feature, v]) => ({ feature, z: v }))
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z)),
});

describe('cluster names', () => {
  it('name each centroid after what it leans to most, each name once', () => {
    const names = nameClusters('behavior', [
      // Online Retail's returners: far out on returns, a little above the median on price.
      centroid({ return_rate: 4, weekend_share: 0.7, premium_index: 0.5 }),
      centroid({ premium_index: 1.5, items_per_order: -1.1 }),
      centroid({ discount_share: 2.2, premium_index: -1.5 }),
    ]).map((n) => n.name);
    expect(names).toEqual(['Frequent Returners', 'Quality Enthusiasts', 'Value Hunters']);
  });

  it('give High-Value to the biggest spenders even when they also order most', () => {
    const names = nameClusters('rfm', [
      centroid({ orders: 1.7, revenue: 1.5, recency_days: -1.1 }),
      centroid({ orders: 0.5, revenue: 0.5, recency_days: 0.1 }),
      centroid({ recency_days: 0.7, revenue: -0.9, orders: -0.4 }),
    ]).map((n) => n.name);
    expect(names[0]).toBe('High-Value');
    expect(names[2]).toBe('At-Risk');
  });

  it('fall back to the strongest leanings, and never repeat a name kept from an earlier fit', () => {
    const [named] = nameClusters('behavior', [centroid({ mobile_share: 0.2, items_per_order: -0.1 })], new Set());
    expect(named!.name).toBe('High mobile share, low items per order');
    const [again] = nameClusters('behavior', [centroid({ discount_share: 2 })], new Set(['Value Hunters']));
    expect(again!.name).not.toBe('Value Hunters');
  });
});
