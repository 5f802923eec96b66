import { studentQuantile, studentTwoSided } from '../../models/index.js';

interface WelchResult {
  difference: { estimate: number; ci: { low: number; high: number } };
  t: number;
  df: number;
  pValue: number;
  /** s_t²/n_t + s_c²/n_c: the variance of the difference of means. */
  variance: number;
}

/**
 * Welch's unequal-variance t-test of two means, from each arm's mean, sample variance and size (scipy's
 * ttest_ind(equal_var=False)). Null when a variance is undefined (an arm below two visitors) or both are zero.
 */
export function welch(
  variant: { mean: number; variance: number; n: number },
  control: { mean: number; variance: number; n: number },
  alpha: number,
): WelchResult | null {
  if (variant.n < 2 || control.n < 2) return null;
  const at = variant.variance / variant.n;
  const ac = control.variance / control.n;
  const v = at + ac;
  if (!(v > 0)) return null;
  const df = (v * v) / ((at * at) / (variant.n - 1) + (ac * ac) / (control.n - 1));
  const diff = variant.mean - control.mean;
  const t = diff / Math.sqrt(v);
  const half = studentQuantile(1 - alpha / 2, df) * Math.sqrt(v);
  return { difference: { estimate: diff, ci: { low: diff - half, high: diff + half } }, t, df, pValue: studentTwoSided(t, df), variance: v };
}
