import { describe, expect, it } from 'vitest';
import { digamma, lgamma } from '../../src/models/clv/index.js';
import { inverseSpd, maximumLikelihood, minimize } from '../../src/models/clv/optimize.js';

const EULER_GAMMA = 0.5772156649015329;
const ZETA3 = 1.2020569031595942;

/** ln((n-1)!) summed term by term. */
const logFactorial = (n: number): number => Array.from({ length: n }, (_, i) => Math.log(i + 1)).reduce((s, v) => s + v, 0);
const harmonic = (n: number): number => Array.from({ length: n }, (_, i) => 1 / (i + 1)).reduce((s, v) => s + v, 0);

describe('special functions', () => {
  it('ln Gamma matches factorials, half-integers and the series at 0', () => {
    for (const n of [1, 2, 3, 5, 10, 30, 100, 171]) expect(lgamma(n)).toBeCloseTo(logFactorial(n - 1), 11);
    // Gamma(n + 1/2) = (2n)! sqrt(pi) / (4^n n!)
    for (const n of [0, 1, 2, 7, 40]) expect(lgamma(n + 0.5)).toBeCloseTo(logFactorial(2 * n) + 0.5 * Math.log(Math.PI) - n * Math.log(4) - logFactorial(n), 11);
    // ln Gamma(x) = -ln x - gamma x + (pi^2 / 12) x^2 - (zeta(3) / 3) x^3 + O(x^4)
    for (const x of [1e-3, 1e-5, 1e-8]) {
      expect(lgamma(x)).toBeCloseTo(-Math.log(x) - EULER_GAMMA * x + ((Math.PI * Math.PI) / 12) * x * x - (ZETA3 / 3) * x ** 3, 11);
    }
    // Large arguments: Stirling with three correction terms is exact to ~1e-17 relative at 1e6.
    const x = 1e6;
    expect(Math.abs(lgamma(x) / ((x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3)) - 1)).toBeLessThan(1e-14);
  });

  it('digamma matches harmonic numbers, half-integers and the series at 0', () => {
    for (const n of [1, 2, 3, 6, 10, 11, 50, 1000]) expect(digamma(n)).toBeCloseTo(harmonic(n - 1) - EULER_GAMMA, 12);
    // psi(n + 1/2) = -gamma - 2 ln 2 + sum_{k=1..n} 2 / (2k - 1)
    for (const n of [0, 1, 4, 20]) {
      const sum = Array.from({ length: n }, (_, k) => 2 / (2 * k + 1)).reduce((s, v) => s + v, 0);
      expect(digamma(n + 0.5)).toBeCloseTo(-EULER_GAMMA - 2 * Math.LN2 + sum, 12);
    }
    // psi(x) = -1/x - gamma + (pi^2 / 6) x - zeta(3) x^2 + O(x^3)
    for (const x of [1e-3, 1e-6]) expect(digamma(x)).toBeCloseTo(-1 / x - EULER_GAMMA + ((Math.PI * Math.PI) / 6) * x - ZETA3 * x * x, 8);
  });

  it('digamma is the derivative of ln Gamma', () => {
    for (const x of [0.05, 0.7, 3.3, 12.5, 400]) {
      const h = 1e-5 * x;
      expect(digamma(x)).toBeCloseTo((lgamma(x + h) - lgamma(x - h)) / (2 * h), 5);
    }
  });
});

describe('optimiser', () => {
  it('minimises the Rosenbrock function and inverts positive definite matrices', () => {
    const r = minimize((v, g) => {
      const [x, y] = [v[0]!, v[1]!];
      g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
      g[1] = 200 * (y - x * x);
      return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    }, Float64Array.of(-1.2, 1));
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    const A = Float64Array.of(4, 2, 0.6, 2, 5, 1, 0.6, 1, 3);
    const inv = inverseSpd(A, 3)!;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const product = [0, 1, 2].reduce((s, k) => s + A[i * 3 + k]! * inv[k * 3 + j]!, 0);
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(inverseSpd(Float64Array.of(1, 2, 2, 1), 2)).toBeUndefined();
  });

  it('finds the maximum likelihood of an exponential sample, with the textbook standard error', () => {
    // Exponential(rate): the MLE is n / sum and its standard error rate / sqrt(n).
    const data = [0.3, 1.7, 0.2, 2.9, 0.8, 0.05, 1.1, 0.6];
    const total = data.reduce((s, v) => s + v, 0);
    const fit = maximumLikelihood(
      (theta, grad) => {
        grad[0] = data.length / theta[0]! - total;
        return data.length * Math.log(theta[0]!) - theta[0]! * total;
      },
      Float64Array.of(1),
      data.length,
    );
    const rate = data.length / total;
    expect(fit.params[0]).toBeCloseTo(rate, 8);
    expect(fit.standardErrors[0]).toBeCloseTo(rate / Math.sqrt(data.length), 6);
  });
});
