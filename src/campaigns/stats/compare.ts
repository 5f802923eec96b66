import { cuped } from './cuped.js';
import { normalQuantile } from '../../models/index.js';
import { mean, momentsOf, variance } from './moments.js';
import { detectionSpan } from './power.js';
import { compareProportions } from './proportions.js';
import { relativeUplift } from './relative.js';
import type { ArmTotals, MetricComparison, Plan } from './schema.js';
import { mixtureInterval } from './sequential.js';
import { welch } from './welch.js';

/** One arm against the control on one metric; `planned` is each arm's exposures at the planned sample. */
interface Pair {
  variant: ArmTotals;
  control: ArmTotals;
  planned: { variant: number; control: number };
  plan: Plan;
}

const EMPTY = { difference: null, relative: null, statistic: null, df: null, p_value: null, sequential: null, cuped: null, mde: null };

export function compareConversion({ variant, control, planned, plan }: Pair): MetricComparison {
  const [nt, nc] = [variant.exposures, control.exposures];
  const base = { control: nc > 0 ? control.conversions / nc : null, variant: nt > 0 ? variant.conversions / nt : null };
  if (nt === 0 || nc === 0) return { ...base, ...EMPTY };
  const test = compareProportions({ n: nt, conversions: variant.conversions }, { n: nc, conversions: control.conversions }, normalQuantile(1 - plan.alpha / 2));
  const [pt, pc] = [test.variant, test.control];
  const spread = pc * (1 - pc);
  const mde = detectionSpan(plan.alpha, plan.power) * Math.sqrt(spread * (1 / nt + 1 / nc));
  return {
    ...base,
    difference: test.difference,
    relative: test.relative,
    statistic: test.z,
    df: null,
    p_value: test.pValue,
    sequential: mixtureInterval(test.difference.estimate, test.variance, (pt * (1 - pt)) / planned.variant + spread / planned.control, plan.alpha),
    cuped: cupedOf(variant, control, 'conversion_rate', plan.alpha),
    // A control at 0% or 100% has no spread to size against: no honest MDE yet.
    mde: spread > 0 ? { absolute: mde, relative: mde / pc } : null,
  };
}

export function compareRevenue({ variant, control, planned, plan }: Pair): MetricComparison {
  const mt = momentsOf(variant, 'revenue_per_visitor');
  const mc = momentsOf(control, 'revenue_per_visitor');
  const base = { control: mc.n > 0 ? mean(mc) : null, variant: mt.n > 0 ? mean(mt) : null };
  if (mt.n < 2 || mc.n < 2) return { ...base, ...EMPTY };
  const [st, sc] = [variance(mt), variance(mc)];
  const test = welch({ mean: mean(mt), variance: st, n: mt.n }, { mean: mean(mc), variance: sc, n: mc.n }, plan.alpha);
  const mde = detectionSpan(plan.alpha, plan.power) * Math.sqrt(sc * (1 / mt.n + 1 / mc.n));
  const z = normalQuantile(1 - plan.alpha / 2);
  return {
    ...base,
    difference: test?.difference ?? null,
    relative: relativeUplift({ mean: mean(mt), varianceOfMean: st / mt.n }, { mean: mean(mc), varianceOfMean: sc / mc.n }, z),
    statistic: test?.t ?? null,
    df: test?.df ?? null,
    p_value: test?.pValue ?? null,
    sequential: test ? mixtureInterval(test.difference.estimate, test.variance, st / planned.variant + sc / planned.control, plan.alpha) : null,
    cuped: cupedOf(variant, control, 'revenue_per_visitor', plan.alpha),
    mde: sc > 0 ? { absolute: mde, relative: mean(mc) > 0 ? mde / mean(mc) : null } : null,
  };
}

function cupedOf(variant: ArmTotals, control: ArmTotals, metric: 'conversion_rate' | 'revenue_per_visitor', alpha: number): MetricComparison['cuped'] {
  const result = cuped(momentsOf(variant, metric), momentsOf(control, metric), alpha);
  return result && { theta: result.theta, difference: result.difference, p_value: result.pValue, variance_reduction: result.varianceReduction };
}
