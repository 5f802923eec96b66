import { describe, expect, it } from 'vitest';
import { normalQuantile, normalTwoSided, studentQuantile, studentTwoSided } from '../../src/models/distributions.js';
import { mixingRatio } from '../../src/campaigns/stats/sequential.js';
import { scipy } from './scipy.js';

const probabilities = [1e-12, 1e-6, 0.001, 0.01, 0.025, 0.05, 0.2, 0.4999, 0.5, 0.6, 0.8, 0.95, 0.975, 0.999, 1 - 1e-9];
const zs = [-9, -5, -3, -1.959963984540054, -0.5, 0, 0.3, 1, 2.5, 4, 8];
const dfs = [1, 1.5, 2.7, 5, 13.2, 30, 200, 5_000, 250_000];
const ts = [0, 0.2, 1, 1.7, 2.5, 4, 12];

// The t quantile is checked through scipy's cdf at our answer, not scipy's ppf: Debian's scipy 1.10 inverts the t
// distribution at fractional degrees of freedom only to about 1e-9 (its own cdf at its ppf(0.2, 2.7) is 0.20000000028).
const ourTq = dfs.map((df) => probabilities.map((p) => studentQuantile(p, df)));

const expected = scipy<{ ppf: number[]; two: number[]; t2: number[][]; tq: number[][]; r: number[] }>(
  `p, z, dfs, ts = data["p"], data["z"], data["dfs"], data["ts"]
print(json.dumps({
  "ppf": [stats.norm.ppf(x) for x in p],
  "two": [2 * stats.norm.sf(abs(x)) for x in z],
  "t2": [[2 * stats.t.sf(t, d) for t in ts] for d in dfs],
  "tq": [[min(stats.t.cdf(q, d), stats.t.sf(q, d)) for q in qs] for d, qs in zip(dfs, data["tq"])],
  "r": [optimize.brentq(lambda r: r - 2 * np.log(1 / a) - np.log1p(r), 1e-9, 1e3) for a in [0.05, 0.01, 0.1]],
}, default=float))`,
  { p: probabilities, z: zs, dfs, ts, tq: ourTq },
);

/** Relative to the value for probabilities (their small tails matter); quantiles near 0 are held to `rel` absolute. */
function relClose(actual: number, want: number, rel: number, floor = 0): void {
  expect(Math.abs(actual - want), `${actual} vs scipy ${want}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(want), floor) + 1e-300);
}

describe('distributions against scipy', () => {
  it('normal quantile and two-sided tail', () => {
    probabilities.forEach((p, i) => relClose(normalQuantile(p), expected.ppf[i]!, 1e-14, 1));
    zs.forEach((z, i) => relClose(normalTwoSided(z), expected.two[i]!, 1e-12));
  });

  it('Student t two-sided tail and quantile, for fractional degrees of freedom too', () => {
    dfs.forEach((df, i) => ts.forEach((t, j) => relClose(studentTwoSided(t, df), expected.t2[i]![j]!, 1e-9)));
    // The tail beyond our quantile is the one asked for, relative to the smaller tail.
    dfs.forEach((_, i) => probabilities.forEach((p, j) => relClose(expected.tq[i]![j]!, Math.min(p, 1 - p), 1e-9)));
  });

  it('the mixing ratio r = 2 ln(1/alpha) + ln(1 + r)', () => {
    [0.05, 0.01, 0.1].forEach((a, i) => relClose(mixingRatio(a), expected.r[i]!, 1e-12));
  });

  it('refuses probabilities outside (0, 1)', () => {
    expect(() => normalQuantile(1)).toThrow(/normal quantile needs a probability strictly between 0 and 1, got 1/);
    expect(() => studentQuantile(0, 3)).toThrow(/t quantile needs a probability strictly between 0 and 1, got 0/);
  });
});
