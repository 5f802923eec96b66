import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { experimentReport, type ExperimentInput, type ExperimentReport } from '../../src/campaigns/stats/index.js';
import type { MetricComparison } from '../../src/campaigns/stats/schema.js';
import { simulateVisitors, totalsOf } from './experiment-data.js';
import { scipy } from './scipy.js';

const arms = [
  { id: 'control', weight: 40 },
  { id: 'free-shipping', weight: 40 },
  { id: 'holdout', weight: 20, holdout: true },
];
const plan = { alpha: 0.05, power: 0.8, minimum_effect: 0.1, planned_exposures: 60_000 };
const rows = simulateVisitors('exp-shipping', arms, { 'free-shipping': 1.25, holdout: 0.9 }, 25_000, 7);
const input: ExperimentInput = {
  experiment_id: 'exp-shipping',
  arms,
  control: 'control',
  plan,
  totals: arms.map((arm) => totalsOf(arm.id, rows.get(arm.id)!)),
};
const report = experimentReport(input);

// Worked out by scipy from the per-visitor rows, along other roads than the code: chi2_contingency for the z-test,
// ttest_ind on the rows for Welch and CUPED, Katz's form of the log-ratio interval, root finding for the MDE, the
// sample size (smallest n whose power reaches the plan) and the ends of the always-valid interval (where the
// mixture likelihood ratio reaches 1/alpha).
const EXPECTED = String.raw`
alpha, power, effect, planned = data["alpha"], data["power"], data["effect"], data["planned"]
z = stats.norm.ppf(1 - alpha / 2)
w = data["weights"]
arms = {k: {f: np.array(v[f], dtype=float) for f in v} for k, v in data["rows"].items()}
c = arms["control"]
r_star = optimize.brentq(lambda r: r - 2 * np.log(1 / alpha) - np.log1p(r), 1e-9, 1e3)

def sequential(d, V, Vplan):
    tau2 = r_star * Vplan
    loglam = lambda t0: 0.5 * np.log(V / (V + tau2)) + tau2 * (d - t0) ** 2 / (2 * V * (V + tau2))
    f = lambda t0: loglam(t0) - np.log(1 / alpha)
    span = 100 * np.sqrt(V + tau2)
    return {"low": optimize.brentq(f, d - span, d), "high": optimize.brentq(f, d, d + span), "p": min(1.0, float(np.exp(-loglam(0.0))))}

def welch_ci(a, b):
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    d = a.mean() - b.mean()
    h = stats.t.ppf(1 - alpha / 2, df) * np.sqrt(va + vb)
    return d, d - h, d + h, df

def cuped(yt, yc, xt, xc):
    x, y = np.concatenate([xt, xc]), np.concatenate([yt, yc])
    theta = np.cov(x, y)[0, 1] / np.var(x, ddof=1)
    at, ac = yt - theta * (xt - x.mean()), yc - theta * (xc - x.mean())
    d, lo, hi, _ = welch_ci(at, ac)
    raw = yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc)
    adj = at.var(ddof=1) / len(at) + ac.var(ddof=1) / len(ac)
    return {"theta": theta, "d": d, "low": lo, "high": hi, "p": stats.ttest_ind(at, ac, equal_var=False).pvalue, "reduction": 1 - adj / raw}

def power_at(d, se):
    return stats.norm.sf(z - d / se)

out = {}
counts = [len(arms[k]["y"]) for k in w]
out["srm"] = stats.chisquare(counts, [sum(counts) * w[k] / 100 for k in w]).pvalue
out["srm_chi"] = stats.chisquare(counts, [sum(counts) * w[k] / 100 for k in w]).statistic
for name, t in arms.items():
    if name == "control":
        continue
    nt, nc = len(t["y"]), len(c["y"])
    ct, cc = t["y"].sum(), c["y"].sum()
    pt, pc = ct / nt, cc / nc
    chi2, p, _, _ = stats.chi2_contingency([[ct, nt - ct], [cc, nc - cc]], correction=False)
    se = np.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    katz = np.sqrt((1 - pt) / (nt * pt) + (1 - pc) / (nc * pc))
    mde_se = np.sqrt(pc * (1 - pc) * (1 / nt + 1 / nc))
    mde = optimize.brentq(lambda d: power_at(d, mde_se) - power, 1e-12, 1)
    k = w[name] / w["control"]
    p2 = pc * (1 + effect)
    need_power = lambda n: power_at(p2 - pc, np.sqrt(pc * (1 - pc) / n + p2 * (1 - p2) / (k * n))) - power
    n_c = optimize.brentq(need_power, 2, 1e9)
    req_c, req_t = int(np.ceil(n_c)), int(np.ceil(n_c * k))
    planned_t, planned_c = planned * w[name] / 100, planned * w["control"] / 100
    conv = {
        "z": np.sign(pt - pc) * np.sqrt(chi2), "p": p, "d": pt - pc, "low": pt - pc - z * se, "high": pt - pc + z * se,
        "rel": pt / pc - 1, "rel_low": (pt / pc) * np.exp(-z * katz) - 1, "rel_high": (pt / pc) * np.exp(z * katz) - 1,
        "mde": mde, "mde_rel": mde / pc, "req_c": req_c, "req_t": req_t,
        "still": int(np.ceil(max(0, (req_c - nc) * 100 / w["control"], (req_t - nt) * 100 / w[name]))),
        "seq": sequential(pt - pc, se ** 2, pt * (1 - pt) / planned_t + pc * (1 - pc) / planned_c),
        "cuped": cuped(t["y"], c["y"], t["x"], c["x"]),
    }
    rt, rc = t["r"], c["r"]
    res = stats.ttest_ind(rt, rc, equal_var=False)
    d, lo, hi, df = welch_ci(rt, rc)
    lse = np.sqrt(rt.var(ddof=1) / nt / rt.mean() ** 2 + rc.var(ddof=1) / nc / rc.mean() ** 2)
    rmde_se = np.sqrt(rc.var(ddof=1) * (1 / nt + 1 / nc))
    rmde = optimize.brentq(lambda d: power_at(d, rmde_se) - power, 1e-12, 1e6)
    rev = {
        "t": res.statistic, "p": res.pvalue, "df": df, "d": d, "low": lo, "high": hi,
        "rel": rt.mean() / rc.mean() - 1, "rel_low": np.exp(np.log(rt.mean() / rc.mean()) - z * lse) - 1, "rel_high": np.exp(np.log(rt.mean() / rc.mean()) + z * lse) - 1,
        "mde": rmde, "mde_rel": rmde / rc.mean(),
        "seq": sequential(d, rt.var(ddof=1) / nt + rc.var(ddof=1) / nc, rt.var(ddof=1) / planned_t + rc.var(ddof=1) / planned_c),
        "cuped": cuped(rt, rc, t["x"], c["x"]),
    }
    out[name] = {"conv": conv, "rev": rev}
print(json.dumps(out, default=float))
`;

interface Metric {
  d: number; low: number; high: number; p: number; rel: number; rel_low: number; rel_high: number; mde: number; mde_rel: number;
  seq: { low: number; high: number; p: number };
  cuped: { theta: number; d: number; low: number; high: number; p: number; reduction: number };
}
type Expected = { srm: number; srm_chi: number } & Record<string, { conv: Metric & { z: number; req_c: number; req_t: number; still: number }; rev: Metric & { t: number; df: number } }>;

const expected = scipy<Expected>(EXPECTED, {
  alpha: plan.alpha,
  power: plan.power,
  effect: plan.minimum_effect,
  planned: plan.planned_exposures,
  weights: Object.fromEntries(arms.map((arm) => [arm.id, arm.weight])),
  rows: Object.fromEntries(rows),
});

/** Relative agreement: the two sides differ only by floating-point rounding along different roads. */
function agrees(actual: number | null | undefined, want: number, rel = 1e-7): void {
  expect(actual, `expected ${want}`).toBeTypeOf('number');
  expect(Math.abs(actual! - want)).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-15);
}

/** The difference and the relative difference of a metric, each with its interval, as scipy has them. */
function agreesOnDifferences(c: MetricComparison, e: Metric): void {
  agrees(c.difference?.estimate, e.d);
  agrees(c.difference?.ci.low, e.low);
  agrees(c.difference?.ci.high, e.high);
  agrees(c.relative?.estimate, e.rel);
  agrees(c.relative?.ci.low, e.rel_low);
  agrees(c.relative?.ci.high, e.rel_high);
}

function comparison(r: ExperimentReport, arm: string) {
  const found = r.overall.comparisons?.find((c) => c.arm === arm);
  if (!found) throw new Error(`no comparison for ${arm}`);
  return found;
}

describe('experimentReport against scipy', () => {
  it('sees no sample-ratio mismatch in a split made by the real bucketing, with scipy\'s chi-square', () => {
    expect(report.overall.srm?.mismatch).toBe(false);
    agrees(report.overall.srm?.chi_square, expected.srm_chi);
    agrees(report.overall.srm?.p_value, expected.srm);
    expect(report.overall.comparisons).not.toBeNull();
  });

  for (const arm of ['free-shipping', 'holdout']) {
    describe(arm, () => {
      it('conversion rate: z, p, the Wald and relative intervals', () => {
        const c = comparison(report, arm).conversion_rate;
        const e = expected[arm]!.conv;
        agrees(c.statistic, e.z);
        agrees(c.p_value, e.p);
        agreesOnDifferences(c, e);
      });

      it('revenue per visitor: Welch t, df, p and interval, the relative interval', () => {
        const c = comparison(report, arm).revenue_per_visitor;
        const e = expected[arm]!.rev;
        agrees(c.statistic, e.t);
        agrees(c.df, e.df);
        agrees(c.p_value, e.p);
        agreesOnDifferences(c, e);
      });

      it('minimum detectable effects and the sample still needed at 80% power', () => {
        const comp = comparison(report, arm);
        const e = expected[arm]!;
        agrees(comp.conversion_rate.mde?.absolute, e.conv.mde);
        agrees(comp.conversion_rate.mde?.relative, e.conv.mde_rel);
        agrees(comp.revenue_per_visitor.mde?.absolute, e.rev.mde);
        agrees(comp.revenue_per_visitor.mde?.relative, e.rev.mde_rel);
        expect(comp.sample).toEqual({ required: { control: e.conv.req_c, variant: e.conv.req_t }, still_needed: e.conv.still });
      });

      it('always-valid intervals and p-values', () => {
        const comp = comparison(report, arm);
        for (const [got, e] of [[comp.conversion_rate, expected[arm]!.conv], [comp.revenue_per_visitor, expected[arm]!.rev]] as const) {
          agrees(got.sequential?.ci.low, e.seq.low);
          agrees(got.sequential?.ci.high, e.seq.high);
          agrees(got.sequential?.p_value, e.seq.p);
          // Wider than the fixed-horizon interval: the price of reading it at every look.
          expect(got.sequential!.ci.high - got.sequential!.ci.low).toBeGreaterThan(got.difference!.ci.high - got.difference!.ci.low);
        }
      });

      it('CUPED beside the raw estimate, with less variance', () => {
        const comp = comparison(report, arm);
        for (const [got, e] of [[comp.conversion_rate, expected[arm]!.conv], [comp.revenue_per_visitor, expected[arm]!.rev]] as const) {
          agrees(got.cuped?.theta, e.cuped.theta);
          agrees(got.cuped?.difference.estimate, e.cuped.d);
          agrees(got.cuped?.difference.ci.low, e.cuped.low);
          agrees(got.cuped?.difference.ci.high, e.cuped.high);
          agrees(got.cuped?.p_value, e.cuped.p);
          agrees(got.cuped?.variance_reduction, e.cuped.reduction);
          expect(got.cuped!.variance_reduction).toBeGreaterThan(0.03);
        }
      });
    });
  }

  it('calls the planted +25% a win on the always-valid interval, and the holdout not one', () => {
    expect(comparison(report, 'free-shipping').decision).toBe('variant_better');
    expect(comparison(report, 'holdout').decision).not.toBe('variant_better');
    expect(report.overall.warnings).toContain('underpowered');
  });
});

describe('sample-ratio mismatch', () => {
  const split = (control: number, variant: number): ExperimentInput => ({
    experiment_id: 'exp-srm',
    arms: [{ id: 'control', weight: 50 }, { id: 'variant', weight: 50 }],
    control: 'control',
    plan,
    totals: [
      { arm: 'control', exposures: control, conversions: Math.round(control * 0.05), revenue: control * 2, revenue_squares: control * 90 },
      { arm: 'variant', exposures: variant, conversions: Math.round(variant * 0.06), revenue: variant * 2.2, revenue_squares: variant * 95 },
    ],
  });
  const pOf = (counts: number[]): number => scipy<number>('print(json.dumps(stats.chisquare(data).pvalue))', counts);

  it('flags p < 0.001 and hides the comparisons behind the warning', () => {
    const r = experimentReport(split(10_000, 9_400));
    agrees(r.overall.srm?.p_value, pOf([10_000, 9_400]));
    expect(r.overall.srm?.p_value).toBeLessThan(0.001);
    expect(r.overall.srm?.mismatch).toBe(true);
    expect(r.overall.warnings).toContain('sample_ratio_mismatch');
    expect(r.overall.comparisons).toBeNull();
    expect(r.overall.arms.map((a) => a.exposures)).toEqual([10_000, 9_400]);
  });

  it('shows them when asked to, still flagged', () => {
    const r = experimentReport({ ...split(10_000, 9_400), reveal_on_mismatch: true });
    expect(r.overall.comparisons).toHaveLength(1);
    expect(r.overall.warnings).toContain('sample_ratio_mismatch');
  });

  it('lets a split within chance through', () => {
    const r = experimentReport(split(10_000, 9_900));
    agrees(r.overall.srm?.p_value, pOf([10_000, 9_900]));
    expect(r.overall.srm?.mismatch).toBe(false);
    expect(r.overall.comparisons).toHaveLength(1);
  });
});

describe('per audience', () => {
  it('reports each audience as the whole report would on its totals', () => {
    const vip = simulateVisitors('exp-shipping', arms, { 'free-shipping': 1.1 }, 3_000, 11);
    const vipTotals = arms.map((arm) => totalsOf(arm.id, vip.get(arm.id)!));
    const r = experimentReport({ ...input, audiences: [{ audience_id: 'aud-vip', totals: vipTotals }] });
    const alone = experimentReport({ ...input, totals: vipTotals });
    expect(r.audiences).toEqual([{ audience_id: 'aud-vip', ...alone.overall }]);
    expect(r.overall).toEqual(report.overall);
  });
});

describe('bad input', () => {
  const fails = (patch: Partial<ExperimentInput>): string[] => {
    try {
      experimentReport({ ...input, ...patch });
    } catch (err) {
      if (err instanceof ZodError) return err.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw err;
    }
    throw new Error('accepted');
  };

  it('names the field', () => {
    expect(fails({ control: 'nope' })).toEqual(['control: control "nope" is not one of the arms']);
    expect(fails({ totals: [{ arm: 'control', exposures: 5, conversions: 6, revenue: 0, revenue_squares: 0 }] })).toEqual([
      'totals.0.conversions: conversions cannot exceed exposures',
    ]);
    expect(fails({ totals: [{ arm: 'ghost', exposures: 5, conversions: 1, revenue: 0, revenue_squares: 0 }] })).toEqual([
      'totals.0.arm: arm "ghost" is not one of the experiment\'s arms',
    ]);
    expect(fails({ arms: [{ id: 'control', weight: 60 }, { id: 'free-shipping', weight: 30 }], totals: input.totals.slice(0, 2) })).toEqual([
      'arms: weights add up to 90, not 100',
    ]);
    expect(fails({ plan: { ...plan, minimum_effect: 0 } })[0]).toMatch(/^plan\.minimum_effect: /);
  });

  it('answers nulls, not NaN, for arms without visitors', () => {
    const r = experimentReport({ ...input, totals: [totalsOf('control', rows.get('control')!)], reveal_on_mismatch: true });
    const c = comparison(r, 'free-shipping');
    expect(c.conversion_rate.variant).toBeNull();
    expect(c.conversion_rate.difference).toBeNull();
    expect(c.revenue_per_visitor.p_value).toBeNull();
    expect(c.decision).toBe('no_difference_yet');
    expect(r.overall.srm?.mismatch).toBe(true);
    const empty = experimentReport({ ...input, totals: [] });
    expect(empty.overall.srm).toBeNull();
    expect(empty.overall.comparisons?.map((x) => [x.conversion_rate.control, x.sample, x.decision])).toEqual([
      [null, null, 'no_difference_yet'],
      [null, null, 'no_difference_yet'],
    ]);
    expect(empty.overall.warnings).toEqual(['underpowered']);
  });
});
