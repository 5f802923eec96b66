/**
 * Always-valid inference for a difference of means: the normal-mixture confidence sequence (Robbins 1970; Howard,
 * Ramdas, McAuliffe, Sekhon 2021), which is the interval form of the mixture SPRT of Johari, Koomen, Pekelis, Walsh
 * (2017, 2022). With θ̂ the difference, V its variance at this look and a N(0, τ²) mixture over the true difference θ,
 * the likelihood ratio against θ0 is
 *   Λ(θ0) = sqrt(V / (V + τ²)) · exp(τ² (θ̂ - θ0)² / (2 V (V + τ²))),
 * a martingale under θ0, so by Ville's inequality P(Λ ever reaches 1/α) <= α: every look may be read.
 * The interval is the θ0 with Λ < 1/α and the p-value min(1, 1/Λ(0)).
 *
 * τ² is fixed by the plan, not the data seen: it makes the interval narrowest when the planned sample is reached,
 * τ² = r·V_plan with r solving r = 2 ln(1/α) + ln(1 + r) (Howard et al.'s choice of ρ, in the variance's units).
 */

/** r = 2 ln(1/α) + ln(1 + r): a contraction (slope 1/(1 + r) < 1), so iterating from 2 ln(1/α) converges. */
export function mixingRatio(alpha: number): number {
  const l = 2 * Math.log(1 / alpha);
  let r = l;
  for (let i = 0; i < 100; i++) r = l + Math.log1p(r);
  return r;
}

interface SequentialResult {
  ci: { low: number; high: number };
  p_value: number;
}

/** `variance` is V at this look; `plannedVariance` is what V will be at the planned sample. Null if either is not positive. */
export function mixtureInterval(estimate: number, variance: number, plannedVariance: number, alpha: number): SequentialResult | null {
  if (!(variance > 0 && plannedVariance > 0)) return null;
  const tau2 = mixingRatio(alpha) * plannedVariance;
  const spread = variance + tau2;
  const half = Math.sqrt(((variance * spread) / tau2) * (2 * Math.log(1 / alpha) + Math.log(spread / variance)));
  const logLambda = 0.5 * Math.log(variance / spread) + (tau2 * estimate * estimate) / (2 * variance * spread);
  return { ci: { low: estimate - half, high: estimate + half }, p_value: Math.min(1, Math.exp(-logLambda)) };
}
