import { z } from 'zod';
import { armsSchema } from '../bucket.js';

/**
 * What the experiment report reads and returns. The input is sufficient statistics per arm (sums a SQL GROUP BY
 * gives), never per-visitor rows, so a report over millions of visitors is a few numbers; docs/experiments.md says
 * how each output is computed.
 */

const count = z.number().int().nonnegative();
const sum = z.number().finite();

const covariateTotalsSchema = z
  .object({
    sum: sum.describe('Σx over exposed visitors, x the pre-exposure covariate (spend before exposure, CLV)'),
    squares: z.number().nonnegative().finite().describe('Σx²'),
    with_revenue: sum.describe('Σx·revenue'),
    with_conversions: sum.describe('Σx·converted (converted 0 or 1)'),
  })
  .describe('sums of the pre-exposure covariate, for CUPED');

const armTotalsSchema = z
  .object({
    arm: z.string().min(1),
    exposures: count.describe('visitors exposed (assigned and counted once each)'),
    conversions: count.describe('exposed visitors who converted at least once'),
    revenue: z.number().nonnegative().finite().describe('Σ revenue per exposed visitor after exposure'),
    revenue_squares: z.number().nonnegative().finite().describe('Σ revenue² per exposed visitor'),
    covariate: covariateTotalsSchema.optional(),
  })
  .refine((t) => t.conversions <= t.exposures, { message: 'conversions cannot exceed exposures', path: ['conversions'] });
export type ArmTotals = z.infer<typeof armTotalsSchema>;

export const planSchema = z.object({
  alpha: z.number().gt(0).lt(0.5).default(0.05).describe('two-sided significance level'),
  power: z.number().gt(0.5).lt(1).default(0.8),
  minimum_effect: z.number().gt(0).describe('the relative uplift of the conversion rate the experiment is sized for: 0.05 is +5%'),
  planned_exposures: z
    .number()
    .int()
    .positive()
    .describe('total exposures the experiment plans, fixed when it starts: the always-valid intervals are tightest there'),
});
export type Plan = z.infer<typeof planSchema>;

export const experimentInputSchema = z
  .object({
    experiment_id: z.string().min(1),
    arms: armsSchema,
    control: z.string().min(1).describe('the arm every other arm is compared with'),
    plan: planSchema,
    totals: z.array(armTotalsSchema).describe('one row per arm over all exposed visitors; an arm without a row had none'),
    audiences: z
      .array(z.object({ audience_id: z.string().min(1), totals: z.array(armTotalsSchema) }))
      .default([])
      .describe('the same totals restricted to each audience'),
    reveal_on_mismatch: z.boolean().default(false).describe('return comparisons even under a sample-ratio mismatch'),
  })
  .superRefine((input, ctx) => {
    const ids = new Set(input.arms.map((arm) => arm.id));
    if (!ids.has(input.control)) ctx.addIssue({ code: 'custom', path: ['control'], message: `control "${input.control}" is not one of the arms` });
    const check = (rows: ArmTotals[], path: (string | number)[]): void => {
      const seen = new Set<string>();
      for (const [i, row] of rows.entries()) {
        if (!ids.has(row.arm)) ctx.addIssue({ code: 'custom', path: [...path, i, 'arm'], message: `arm "${row.arm}" is not one of the experiment's arms` });
        if (seen.has(row.arm)) ctx.addIssue({ code: 'custom', path: [...path, i, 'arm'], message: `arm "${row.arm}" has two rows` });
        seen.add(row.arm);
      }
    };
    check(input.totals, ['totals']);
    input.audiences.forEach((audience, i) => check(audience.totals, ['audiences', i, 'totals']));
  });
export type ExperimentInput = z.input<typeof experimentInputSchema>;

const intervalSchema = z.object({ low: z.number(), high: z.number() });

const estimateSchema = z.object({
  estimate: z.number(),
  ci: intervalSchema.describe('95% (1 - alpha) confidence interval'),
});

const sequentialSchema = z
  .object({
    ci: intervalSchema.describe('always-valid interval for the difference: stays valid however often it is looked at'),
    p_value: z.number().describe('always-valid p-value (1 / the mixture likelihood ratio, at most 1)'),
  })
  .describe('normal-mixture confidence sequence (mSPRT); see docs/experiments.md');

const cupedSchema = z
  .object({
    theta: z.number().describe('the regression slope of the metric on the covariate, pooled over both arms'),
    difference: estimateSchema,
    p_value: z.number(),
    variance_reduction: z.number().describe('1 - variance of the adjusted difference / variance of the raw one'),
  })
  .describe('CUPED: the difference after removing what the pre-exposure covariate predicts');

const metricComparisonSchema = z.object({
  control: z.number().nullable().describe('the control arm\'s value (rate or revenue per visitor)'),
  variant: z.number().nullable(),
  difference: estimateSchema.nullable().describe('variant - control'),
  relative: estimateSchema.nullable().describe('variant / control - 1, interval by the delta method on the log ratio'),
  statistic: z.number().nullable().describe('z (conversion rate, pooled two-proportion test) or Welch t (revenue)'),
  df: z.number().nullable().describe('Welch-Satterthwaite degrees of freedom; null for the z-test'),
  p_value: z.number().nullable().describe('two-sided, fixed-horizon: valid only if looked at once, at the planned sample'),
  sequential: sequentialSchema.nullable(),
  cuped: cupedSchema.nullable(),
  mde: z
    .object({ absolute: z.number(), relative: z.number().nullable() })
    .nullable()
    .describe('the smallest true difference the current sample detects with the planned power'),
});
export type MetricComparison = z.infer<typeof metricComparisonSchema>;

const comparisonSchema = z.object({
  arm: z.string(),
  conversion_rate: metricComparisonSchema,
  revenue_per_visitor: metricComparisonSchema,
  sample: z
    .object({
      required: z.object({ control: z.number().int(), variant: z.number().int() }).describe('exposures each arm needs for minimum_effect'),
      still_needed: z.number().int().describe('further exposures to the whole experiment, at its weights, until both arms have them'),
    })
    .nullable()
    .describe('null while the control has no conversions (no baseline rate) or the sized-for rate would pass 100%'),
  decision: z
    .enum(['variant_better', 'control_better', 'no_difference_yet'])
    .describe('from the always-valid conversion-rate interval: safe to read at every look'),
});
export type Comparison = z.infer<typeof comparisonSchema>;

const srmSchema = z
  .object({
    chi_square: z.number(),
    df: z.number().int(),
    p_value: z.number(),
    mismatch: z.boolean().describe('p < 0.001: the split differs from the weights, so the comparisons cannot be trusted'),
    arms: z.array(z.object({ arm: z.string(), exposures: z.number().int(), expected: z.number() })),
  })
  .describe('sample-ratio-mismatch check: chi-square goodness of fit of exposures to the arm weights');

const armSummarySchema = z.object({
  arm: z.string(),
  exposures: z.number().int(),
  conversions: z.number().int(),
  conversion_rate: z.number().nullable(),
  revenue_per_visitor: z.number().nullable(),
});

const groupReportSchema = z.object({
  exposures: z.number().int(),
  srm: srmSchema.nullable().describe('null before any exposure'),
  arms: z.array(armSummarySchema),
  comparisons: z
    .array(comparisonSchema)
    .nullable()
    .describe('each non-control arm against the control; null (hidden) under a sample-ratio mismatch unless revealed'),
  warnings: z.array(z.enum(['sample_ratio_mismatch', 'underpowered']).describe('underpowered: some arm is below the sample minimum_effect needs, or no baseline to size it yet')),
});
export type GroupReport = z.infer<typeof groupReportSchema>;

export const experimentReportSchema = z.object({
  experiment_id: z.string(),
  control: z.string(),
  plan: planSchema,
  overall: groupReportSchema,
  audiences: z.array(groupReportSchema.extend({ audience_id: z.string() })),
});
export type ExperimentReport = z.infer<typeof experimentReportSchema>;
