import { chiSquareSurvival } from '../../models/index.js';

const SRM_THRESHOLD = 0.001;

/**
 * Sample-ratio mismatch: Pearson's chi-square goodness of fit of the arms' exposures to the shares their weights
 * promise, k - 1 degrees of freedom. A split that far from the weights means assignment or logging is broken for some
 * visitors, and every comparison is suspect whatever its p-value (Fabijan et al. 2019).
 */
export function sampleRatioMismatch(arms: { arm: string; exposures: number; share: number }[]): {
  chi_square: number;
  df: number;
  p_value: number;
  mismatch: boolean;
  arms: { arm: string; exposures: number; expected: number }[];
} {
  const total = arms.reduce((sum, a) => sum + a.exposures, 0);
  const rows = arms.map((a) => ({ arm: a.arm, exposures: a.exposures, expected: total * a.share }));
  const chi = rows.reduce((sum, r) => sum + (r.exposures - r.expected) ** 2 / r.expected, 0);
  const df = arms.length - 1;
  const p = chiSquareSurvival(chi, df);
  return { chi_square: chi, df, p_value: p, mismatch: p < SRM_THRESHOLD, arms: rows };
}
