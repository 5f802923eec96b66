import type { ArmTotals } from './schema.js';

/**
 * One metric of one arm as sums over its exposed visitors: y is the metric per visitor (converted 0/1, or revenue),
 * x the pre-exposure covariate when there is one. Variances use n - 1, as scipy's ttest_ind does.
 */
export interface Moments {
  n: number;
  sum: number;
  squares: number;
  covariate: { sum: number; squares: number; withY: number } | null;
}

export type Metric = 'conversion_rate' | 'revenue_per_visitor';

export function momentsOf(totals: ArmTotals, metric: Metric): Moments {
  const conversion = metric === 'conversion_rate';
  const c = totals.covariate;
  return {
    n: totals.exposures,
    // converted is 0 or 1, so Σy² = Σy.
    sum: conversion ? totals.conversions : totals.revenue,
    squares: conversion ? totals.conversions : totals.revenue_squares,
    covariate: c ? { sum: c.sum, squares: c.squares, withY: conversion ? c.with_conversions : c.with_revenue } : null,
  };
}

export function mean(m: Moments): number {
  return m.sum / m.n;
}

/** The sample variance of y (n - 1); clamped at 0 where rounding of the sums leaves a hair below it. */
export function variance(m: Moments): number {
  return Math.max(0, (m.squares - (m.sum * m.sum) / m.n) / (m.n - 1));
}
