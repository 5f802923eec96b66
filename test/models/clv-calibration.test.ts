import { describe, expect, it } from 'vitest';
import { bgnbdLogLikelihood, compareHoldout, expectedOrders, fitBgNbd, type BgNbdParams } from '../../src/models/clv/index.js';
import { observedCovariance } from './clv-reference.js';
import { simulateBgNbd, spreadT } from './clv-simulate.js';

const TRUTH: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const HOLDOUT = 39;
const asParams = (v: readonly number[]): BgNbdParams => ({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! });

describe('BG/NBD calibration and holdout', () => {
  it('predicts the holdout purchases of 20,000 simulated customers within sampling error', () => {
    // Customers acquired over a year before the calibration end, followed for 39 more weeks.
    const sim = simulateBgNbd(TRUTH, spreadT(20_000, 0.5, 52, 21), 21, HOLDOUT);
    const fit = fitBgNbd(sim);
    const result = compareHoldout(fit.params, sim, sim.holdout, HOLDOUT);
    expect(result.actual_total).toBe(sim.holdout.reduce((s, v) => s + v, 0));
    expect(result.by_repeats.reduce((s, g) => s + g.customers, 0)).toBe(20_000);
    expect(result.by_repeats.reduce((s, g) => s + g.predicted, 0)).toBeCloseTo(result.predicted_total, 6);
    expect(result.by_repeats.reduce((s, g) => s + g.actual, 0)).toBe(result.actual_total);

    // Sampling error of actual - predicted: the customers' own randomness (each residual has mean zero given the
    // history, so their squares estimate its variance) plus the fitted parameters' (delta method, observed information).
    const theta = [fit.params.r, fit.params.alpha, fit.params.a, fit.params.b];
    const total = (v: readonly number[]): number => compareHoldout(asParams(v), sim, sim.holdout, HOLDOUT).predicted_total;
    let residual = 0;
    for (let i = 0; i < sim.x.length; i++) residual += (sim.holdout[i]! - expectedOrders(fit.params, sim.x[i]!, sim.tx[i]!, sim.T[i]!, HOLDOUT)) ** 2;
    const gradient = theta.map((v, i) => {
      const h = 1e-4 * v;
      return (total(theta.map((w, j) => (j === i ? w + h : w))) - total(theta.map((w, j) => (j === i ? w - h : w)))) / (2 * h);
    });
    const { cov } = observedCovariance((v) => bgnbdLogLikelihood(asParams(v), sim), theta);
    const parameterVariance = gradient.reduce((s, gi, i) => s + gradient.reduce((t, gj, j) => t + gi * cov[i]![j]! * gj, 0), 0);
    const z = (result.actual_total - result.predicted_total) / Math.sqrt(residual + parameterVariance);
    expect(Math.abs(z), `actual ${result.actual_total}, predicted ${result.predicted_total.toFixed(1)}, z ${z.toFixed(2)}`).toBeLessThan(3);
  });
});
