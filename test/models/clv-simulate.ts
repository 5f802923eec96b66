/**
 * Customers drawn from the BG/NBD and Gamma-Gamma generative stories, with a seeded stream, for the CLV tests:
 * what a fit must recover and what a prediction must match.
 */
import type { BgNbdParams, GammaGammaParams } from '../../src/models/clv/index.js';
import { createRng, deriveSeed } from '../../src/models/rng.js';

export interface Sampler {
  uniform(): number;
  exponential(rate: number): number;
  /** Gamma(shape, rate): Marsaglia & Tsang, with the u^(1/shape) boost below shape 1. */
  gamma(shape: number, rate: number): number;
  beta(a: number, b: number): number;
}

export function sampler(seed: number): Sampler {
  const rng = createRng(seed);
  const uniform = (): number => rng.next();
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const standardGamma = (shape: number): number => {
    if (shape < 1) return standardGamma(shape + 1) * Math.pow(1 - uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let z: number;
      let v: number;
      do {
        z = normal();
        v = 1 + c * z;
      } while (v <= 0);
      v = v * v * v;
      if (Math.log(1 - uniform()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return {
    uniform,
    exponential: (rate) => -Math.log(1 - uniform()) / rate,
    gamma: (shape, rate) => standardGamma(shape) / rate,
    beta: (a, b) => {
      const g = standardGamma(a);
      return g / (g + standardGamma(b));
    },
  };
}

export interface SimulatedFrequency {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Purchases in (T, T + holdout]. */
  holdout: Float64Array;
}

/**
 * Each customer: lambda ~ Gamma(r, alpha), p ~ Beta(a, b); a first purchase at 0, then Poisson(lambda) purchases
 * while alive, dropping out with probability p after each repeat purchase; observed until T[i], and followed for
 * `holdout` more.
 */
export function simulateBgNbd(params: BgNbdParams, T: Float64Array, seed: number, holdout = 0): SimulatedFrequency {
  const n = T.length;
  const out: SimulatedFrequency = { x: new Float64Array(n), tx: new Float64Array(n), T: Float64Array.from(T), holdout: new Float64Array(n) };
  const s = sampler(deriveSeed(seed, 0));
  for (let i = 0; i < n; i++) {
    const lambda = s.gamma(params.r, params.alpha);
    const p = s.beta(params.a, params.b);
    const end = T[i]! + holdout;
    for (let t = s.exponential(lambda); t <= end; t += s.exponential(lambda)) {
      if (t <= T[i]!) {
        out.x[i]!++;
        out.tx[i] = t;
      } else out.holdout[i]!++;
      if (s.uniform() < p) break;
    }
  }
  return out;
}

/** Each customer: nu ~ Gamma(q, v), then x[i] purchase values ~ Gamma(p, nu); returns their means. */
export function simulateGammaGamma(params: GammaGammaParams, x: Float64Array, seed: number): Float64Array {
  const s = sampler(deriveSeed(seed, 1));
  return x.map((count) => {
    const nu = s.gamma(params.q, params.v);
    let total = 0;
    for (let j = 0; j < count; j++) total += s.gamma(params.p, nu);
    return total / count;
  });
}

/** T spread evenly over [from, to): customers who joined at different times. */
export function spreadT(n: number, from: number, to: number, seed: number): Float64Array {
  const s = sampler(deriveSeed(seed, 2));
  return Float64Array.from({ length: n }, () => from + (to - from) * s.uniform());
}
