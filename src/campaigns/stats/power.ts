import { normalQuantile } from '../../models/index.js';

/** z_{1-α/2} + z_power: how many standard errors a true difference must span to be detected with that power. */
export function detectionSpan(alpha: number, power: number): number {
  return normalQuantile(1 - alpha / 2) + normalQuantile(power);
}

/**
 * Exposures each arm needs so a two-sided test at `alpha` detects a relative uplift `effect` of the baseline
 * conversion rate with `power`, the variant getting `ratio` times the control's visitors:
 *   n_c = (z_{1-α/2} + z_power)² (p1(1-p1) + p2(1-p2)/k) / (p2 - p1)²,  n_t = k n_c,  p2 = p1(1 + effect).
 * Null when there is no baseline (p1 of 0) or p2 would reach 100%. Use it to fix plan.planned_exposures.
 */
export function requiredSample(baseline: number, effect: number, alpha: number, power: number, ratio = 1): { control: number; variant: number } | null {
  const p1 = baseline;
  const p2 = baseline * (1 + effect);
  if (!(p1 > 0 && p2 < 1 && ratio > 0)) return null;
  const control = (detectionSpan(alpha, power) ** 2 * (p1 * (1 - p1) + (p2 * (1 - p2)) / ratio)) / (p2 - p1) ** 2;
  return { control: Math.ceil(control), variant: Math.ceil(control * ratio) };
}
