import { assignVariant } from '../../src/campaigns/bucket.js';
import type { ArmTotals } from '../../src/campaigns/stats/index.js';
import { createRng, type Rng } from '../../src/models/rng.js';

/** Per-visitor outcomes of one arm: converted (0/1), revenue after exposure, spend before exposure (the covariate). */
export interface ArmRows {
  y: number[];
  r: number[];
  x: number[];
}

export function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * A synthetic shop: visitors bucketed by the real assignVariant, whose spend before exposure predicts both whether
 * they buy and how much, so CUPED has something to remove; `lift` multiplies an arm's chance to convert.
 */
export function simulateVisitors(
  experimentId: string,
  arms: { id: string; weight: number }[],
  lift: Record<string, number>,
  visitors: number,
  seed: number,
): Map<string, ArmRows> {
  const rng = createRng(seed);
  const rows = new Map(arms.map((arm) => [arm.id, { y: [] as number[], r: [] as number[], x: [] as number[] }]));
  for (let i = 0; i < visitors; i++) {
    const arm = assignVariant(experimentId, `v${i}`, arms);
    const before = 60 * -Math.log(1 - rng.next());
    const p = Math.min(0.9, (0.01 + before / 1000) * (lift[arm] ?? 1));
    const converted = rng.next() < p ? 1 : 0;
    const revenue = converted ? 15 + 0.4 * before + 20 * Math.exp(0.5 * gaussian(rng)) : 0;
    const row = rows.get(arm)!;
    row.y.push(converted);
    row.r.push(revenue);
    row.x.push(before);
  }
  return rows;
}

/** The sums the report reads, as a GROUP BY arm would give them. */
export function totalsOf(arm: string, rows: ArmRows): ArmTotals {
  const s = (f: (i: number) => number): number => rows.y.reduce((sum, _, i) => sum + f(i), 0);
  return {
    arm,
    exposures: rows.y.length,
    conversions: s((i) => rows.y[i]!),
    revenue: s((i) => rows.r[i]!),
    revenue_squares: s((i) => rows.r[i]! ** 2),
    covariate: { sum: s((i) => rows.x[i]!), squares: s((i) => rows.x[i]! ** 2), with_revenue: s((i) => rows.x[i]! * rows.r[i]!), with_conversions: s((i) => rows.x[i]! * rows.y[i]!) },
  };
}
