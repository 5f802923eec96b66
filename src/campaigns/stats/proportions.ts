import { normalTwoSided } from '../../models/index.js';
import { relativeUplift } from './relative.js';

interface ProportionComparison {
  control: number;
  variant: number;
  difference: { estimate: number; ci: { low: number; high: number } };
  relative: { estimate: number; ci: { low: number; high: number } } | null;
  z: number | null;
  pValue: number | null;
  /** Var(p̂_t) + Var(p̂_c), each p(1-p)/n: the Wald variance of the difference. */
  variance: number;
}

/**
 * Conversion rates: the difference with its Wald interval (unpooled variance), the relative uplift, and the two-sided
 * two-proportion z-test with the pooled variance under the null (equivalent to Pearson's chi-square on the 2x2 table).
 */
export function compareProportions(
  variant: { n: number; conversions: number },
  control: { n: number; conversions: number },
  z: number,
): ProportionComparison {
  const pt = variant.conversions / variant.n;
  const pc = control.conversions / control.n;
  const vt = (pt * (1 - pt)) / variant.n;
  const vc = (pc * (1 - pc)) / control.n;
  const diff = pt - pc;
  const half = z * Math.sqrt(vt + vc);
  const pooled = (variant.conversions + control.conversions) / (variant.n + control.n);
  const nullSe = Math.sqrt(pooled * (1 - pooled) * (1 / variant.n + 1 / control.n));
  const zStat = nullSe > 0 ? diff / nullSe : null;
  return {
    control: pc,
    variant: pt,
    difference: { estimate: diff, ci: { low: diff - half, high: diff + half } },
    relative: relativeUplift({ mean: pt, varianceOfMean: vt }, { mean: pc, varianceOfMean: vc }, z),
    z: zStat,
    pValue: zStat === null ? null : normalTwoSided(zStat),
    variance: vt + vc,
  };
}
