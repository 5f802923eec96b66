import { lgamma } from './clv/index.js';

/**
 * The chi-square, normal and Student t distributions the profiles' shift test and the experiment report need.
 * Hand-written, as the project's other special functions are (models/clv/special.ts): jStat ships no types and releases rarely, stdlib is one package per
 * function, and the project takes no numerical dependency. test/campaigns/distributions.test.ts checks every function
 * against scipy.
 */

/** P(X > x) for X chi-square with k degrees of freedom: the regularized upper incomplete gamma Q(k/2, x/2). */
export function chiSquareSurvival(x: number, k: number): number {
  if (x <= 0) return 1;
  return gammaQ(k / 2, x / 2);
}

const EPS = 1e-14;
const MAX_ITER = 500;

/** Q(a, x) by the series of P below a + 1 and Lentz's continued fraction above (Numerical Recipes, 6.2). */
function gammaQ(a: number, x: number): number {
  const logPrefix = a * Math.log(x) - x - lgamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let total = term;
    for (let n = 1; n < MAX_ITER && Math.abs(term) > Math.abs(total) * EPS; n++) {
      term *= x / (a + n);
      total += term;
    }
    return Math.max(0, 1 - total * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logPrefix) * h;
}

/** P(|Z| > |z|) for a standard normal Z: Z² is chi-square with one degree of freedom. */
export function normalTwoSided(z: number): number {
  return chiSquareSurvival(z * z, 1);
}

// Wichura's AS 241 (PPND16), relative error about 1e-16 over (0, 1).
const A = [3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987, 67265.7709270087, 33430.57558358813, 2509.0809287301227];
const B = [1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271, 28729.085735721943, 5226.495278852854];
const C = [1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684, 0.2417807251774506, 0.022723844989269184, 0.0007745450142783414];
const D = [1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-09];
const E = [6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124, 0.0012426609473880784, 2.7115555687434876e-05, 2.0103343992922881e-07];
const F = [1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133, 1.8463183175100548e-05, 1.421511758316446e-07, 2.0442631033899397e-15];

function ratio(num: readonly number[], den: readonly number[], x: number): number {
  let n = 0;
  let d = 0;
  for (let i = num.length - 1; i >= 0; i--) {
    n = n * x + num[i]!;
    d = d * x + den[i]!;
  }
  return n / d;
}

/** The z with P(Z <= z) = p, for p in (0, 1). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs a probability strictly between 0 and 1, got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) return q * ratio(A, B, 0.180625 - q * q);
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const z = r <= 5 ? ratio(C, D, (r -= 1.6)) : ratio(E, F, r - 5);
  return q < 0 ? -z : z;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) - ((x - 1/2) ln x - x + ln √(2π)) for x >= 10: Stirling's series through x^-13, error below 1e-16. */
function stirlingRemainder(x: number): number {
  const i2 = 1 / (x * x);
  return (1 / 12 - i2 * (1 / 360 - i2 * (1 / 1260 - i2 * (1 / 1680 - i2 * (1 / 1188 - i2 * (691 / 360360 - i2 / 156)))))) / x;
}

/**
 * ln B(a, b). With a large argument, ln Γ(a + b) - ln Γ(a) cancels millions down to a few units and loses the digits
 * a t-test at 100,000 visitors needs, so the large parts are subtracted in closed form first (as R's lbeta does).
 */
function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (q < 10) return lgamma(p) + lgamma(q) - lgamma(p + q);
  const corr = stirlingRemainder(q) - stirlingRemainder(p + q);
  if (p >= 10) return -0.5 * Math.log(q) + HALF_LOG_2PI + stirlingRemainder(p) + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  return lgamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
}

/**
 * The regularized incomplete beta I_x(a, b), by Lentz's continued fraction (Numerical Recipes, 6.4). The caller
 * passes y = 1 - x computed its own way: for x within 1e-13 of 1, 1 - x would keep almost no digits.
 */
function incompleteBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - logBeta(a, b));
  // The fraction converges fast only below the mean; above it, use the symmetry I_x(a, b) = 1 - I_{1-x}(b, a).
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaFraction(y, b, a)) / b;
  return (front * betaFraction(x, a, b)) / a;
}

const TINY = 1e-300;
const BETA_EPS = 1e-15;

function betaFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    for (const aa of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + aa * d;
      if (Math.abs(d) < TINY) d = TINY;
      c = 1 + aa / c;
      if (Math.abs(c) < TINY) c = TINY;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < BETA_EPS) break;
  }
  return h;
}

/** P(|T| > |t|) for T Student t with `df` (any positive real) degrees of freedom. */
export function studentTwoSided(t: number, df: number): number {
  return incompleteBeta(df / (df + t * t), (t * t) / (df + t * t), df / 2, 0.5);
}

function studentPdf(t: number, df: number): number {
  return Math.exp(-logBeta(df / 2, 0.5) - 0.5 * Math.log(df) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** The t with P(T <= t) = p: Newton's method from the normal quantile, kept inside a bracket that bisection shrinks. */
export function studentQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`t quantile needs a probability strictly between 0 and 1, got ${p}`);
  if (p === 0.5) return 0;
  // Solve in the smaller tail: 1 - p loses the digits of a p near 0.
  const tail = 2 * Math.min(p, 1 - p); // the two-sided tail mass beyond |t|
  const sign = p < 0.5 ? -1 : 1;
  const above = (t: number): number => studentTwoSided(t, df) - tail; // positive below the answer, falling in t
  const start = Math.abs(normalQuantile(tail / 2));
  let lo = 0;
  let hi = Math.max(1, start);
  while (above(hi) > 0) hi *= 2;
  let t = Math.min(hi, start);
  for (let i = 0; i < 200; i++) {
    const f = above(t);
    if (f > 0) lo = t;
    else hi = t;
    const step = f / (2 * studentPdf(t, df));
    let next = t + step;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, Math.abs(t))) return sign * next;
    t = next;
  }
  return sign * t;
}

