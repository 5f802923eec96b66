/**
 * The interval for a ratio of two independent means, variant / control - 1, by the delta method on the log of the
 * ratio: Var(log m) ≈ Var(m) / m². Working on the log keeps the interval above -100% and asymmetric, as a ratio's
 * should be (Katz's interval for a risk ratio when the means are proportions).
 */
export function relativeUplift(
  variant: { mean: number; varianceOfMean: number },
  control: { mean: number; varianceOfMean: number },
  z: number,
): { estimate: number; ci: { low: number; high: number } } | null {
  if (!(variant.mean > 0 && control.mean > 0)) return null;
  const logRatio = Math.log(variant.mean / control.mean);
  const se = Math.sqrt(variant.varianceOfMean / variant.mean ** 2 + control.varianceOfMean / control.mean ** 2);
  return { estimate: Math.expm1(logRatio), ci: { low: Math.expm1(logRatio - z * se), high: Math.expm1(logRatio + z * se) } };
}
