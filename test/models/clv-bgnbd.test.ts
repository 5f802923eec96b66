import { describe, expect, it } from 'vitest';
import { bgnbdLogLikelihood, expectedIfAlive, expectedOrders, fitBgNbd, pAlive, type BgNbdParams } from '../../src/models/clv/index.js';
import { prepareFrequency } from '../../src/models/clv/bgnbd.js';
import { betaExpectation, expectMaximumLikelihood, hyp2f1Series } from './clv-reference.js';
import { simulateBgNbd, spreadT } from './clv-simulate.js';

// The CDNOW estimates of Fader, Hardie & Lee (2005), in weeks.
const TRUTH: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const NAMES = ['r', 'alpha', 'a', 'b'] as const;
const asParams = (v: readonly number[]): BgNbdParams => ({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! });

const data = simulateBgNbd(TRUTH, spreadT(40_000, 4, 78, 7), 7);
const prepared = prepareFrequency(data);
const logLik = (v: readonly number[]): number => bgnbdLogLikelihood(asParams(v), prepared);
const fit = fitBgNbd(data);

/**
 * Bayes' rule with lambda integrated out exactly and p by quadrature: given (x, t_x, T) the customer is alive with
 * weight E_p[(1-p)^x] (alpha+T)^-(r+x) against E_p[p (1-p)^(x-1)] (alpha+t_x)^-(r+x) for having dropped out.
 */
function pAliveByQuadrature(p: BgNbdParams, x: number, tx: number, T: number): number {
  const alive = betaExpectation(p.a, p.b, (_, q) => q ** x) * (p.alpha + T) ** -(p.r + x);
  const gone = x === 0 ? 0 : betaExpectation(p.a, p.b, (u, q) => u * q ** (x - 1)) * (p.alpha + tx) ** -(p.r + x);
  return alive / (alive + gone);
}

/** E[purchases in (T, T+t] | alive]: the posterior is Gamma(r+x, alpha+T) x Beta(a, b+x), and given (lambda, p) it is (1 - e^(-lambda p t)) / p. */
function ifAliveByQuadrature(p: BgNbdParams, x: number, T: number, t: number): number {
  const k = p.r + x;
  return betaExpectation(p.a, p.b + x, (u) => -Math.expm1(-k * Math.log1p((u * t) / (p.alpha + T))) / u);
}

/** The paper's closed-form conditional expectation, with its 2F1 summed term by term (valid for a != 1; the series needs z well below 1). */
function closedForm(p: BgNbdParams, x: number, tx: number, T: number, t: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1Series(r + x, b + x, a + b + x - 1, z);
  const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0);
  return ((a + b + x - 1) / (a - 1)) * bracket / denominator;
}

describe('BG/NBD maximum likelihood', () => {
  it('recovers r, alpha, a and b from 40,000 simulated customers within 3 standard errors, at a true maximum', () => {
    expectMaximumLikelihood(NAMES, TRUTH, fit, logLik);
  });

  it('has an analytic gradient equal to central differences, on raw or grouped data', () => {
    const at = [0.5, 6, 1.4, 3.1];
    const grad = new Float64Array(4);
    const value = bgnbdLogLikelihood(asParams(at), data, grad);
    expect(value).toBeCloseTo(logLik(at), 6);
    for (let i = 0; i < 4; i++) {
      const h = 1e-6 * at[i]!;
      const numeric = (logLik(at.map((v, j) => (j === i ? v + h : v))) - logLik(at.map((v, j) => (j === i ? v - h : v)))) / (2 * h);
      expect(grad[i]! / numeric).toBeCloseTo(1, 5);
    }
  });

  it('has an analytic Hessian equal to central differences of the gradient, also where a and b run to 1e10', () => {
    for (const at of [[0.5, 6, 1.4, 3.1], [0.7, 33, 2e10, 7e11]]) {
      const hess = new Float64Array(16);
      const grad = new Float64Array(4);
      bgnbdLogLikelihood(asParams(at), prepared, grad, hess);
      const gradAt = (v: number[]): Float64Array => {
        const g = new Float64Array(4);
        bgnbdLogLikelihood(asParams(v), prepared, g);
        return g;
      };
      for (let j = 0; j < 4; j++) {
        const h = 1e-5 * at[j]!;
        const [plus, minus] = [gradAt(at.map((v, k) => (k === j ? v + h : v))), gradAt(at.map((v, k) => (k === j ? v - h : v)))];
        for (let i = 0; i < 4; i++) {
          const numeric = (plus[i]! - minus[i]!) / (2 * h);
          // Entries of the order of the rounding in the differences (those of a and b at 1e10) only need to agree in scale.
          const scale = Math.sqrt(Math.abs(hess[i * 4 + i]! * hess[j * 4 + j]!));
          expect(Math.abs(hess[i * 4 + j]! - numeric) / scale, `H[${i}][${j}] at ${at.join(', ')}: ${hess[i * 4 + j]} against ${numeric}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('rejects data that is not a purchase history, naming the customer', () => {
    const bad = { x: Float64Array.of(1, 2), tx: Float64Array.of(3, 9), T: Float64Array.of(5, 8) };
    expect(() => fitBgNbd(bad)).toThrow(/customer 1: \(x, t_x, T\) = \(2, 9, 8\)/);
    expect(() => fitBgNbd({ x: Float64Array.of(0.5), tx: Float64Array.of(0), T: Float64Array.of(1) })).toThrow(/customer 0/);
  });
});

describe('BG/NBD predictions', () => {
  // Hand-picked histories; the last two parameter sets are where fits on real data land (a below 1, and a, b huge
  // with p all but fixed), where the paper's closed form loses its digits.
  const SETS: BgNbdParams[] = [TRUTH, { r: 1.3, alpha: 20, a: 2.5, b: 9 }, { r: 0.7, alpha: 33.7, a: 286_810, b: 10_761_056 }, { r: 2, alpha: 0.8, a: 0.3, b: 0.6 }];
  const HISTORIES: Array<[number, number, number]> = [
    [0, 0, 38.86],
    [2, 30.43, 38.86],
    [1, 2, 40],
    [7, 35, 38.86],
    [25, 12, 70],
  ];

  it('P(alive) agrees with Bayes rule by quadrature over p', () => {
    for (const p of SETS) {
      for (const [x, tx, T] of HISTORIES) expect(pAlive(p, x, tx, T) / pAliveByQuadrature(p, x, tx, T), `${JSON.stringify(p)} ${x} ${tx} ${T}`).toBeCloseTo(1, 9);
    }
  });

  it('expected purchases agree with quadrature over the posterior, including horizons long against alpha + T', () => {
    for (const p of SETS) {
      for (const [x, , T] of HISTORIES) {
        for (const t of [1, 13, 52, 400]) {
          expect(expectedIfAlive(p, x, T, t) / ifAliveByQuadrature(p, x, T, t), `${JSON.stringify(p)} x=${x} T=${T} t=${t}`).toBeCloseTo(1, 8);
        }
      }
    }
    // Many purchases and a horizon far beyond T: terms of the series rise for thousands of steps before falling.
    const p = { r: 0.5, alpha: 1, a: 3, b: 1e5 };
    expect(expectedIfAlive(p, 400, 3, 1000) / ifAliveByQuadrature(p, 400, 3, 1000)).toBeCloseTo(1, 8);
  });

  it("expected purchases agree with the paper's closed form where its series converges", () => {
    for (const p of [TRUTH, SETS[1]!]) {
      for (const [x, tx, T] of HISTORIES) {
        for (const t of [1, 10, 30]) expect(expectedOrders(p, x, tx, T, t) / closedForm(p, x, tx, T, t), `x=${x} t=${t}`).toBeCloseTo(1, 9);
      }
    }
  });

  it('for a customer just acquired (x = 0, T = 0) equal the unconditional expectation E[X(t)]', () => {
    // E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))] (the paper's unconditional expectation).
    const { r, alpha, a, b } = SETS[1]!;
    for (const t of [0.5, 5, 15]) {
      const unconditional = ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1Series(r, b, a + b - 1, t / (alpha + t)));
      expect(expectedOrders(SETS[1]!, 0, 0, 0, t) / unconditional).toBeCloseTo(1, 10);
    }
  });
});
