import { compareConversion, compareRevenue } from './compare.js';
import { requiredSample } from './power.js';
import {
  experimentInputSchema,
  experimentReportSchema,
  type ArmTotals,
  type Comparison,
  type ExperimentInput,
  type ExperimentReport,
  type GroupReport,
  type Plan,
} from './schema.js';
import { sampleRatioMismatch } from './srm.js';

interface Setting {
  arms: { id: string; weight: number }[];
  control: string;
  plan: Plan;
  reveal: boolean;
}

/**
 * The experiment's report, overall and per audience: each arm's counts, the SRM check, and every non-control arm
 * against the control on conversion rate and revenue per visitor. Input is parsed by its schema (a bad one throws a
 * ZodError naming the field); the answer is parsed by the response schema, so the API and the CLI print the same.
 */
export function experimentReport(raw: ExperimentInput): ExperimentReport {
  const input = experimentInputSchema.parse(raw);
  const setting: Setting = { arms: input.arms, control: input.control, plan: input.plan, reveal: input.reveal_on_mismatch };
  return experimentReportSchema.parse({
    experiment_id: input.experiment_id,
    control: input.control,
    plan: input.plan,
    overall: groupReport(input.totals, setting),
    audiences: input.audiences.map((a) => ({ audience_id: a.audience_id, ...groupReport(a.totals, setting) })),
  });
}

function groupReport(rows: ArmTotals[], s: Setting): GroupReport {
  const byArm = new Map(rows.map((row) => [row.arm, row]));
  const totals = s.arms.map((arm) => byArm.get(arm.id) ?? { arm: arm.id, exposures: 0, conversions: 0, revenue: 0, revenue_squares: 0 });
  const exposures = totals.reduce((sum, t) => sum + t.exposures, 0);
  const srm = exposures > 0 ? sampleRatioMismatch(s.arms.map((arm, i) => ({ arm: arm.id, exposures: totals[i]!.exposures, share: arm.weight / 100 }))) : null;
  const control = totals[s.arms.findIndex((arm) => arm.id === s.control)]!;
  const comparisons = s.arms.flatMap((arm, i) => (arm.id === s.control ? [] : [compare(totals[i]!, control, arm.weight, s)]));
  const warnings: GroupReport['warnings'] = [];
  if (srm?.mismatch) warnings.push('sample_ratio_mismatch');
  if (comparisons.some((c) => c.sample === null || c.sample.still_needed > 0)) warnings.push('underpowered');
  return {
    exposures,
    srm,
    arms: totals.map((t) => ({
      arm: t.arm,
      exposures: t.exposures,
      conversions: t.conversions,
      conversion_rate: t.exposures > 0 ? t.conversions / t.exposures : null,
      revenue_per_visitor: t.exposures > 0 ? t.revenue / t.exposures : null,
    })),
    comparisons: srm?.mismatch && !s.reveal ? null : comparisons,
    warnings,
  };
}

function compare(variant: ArmTotals, control: ArmTotals, weight: number, s: Setting): Comparison {
  const controlWeight = s.arms.find((arm) => arm.id === s.control)!.weight;
  const planned = { variant: (s.plan.planned_exposures * weight) / 100, control: (s.plan.planned_exposures * controlWeight) / 100 };
  const pair = { variant, control, planned, plan: s.plan };
  const conversion = compareConversion(pair);
  const required = conversion.control === null ? null : requiredSample(conversion.control, s.plan.minimum_effect, s.plan.alpha, s.plan.power, weight / controlWeight);
  const low = conversion.sequential?.ci.low ?? 0;
  const high = conversion.sequential?.ci.high ?? 0;
  return {
    arm: variant.arm,
    conversion_rate: conversion,
    revenue_per_visitor: compareRevenue(pair),
    sample: required && {
      required,
      // Traffic arrives at the weights, so the arm furthest behind, scaled by its share, says how long to go on.
      still_needed: Math.ceil(Math.max(0, ((required.control - control.exposures) * 100) / controlWeight, ((required.variant - variant.exposures) * 100) / weight)),
    },
    decision: low > 0 ? 'variant_better' : high < 0 ? 'control_better' : 'no_difference_yet',
  };
}
