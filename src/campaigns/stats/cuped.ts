import { mean, variance, type Moments } from './moments.js';
import { welch } from './welch.js';

interface CupedResult {
  theta: number;
  difference: { estimate: number; ci: { low: number; high: number } };
  pValue: number;
  varianceReduction: number;
}

/**
 * CUPED (Deng, Xu, Kohavi, Walker 2013): y - θ(x - x̄) per visitor, θ = Cov(x, y) / Var(x) pooled over both arms, where
 * x was measured before exposure and so cannot be moved by the variant. The adjusted difference estimates the same
 * effect with the variance the covariate explains removed; its test is Welch's on the adjusted values. Null without
 * a covariate in both arms, or when the covariate does not vary.
 */
export function cuped(variant: Moments, control: Moments, alpha: number): CupedResult | null {
  const xt = variant.covariate;
  const xc = control.covariate;
  if (!xt || !xc || variant.n < 2 || control.n < 2) return null;
  const n = variant.n + control.n;
  const sx = xt.sum + xc.sum;
  const sy = variant.sum + control.sum;
  const varX = (xt.squares + xc.squares - (sx * sx) / n) / (n - 1);
  if (!(varX > 0)) return null;
  const theta = (xt.withY + xc.withY - (sx * sy) / n) / (n - 1) / varX;
  const xBar = sx / n;
  const adjusted = (m: Moments, x: NonNullable<Moments['covariate']>): { mean: number; variance: number; n: number } => {
    const vx = Math.max(0, (x.squares - (x.sum * x.sum) / m.n) / (m.n - 1));
    const cxy = (x.withY - (x.sum * m.sum) / m.n) / (m.n - 1);
    return { mean: mean(m) - theta * (x.sum / m.n - xBar), variance: Math.max(0, variance(m) - 2 * theta * cxy + theta * theta * vx), n: m.n };
  };
  const test = welch(adjusted(variant, xt), adjusted(control, xc), alpha);
  if (!test) return null;
  const raw = variance(variant) / variant.n + variance(control) / control.n;
  return { theta, difference: test.difference, pValue: test.pValue, varianceReduction: raw > 0 ? 1 - test.variance / raw : 0 };
}
