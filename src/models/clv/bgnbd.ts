/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a customer buys at a
 * Poisson rate lambda ~ Gamma(r, alpha), and after each repeat purchase drops out with probability p ~ Beta(a, b).
 * Data per customer: x repeat purchases, the time t_x of the last one and the time T observed, both measured from
 * the first purchase.
 */
import { ValidationError } from '../../shared/errors.js';
import { maximumLikelihood, type MleResult } from './optimize.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Per customer, in one time unit: repeat purchases `x`, time of the last one `tx`, time observed `T`. */
export interface Frequency {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
}

function checkFrequency(d: Frequency): void {
  const n = d.x.length;
  if (d.tx.length !== n || d.T.length !== n) throw new ValidationError('x, t_x and T must have one value per customer', { x: n, tx: d.tx.length, T: d.T.length });
  for (let i = 0; i < n; i++) {
    const x = d.x[i]!;
    const tx = d.tx[i]!;
    const T = d.T[i]!;
    if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && tx <= T && (x > 0 || tx === 0))) {
      throw new ValidationError(`customer ${i}: (x, t_x, T) = (${x}, ${tx}, ${T}) is not a purchase history (x a whole number, 0 <= t_x <= T, t_x = 0 without repeats)`, { index: i, x, tx, T });
    }
  }
}

/** Distinct values of an array in increasing order and, per element, the index of its value among them. */
function distinct(values: Float64Array): { values: Float64Array; index: Int32Array } {
  const seen = new Map<number, number>();
  const index = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let j = seen.get(values[i]!);
    if (j === undefined) seen.set(values[i]!, (j = seen.size));
    index[i] = j;
  }
  const sorted = Float64Array.from(seen.keys()).sort();
  const rank = new Int32Array(sorted.length);
  sorted.forEach((v, r) => (rank[seen.get(v)!] = r));
  for (let i = 0; i < index.length; i++) index[i] = rank[index[i]!]!;
  return { values: sorted, index };
}

/**
 * The data as the likelihood reads it. Customers with the same (x, t_x, T) contribute the same term, and a store's
 * customers share few values of t_x and T (whole days), so the terms are summed once per distinct triple with its
 * count as weight, over tables of ln(alpha + t) computed once per distinct time.
 */
interface PreparedFrequency {
  /** Per distinct x, in increasing order: the value and how many customers have it. */
  xs: Float64Array;
  xCounts: Float64Array;
  /** Per distinct triple: index into xs, into tValues (for t_x) and into tValues (for T), and its count. */
  group: { x: Int32Array; tx: Int32Array; T: Int32Array; count: Float64Array };
  tValues: Float64Array;
}

export function prepareFrequency(d: Frequency): PreparedFrequency {
  checkFrequency(d);
  const n = d.x.length;
  const xs = distinct(d.x);
  const both = new Float64Array(2 * n);
  both.set(d.tx);
  both.set(d.T, n);
  const times = distinct(both);
  const nx = xs.values.length;
  const nt = times.values.length;
  const xCounts = new Float64Array(nx);
  for (let i = 0; i < n; i++) xCounts[xs.index[i]!]!++;
  // The triple as one exact integer key while nx * nt^2 stays below 2^53 (any store with day or week times); the
  // sorted keys run-length counted give the distinct triples in (x, T, t_x) order. With a Map from key to group
  // instead (keys above 2^31 are hashed as heap numbers) this preparation took twice as long. Beyond 2^53 every
  // customer is their own group.
  if (nx * nt * nt >= Number.MAX_SAFE_INTEGER) {
    return { xs: xs.values, xCounts, group: { x: xs.index, tx: times.index.slice(0, n), T: times.index.slice(n), count: new Float64Array(n).fill(1) }, tValues: times.values };
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (xs.index[i]! * nt + times.index[n + i]!) * nt + times.index[i]!;
  keys.sort();
  let groups = 0;
  for (let i = 0; i < n; i++) if (i === 0 || keys[i] !== keys[i - 1]) groups++;
  const group = { x: new Int32Array(groups), tx: new Int32Array(groups), T: new Int32Array(groups), count: new Float64Array(groups) };
  for (let i = 0, g = -1; i < n; i++) {
    const key = keys[i]!;
    if (i === 0 || key !== keys[i - 1]) {
      g++;
      const xT = Math.floor(key / nt);
      group.tx[g] = key - xT * nt;
      group.x[g] = Math.floor(xT / nt);
      group.T[g] = xT - group.x[g]! * nt;
    }
    group.count[g]!++;
  }
  return { xs: xs.values, xCounts, group, tValues: times.values };
}

/** The distinct (x, t_x, T) of the data, one row each: what scores depend on. */
export function distinctHistories(d: Frequency): Frequency {
  const { xs, tValues, group } = prepareFrequency(d);
  return { x: Float64Array.from(group.x, (i) => xs[i]!), tx: Float64Array.from(group.tx, (i) => tValues[i]!), T: Float64Array.from(group.T, (i) => tValues[i]!) };
}

/**
 * ln L summed over customers (the paper's likelihood, in the form with ln(a / (b + x - 1))), its gradient in
 * (r, alpha, a, b) when `grad` is given, and its Hessian (4 x 4, row-major) when `hess` is: the observed information
 * in one pass over the triples, where central differences of the gradient took eight.
 */
export function bgnbdLogLikelihood(params: BgNbdParams, d: Frequency | PreparedFrequency, grad?: Float64Array, hess?: Float64Array): number {
  const data = 'group' in d ? d : prepareFrequency(d);
  const { r, alpha, a, b } = params;
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  // The terms that depend on x alone: ln G(r+x)/G(r) + ln G(b+x)/G(b) - ln G(a+b+x)/G(a+b) and their derivatives,
  // summed as ln(r+j) + ln(b+j) - ln(a+b+j) over j < x. Differences of ln Gamma at the fitted a and b of real
  // stores (10^5 to 10^7, where the data cannot tell p apart between customers) lose all the digits that tell
  // neighbouring parameters apart.
  const logA = Math.log(a);
  const logAlpha = Math.log(alpha);
  const logRatio = new Float64Array(data.xs.length);
  const invBx = new Float64Array(data.xs.length);
  let [sum, dr, da, db] = [0, 0, 0, 0];
  // Second derivatives of the same sums: -1/(r+j)^2, 1/(a+b+j)^2, and 1/(a+b+j)^2 - 1/(b+j)^2 written without the
  // difference (a and b run to 1e10 on stores that cannot tell dropout rates apart).
  let [drr, daa, dbb] = [0, 0, 0];
  // Hessian entries, upper triangle: (r,r) (r,alpha) (alpha,alpha) (a,a) (a,b) (b,b) (r,a) (r,b) (alpha,a) (alpha,b).
  let [hrr, hrAlpha, hAlphaAlpha, haa, hab, hbb, hra, hrb, hAlphaA, hAlphaB] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let j = 0;
  // Plain loops rather than closures here and below: sums that a closure updates live in its context as boxed
  // numbers, and the likelihood's loop ran three times slower for it.
  for (let i = 0; i < data.xs.length; i++) {
    const x = data.xs[i]!;
    for (; j < x; j++) {
      sum += Math.log(r + j) - Math.log1p(a / (b + j));
      dr += 1 / (r + j);
      da -= 1 / (a + b + j);
      db += 1 / (b + j) - 1 / (a + b + j);
      if (hess) {
        drr -= 1 / (r + j) ** 2;
        daa += 1 / (a + b + j) ** 2;
        dbb -= (a * (a + 2 * (b + j))) / ((b + j) * (a + b + j)) ** 2;
      }
    }
    const n = data.xCounts[i]!;
    ll += n * (r * logAlpha + sum);
    logRatio[i] = logA - Math.log(b + x - 1);
    invBx[i] = 1 / (b + x - 1);
    gr += n * (logAlpha + dr);
    gAlpha += (n * r) / alpha;
    ga += n * da;
    gb += n * db;
    if (hess) {
      hrr += n * drr;
      hrAlpha += n / alpha;
      hAlphaAlpha -= (n * r) / alpha ** 2;
      haa += n * daa;
      hab += n * daa;
      hbb += n * dbb;
    }
  }
  const logT = data.tValues.map((t) => Math.log(alpha + t));
  const invT = data.tValues.map((t) => 1 / (alpha + t));
  const { x: gx, tx: gtx, T: gT, count } = data.group;
  for (let g = 0; g < count.length; g++) {
    const c = count[g]!;
    const xi = gx[g]!;
    const x = data.xs[xi]!;
    const k = r + x;
    const lT = logT[gT[g]!]!;
    // Alive at T: ln term A3 = -(r + x) ln(alpha + T). Dropped out after the last purchase: A4, only when x > 0.
    const A3 = -k * lT;
    if (x === 0) {
      ll += c * A3;
      gr -= c * lT;
      gAlpha -= c * k * invT[gT[g]!]!;
      if (hess) {
        hrAlpha -= c * invT[gT[g]!]!;
        hAlphaAlpha += c * k * invT[gT[g]!]! ** 2;
      }
      continue;
    }
    const lt = logT[gtx[g]!]!;
    const A4 = logRatio[xi]! - k * lt;
    // ln(e^A3 + e^A4) without overflow, and the posterior weight w of the dropped-out branch.
    let w: number;
    if (A3 >= A4) {
      const e = Math.exp(A4 - A3);
      ll += c * (A3 + Math.log1p(e));
      w = e / (1 + e);
    } else {
      const e = Math.exp(A3 - A4);
      ll += c * (A4 + Math.log1p(e));
      w = 1 / (1 + e);
    }
    gr -= c * ((1 - w) * lT + w * lt);
    gAlpha -= c * k * ((1 - w) * invT[gT[g]!]! + w * invT[gtx[g]!]!);
    ga += (c * w) / a;
    gb -= c * w * invBx[xi]!;
    if (hess) {
      // ln(e^A3 + e^A4) has Hessian (1-w) H(A3) + w H(A4) + w (1-w) d d' with d = grad A4 - grad A3.
      const iT = invT[gT[g]!]!;
      const it = invT[gtx[g]!]!;
      const ib = invBx[xi]!;
      const u = 1 - w;
      const d0 = lT - lt;
      const d1 = k * (iT - it);
      const d2 = 1 / a;
      const d3 = -ib;
      const cv = c * w * u;
      hrr += cv * d0 * d0;
      hrAlpha += c * (-u * iT - w * it) + cv * d0 * d1;
      hAlphaAlpha += c * k * (u * iT * iT + w * it * it) + cv * d1 * d1;
      haa += -(c * w) / (a * a) + cv * d2 * d2;
      hab += cv * d2 * d3;
      hbb += c * w * ib * ib + cv * d3 * d3;
      hra += cv * d0 * d2;
      hrb += cv * d0 * d3;
      hAlphaA += cv * d1 * d2;
      hAlphaB += cv * d1 * d3;
    }
  }
  if (grad) grad.set([gr, gAlpha, ga, gb]);
  if (hess) {
    hess.set([hrr, hrAlpha, hra, hrb, hrAlpha, hAlphaAlpha, hAlphaA, hAlphaB, hra, hAlphaA, haa, hab, hrb, hAlphaB, hab, hbb]);
  }
  return ll;
}

export interface BgNbdFit extends Omit<MleResult, 'params' | 'standardErrors'> {
  params: BgNbdParams;
  standardErrors: BgNbdParams;
}

const toParams = (v: Float64Array): BgNbdParams => ({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! });

/**
 * Triples in the rough fit that gives the full one its start. On the 1M demo store's 459k triples the full fit from
 * the moment start took 49 iterations; from the optimum of every 45th triple (stratified, as the triples are sorted)
 * it takes a handful, and the rough fit costs about one evaluation of the full likelihood.
 */
const ROUGH_TRIPLES = 10_000;

/** Every k-th distinct triple with its count, and the customers they stand for. */
function everyKth(data: PreparedFrequency, k: number): { data: PreparedFrequency; customers: number } {
  const pick = (values: Int32Array | Float64Array) => values.filter((_, g) => g % k === 0);
  const group = { x: pick(data.group.x) as Int32Array, tx: pick(data.group.tx) as Int32Array, T: pick(data.group.T) as Int32Array, count: pick(data.group.count) as Float64Array };
  const xCounts = new Float64Array(data.xs.length);
  group.count.forEach((c, g) => (xCounts[group.x[g]!]! += c));
  return { data: { ...data, xCounts, group }, customers: group.count.reduce((s, c) => s + c, 0) };
}

function maximumBgNbd(data: PreparedFrequency, start: Float64Array, customers: number, gradientTolerance?: number) {
  return maximumLikelihood((theta, grad) => bgnbdLogLikelihood(toParams(theta), data, grad), start, customers, {
    gradientTolerance,
    hessian: (theta, grad, hess) => bgnbdLogLikelihood(toParams(theta), data, grad, hess),
  });
}

/**
 * Maximum likelihood over every customer given. `iterations` counts those on all the data; on many distinct
 * histories a rough fit on a stratified sample of them comes first (ROUGH_TRIPLES), to a looser tolerance, and the
 * full fit starts from its optimum with Newton's step: the same optimum, reached in fewer passes over the data.
 */
export function fitBgNbd(d: Frequency): BgNbdFit {
  const n = d.x.length;
  if (n === 0) throw new ValidationError('BG/NBD needs at least one customer with a purchase');
  const prepared = prepareFrequency(d);
  // Start where the mean purchase rate r / alpha matches the data's repeat purchases per unit of time observed,
  // summed over the sorted triples so that the start does not depend on the order customers came in.
  let repeats = 0;
  let observed = 0;
  const { group } = prepared;
  for (let g = 0; g < group.count.length; g++) {
    repeats += group.count[g]! * prepared.xs[group.x[g]!]!;
    observed += group.count[g]! * prepared.tValues[group.T[g]!]!;
  }
  let start: Float64Array = Float64Array.from([1, Math.max(observed, 1) / Math.max(repeats, 1), 1, 1]);
  const stride = Math.floor(prepared.group.count.length / ROUGH_TRIPLES);
  if (stride >= 4) {
    const sample = everyKth(prepared, stride);
    start = maximumBgNbd(sample.data, start, sample.customers, 1e-6).params;
  }
  const fit = maximumBgNbd(prepared, start, n);
  return { ...fit, params: toParams(fit.params), standardErrors: toParams(fit.standardErrors) };
}

/** P(alive at T | x, t_x, T): always 1 without a repeat purchase, as the model only lets customers drop out after one. */
export function pAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  return 1 / (1 + (p.a / (p.b + x - 1)) * Math.exp((p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx))));
}

/**
 * The series stops at a term below this share of the sum. The terms then fall like z^n, so the part left off is about
 * 1e-15 / (1 - z) of the result; going further would only add the recurrence's rounding noise (about 1e-16 of it).
 */
const SERIES_TOLERANCE = 1e-15;
const SERIES_MAX_TERMS = 10_000_000;
/** Below e^-700 a double underflows; a term that small is carried as its logarithm instead. */
const LOG_TINY = -700;

/**
 * Expected purchases in (T, T + t] of a customer alive at T after x repeat purchases: the paper's conditional
 * expectation divided by P(alive). Its closed form, (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
 * 2F1(r+x, b+x; a+b+x-1; z)], is a small difference of large numbers whenever a is near 1 or b/a is large (fits on
 * real data land there), and its series overflows for large x; so it is summed in another form, positive terms only. With k = r+x, B = b+x and z = t/(alpha+T+t): given alive, lambda
 * ~ Gamma(k, alpha+T) and p ~ Beta(a, B), and a customer alive with (lambda, p) buys (1 - e^(-lambda p t)) / p in
 * expectation. Averaging over lambda, writing the result as an integral over the horizon, averaging over p (an Euler
 * integral, 2F1(k+1, a; a+B; -w), Pfaff-transformed to positive terms) and integrating term by term gives
 *   E = k * sum over n >= 0 of c_n I_n,  c_n = (k+1)_n (B)_n / ((a+B)_n n!),  I_n = integral from 0 to z of
 *   u^n (1-u)^(k-1) du,
 * with I_0 = (1 - (1-z)^k) / k and (n + k) I_n = n I_(n-1) - z^n (1-z)^k, a recurrence that does not amplify errors.
 */
export function expectedIfAlive(p: BgNbdParams, x: number, T: number, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const k = r + x;
  const B = b + x;
  const z = t / (alpha + T + t);
  const logRest = -k * Math.log1p(t / (alpha + T)); // ln (1-z)^k, without forming 1 - z
  // J = c_n I_n (the n-th term), Q = c_n z^n (1-z)^k.
  let J = -Math.expm1(logRest) / k;
  let sum = J;
  let logQ = logRest;
  let Q = logQ > LOG_TINY ? Math.exp(logQ) : 0;
  let underflow = Q === 0;
  for (let n = 1; ; n++) {
    const rho = ((k + n) * (B + n - 1)) / ((a + B + n - 1) * n);
    if (underflow) {
      logQ += Math.log(rho * z);
      if (logQ > LOG_TINY) [Q, underflow] = [Math.exp(logQ), false];
    } else Q *= rho * z;
    // Rounding can take a term that is truly tiny just below zero; it is not negative.
    const next = Math.max(0, (rho * n * J - Q) / (n + k));
    const falling = next < J;
    [J, sum] = [next, sum + next];
    if (J === 0 || (falling && J <= SERIES_TOLERANCE * sum)) break;
    if (n > SERIES_MAX_TERMS) throw new Error(`BG/NBD expected purchases: no convergence for x = ${x}, T = ${T}, t = ${t}`);
  }
  return k * sum;
}

/** E[X(T, T + t] | x, t_x, T]: expected purchases in the next t units. */
export function expectedOrders(p: BgNbdParams, x: number, tx: number, T: number, t: number): number {
  return pAlive(p, x, tx, T) * expectedIfAlive(p, x, T, t);
}
