import { describe, expect, it } from 'vitest';
import { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood, type GammaGammaParams } from '../../src/models/clv/index.js';
import { expectMaximumLikelihood, simpson } from './clv-reference.js';
import { sampler, simulateGammaGamma } from './clv-simulate.js';

// The CDNOW estimates of Fader, Hardie & Lee (2005), "RFM and CLV".
const TRUTH: GammaGammaParams = { p: 6.25, q: 3.74, v: 15.44 };
const NAMES = ['p', 'q', 'v'] as const;
const asParams = (t: readonly number[]): GammaGammaParams => ({ p: t[0]!, q: t[1]!, v: t[2]! });

// Repeat counts from 1 to about 20, geometric: most customers have few purchases to average.
const draw = sampler(3);
const x = Float64Array.from({ length: 25_000 }, () => 1 + Math.floor(Math.log(1 - draw.uniform()) / Math.log(0.7)));
const data = { x, monetary: simulateGammaGamma(TRUTH, x, 3) };
const logLik = (t: readonly number[]): number => gammaGammaLogLikelihood(asParams(t), data);
const fit = fitGammaGamma(data);

describe('Gamma-Gamma maximum likelihood', () => {
  it('recovers p, q and v from 25,000 simulated customers within 3 standard errors, at a true maximum', () => {
    expectMaximumLikelihood(NAMES, TRUTH, fit, logLik);
  });

  it('has an analytic gradient equal to central differences', () => {
    const at = [3, 5, 40];
    const grad = new Float64Array(3);
    gammaGammaLogLikelihood(asParams(at), data, grad);
    for (let i = 0; i < 3; i++) {
      const h = 1e-6 * at[i]!;
      const numeric = (logLik(at.map((v, j) => (j === i ? v + h : v))) - logLik(at.map((v, j) => (j === i ? v - h : v)))) / (2 * h);
      expect(grad[i]! / numeric).toBeCloseTo(1, 5);
    }
  });

  it('rejects customers without a repeat purchase or with a spend that is not positive', () => {
    expect(() => fitGammaGamma({ x: Float64Array.of(2, 0), monetary: Float64Array.of(10, 5) })).toThrow(/customer 1: .*x = 0/);
    expect(() => fitGammaGamma({ x: Float64Array.of(2, 1), monetary: Float64Array.of(10, -5) })).toThrow(/customer 1: .*m = -5/);
  });
});

describe('Gamma-Gamma expected spend', () => {
  /**
   * E[p / nu | x, m] by quadrature over nu (on a log scale): prior Gamma(q, v), and the mean of x Gamma(p, nu)
   * values, Gamma(p x, x nu), as likelihood.
   */
  function byQuadrature(g: GammaGammaParams, count: number, m: number): number {
    const logPosterior = (u: number): number => {
      const nu = Math.exp(u);
      return (g.q - 1) * u - g.v * nu + g.p * count * u - count * nu * m + u; // + u: dnu = nu du
    };
    const centre = Math.log((g.p * count + g.q) / (g.v + count * m));
    const peak = logPosterior(centre);
    const weight = (u: number): number => Math.exp(logPosterior(u) - peak);
    const [lo, hi] = [centre - 12, centre + 12];
    return simpson((u) => (g.p / Math.exp(u)) * weight(u), lo, hi) / simpson(weight, lo, hi);
  }

  it('agrees with the posterior mean by quadrature, and is the population mean without repeat purchases', () => {
    for (const [count, m] of [
      [1, 20],
      [3, 35.5],
      [10, 12],
      [40, 80],
    ] as const) {
      expect(expectedSpend(TRUTH, count, m) / byQuadrature(TRUTH, count, m)).toBeCloseTo(1, 9);
    }
    expect(expectedSpend(TRUTH, 0, 0)).toBeCloseTo((TRUTH.p * TRUTH.v) / (TRUTH.q - 1), 12);
    expect(expectedSpend({ p: 1, q: 0.5, v: 10 }, 0, 0)).toBeNaN();
  });
});
