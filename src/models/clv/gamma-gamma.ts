/**
 * Gamma-Gamma spend model (Colombo & Jiang 1999; Fader, Hardie & Lee 2005, "RFM and CLV"): each purchase's value is
 * Gamma(p, nu) with a customer's nu ~ Gamma(q, v), independent of how often they buy. Fitted on the mean value
 * m of each repeat customer's x repeat purchases.
 */
import { ValidationError } from '../../shared/errors.js';
import { maximumLikelihood, type MleResult } from './optimize.js';
import { digamma, lgamma } from './special.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

/** Customers with x >= 1 repeat purchases of mean value `monetary` > 0. */
export interface Spend {
  x: Float64Array;
  monetary: Float64Array;
}

interface Prepared {
  byX: Array<[number, number]>;
  /** Sums over customers that do not depend on the parameters. */
  sumLogM: number;
  sumXLogM: number;
  sumXLogX: number;
}

function prepare(d: Spend): Prepared {
  const n = d.x.length;
  if (d.monetary.length !== n) throw new ValidationError('x and monetary must have one value per customer', { x: n, monetary: d.monetary.length });
  const counts = new Map<number, number>();
  let [sumLogM, sumXLogM, sumXLogX] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = d.x[i]!;
    const m = d.monetary[i]!;
    if (!(Number.isInteger(x) && x >= 1 && m > 0 && Number.isFinite(m))) {
      throw new ValidationError(`customer ${i}: Gamma-Gamma needs x >= 1 repeat purchases of positive mean value, got x = ${x}, m = ${m}`, { index: i, x, monetary: m });
    }
    counts.set(x, (counts.get(x) ?? 0) + 1);
    const logM = Math.log(m);
    sumLogM += logM;
    sumXLogM += x * logM;
    sumXLogX += x * Math.log(x);
  }
  return { byX: [...counts.entries()].sort((u, w) => u[0] - w[0]), sumLogM, sumXLogM, sumXLogX };
}

/**
 * ln L summed over customers: the density of the mean of x Gamma(p, nu) values, nu integrated out,
 * ln G(px+q) - ln G(px) - ln G(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v + x m); gradient in (p, q, v).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, d: Spend, grad?: Float64Array, prepared = prepare(d)): number {
  const { p, q, v } = params;
  const n = d.x.length;
  let ll = p * (prepared.sumXLogM + prepared.sumXLogX) - prepared.sumLogM + n * (q * Math.log(v) - lgamma(q));
  let [gp, gq] = [prepared.sumXLogM + prepared.sumXLogX, n * (Math.log(v) - digamma(q))];
  let gv = (n * q) / v;
  for (const [x, count] of prepared.byX) {
    ll += count * (lgamma(p * x + q) - lgamma(p * x));
    if (!grad) continue;
    const psi = digamma(p * x + q);
    gp += count * x * (psi - digamma(p * x));
    gq += count * psi;
  }
  const { x: X, monetary: M } = d;
  for (let i = 0; i < n; i++) {
    const x = X[i]!;
    const denominator = v + x * M[i]!;
    const logD = Math.log(denominator);
    const shape = p * x + q;
    ll -= shape * logD;
    gp -= x * logD;
    gq -= logD;
    gv -= shape / denominator;
  }
  if (grad) grad.set([gp, gq, gv]);
  return ll;
}

export interface GammaGammaFit extends Omit<MleResult, 'params' | 'standardErrors'> {
  params: GammaGammaParams;
  standardErrors: GammaGammaParams;
}

const toParams = (t: Float64Array): GammaGammaParams => ({ p: t[0]!, q: t[1]!, v: t[2]! });

export function fitGammaGamma(d: Spend): GammaGammaFit {
  const prepared = prepare(d);
  const n = d.x.length;
  if (n === 0) throw new ValidationError('Gamma-Gamma needs at least one customer with a repeat purchase of positive value');
  // Start at p = 1, q = 2, where the population mean spend p v / (q - 1) is v: the data's mean.
  let total = 0;
  for (const m of d.monetary) total += m;
  const start = Float64Array.from([1, 2, total / n]);
  const fit = maximumLikelihood((theta, grad) => gammaGammaLogLikelihood(toParams(theta), d, grad, prepared), start, n);
  return { ...fit, params: toParams(fit.params), standardErrors: toParams(fit.standardErrors) };
}

/**
 * E[M | x, m]: the expected value of a customer's future purchases, (v + x m) p / (p x + q - 1), a weighted mean of the
 * population mean p v / (q - 1) and the customer's own m. Without repeat purchases (x = 0) it is the population mean.
 * NaN when it does not exist (p x + q <= 1).
 */
export function expectedSpend(params: GammaGammaParams, x: number, monetary: number): number {
  const { p, q, v } = params;
  const denominator = p * x + q - 1;
  return denominator > 0 ? (p * (v + x * monetary)) / denominator : NaN;
}
