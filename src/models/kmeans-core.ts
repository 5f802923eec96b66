/**
 * One k-means initialisation, single-threaded: greedy k-means++ seeding, then Lloyd iterations with Hamerly's bounds.
 * Rows are stored row-major in one Float64Array (row i, column j at i * cols + j) so the hot loops touch contiguous
 * memory and never allocate.
 */
import { createRng, type Rng } from './rng.js';

export interface InitResult {
  centroids: Float64Array<ArrayBuffer>;
  labels: Int32Array<ArrayBuffer>;
  inertia: number;
  iterations: number;
}

export interface InitParams {
  rows: number;
  cols: number;
  k: number;
  maxIter: number;
  /** Absolute tolerance on the sum of squared centroid shifts (scikit-learn's tol already scaled by the data). */
  tolAbs: number;
  seed: number;
}

/** Squared distance between row i of a and row j of b. */
function dist2(a: Float64Array, i: number, b: Float64Array, j: number, cols: number): number {
  let s = 0;
  const ai = i * cols;
  const bj = j * cols;
  for (let c = 0; c < cols; c++) {
    const d = a[ai + c]! - b[bj + c]!;
    s += d * d;
  }
  return s;
}

/** First index whose cumulative weight exceeds target (binary search over the running sums). */
function searchCumulative(cum: Float64Array, target: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Greedy k-means++ as scikit-learn does it: each new centre is the best, by resulting potential, of 2 + ln(k)
 * candidates drawn with probability proportional to the squared distance to the nearest chosen centre. The greedy
 * variant gives markedly better starts than plain k-means++ for a few extra passes.
 */
export function seedPlusPlus(data: Float64Array, rows: number, cols: number, k: number, rng: Rng): Float64Array<ArrayBuffer> {
  const centroids = new Float64Array(k * cols);
  const setCentre = (c: number, row: number): void => centroids.set(data.subarray(row * cols, row * cols + cols), c * cols);
  setCentre(0, rng.int(rows));
  let closest = new Float64Array(rows);
  let candidate = new Float64Array(rows);
  let best = new Float64Array(rows);
  const cum = new Float64Array(rows);
  let potential = 0;
  for (let i = 0; i < rows; i++) potential += closest[i] = dist2(data, i, centroids, 0, cols);
  const nLocal = 2 + Math.floor(Math.log(k));
  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < rows; i++) cum[i] = running += closest[i]!;
    let bestPot = Infinity;
    let bestRow = 0;
    for (let t = 0; t < nLocal; t++) {
      // With every point already on a centre (k >= distinct points) the weights are all zero: draw uniformly.
      const row = potential > 0 ? searchCumulative(cum, rng.next() * potential) : rng.int(rows);
      let pot = 0;
      for (let i = 0; i < rows; i++) {
        const d = Math.min(closest[i]!, dist2(data, i, data, row, cols));
        candidate[i] = d;
        pot += d;
      }
      if (pot < bestPot) {
        bestPot = pot;
        bestRow = row;
        [best, candidate] = [candidate, best];
      }
    }
    setCentre(c, bestRow);
    [closest, best] = [best, closest];
    potential = bestPot;
  }
  return centroids;
}

/** Runs one full initialisation (seeding and iterations) from its own seed. */
export function runInit(data: Float64Array, p: InitParams): InitResult {
  const centroids = seedPlusPlus(data, p.rows, p.cols, p.k, createRng(p.seed));
  return hamerly(data, p, centroids);
}

/**
 * Lloyd's algorithm with Hamerly's bounds: per row an upper bound on the distance to its centre and one lower bound
 * on the distance to every other centre. A row is only re-examined when its upper bound exceeds both its lower bound
 * and half the distance from its centre to the nearest other centre, which after the first few iterations skips most
 * rows. Hamerly rather than Elkan because Elkan's k lower bounds per row cost memory and bandwidth that do not pay
 * back for the small k (2..8) that segmentation uses.
 */
export function hamerly(data: Float64Array, p: InitParams, centroids: Float64Array<ArrayBuffer>): InitResult {
  const { rows, cols, k } = p;
  const labels = new Int32Array(rows);
  const upper = new Float64Array(rows);
  const lower = new Float64Array(rows);
  const sums = new Float64Array(k * cols);
  const counts = new Float64Array(k);
  const shift = new Float64Array(k);
  const half = new Float64Array(k);

  for (let i = 0; i < rows; i++) {
    let b = 0;
    let bd = Infinity;
    let sd = Infinity;
    for (let j = 0; j < k; j++) {
      const d = dist2(data, i, centroids, j, cols);
      if (d < bd) {
        sd = bd;
        bd = d;
        b = j;
      } else if (d < sd) sd = d;
    }
    labels[i] = b;
    upper[i] = Math.sqrt(bd);
    lower[i] = Math.sqrt(sd);
  }

  let iterations = 0;
  while (iterations < p.maxIter) {
    iterations++;
    const moved = updateCentroids(data, p, labels, upper, lower, centroids, sums, counts, shift);
    let maxShift = 0;
    let maxAt = -1;
    let secondShift = 0;
    for (let j = 0; j < k; j++) {
      const s = shift[j]!;
      if (s > maxShift) {
        secondShift = maxShift;
        maxShift = s;
        maxAt = j;
      } else if (s > secondShift) secondShift = s;
    }
    for (let i = 0; i < rows; i++) {
      const a = labels[i]!;
      upper[i]! += shift[a]!;
      lower[i]! -= a === maxAt ? secondShift : maxShift;
    }
    for (let j = 0; j < k; j++) {
      let m = Infinity;
      for (let o = 0; o < k; o++) if (o !== j) m = Math.min(m, dist2(centroids, j, centroids, o, cols));
      half[j] = Math.sqrt(m) / 2;
    }
    let changed = 0;
    for (let i = 0; i < rows; i++) {
      const a = labels[i]!;
      const bound = Math.max(half[a]!, lower[i]!);
      if (upper[i]! <= bound) continue;
      const da = dist2(data, i, centroids, a, cols);
      upper[i] = Math.sqrt(da);
      if (upper[i]! <= bound) continue;
      // Ties keep the current centre, so rows on equidistant centres (duplicate points) do not flip back and forth.
      let b = a;
      let bd = da;
      let sd = Infinity;
      for (let j = 0; j < k; j++) {
        if (j === a) continue;
        const d = dist2(data, i, centroids, j, cols);
        if (d < bd) {
          sd = bd;
          bd = d;
          b = j;
        } else if (d < sd) sd = d;
      }
      if (b !== a) {
        labels[i] = b;
        upper[i] = Math.sqrt(bd);
        changed++;
      }
      lower[i] = Math.sqrt(sd);
    }
    // Labels are now exact for the current centres; stop when they did not change (the next means would be the same
    // centres) or when the centres moved less than the tolerance, as scikit-learn does.
    if (changed === 0 || moved <= p.tolAbs) break;
  }

  let inertia = 0;
  for (let i = 0; i < rows; i++) inertia += dist2(data, i, centroids, labels[i]!, cols);
  return { centroids, labels, inertia, iterations };
}

/**
 * Moves each centroid to the mean of its rows, writing how far it moved into shift, and returns the sum of squared
 * moves. An empty cluster is re-seeded on the row farthest from its own centre (taken out of its old cluster), as
 * scikit-learn does; that row's bounds are reset so the next assignment re-examines it.
 */
function updateCentroids(
  data: Float64Array,
  p: InitParams,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  centroids: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
  shift: Float64Array,
): number {
  const { rows, cols, k } = p;
  sums.fill(0);
  counts.fill(0);
  for (let i = 0; i < rows; i++) {
    const a = labels[i]!;
    counts[a]!++;
    const off = a * cols;
    const ri = i * cols;
    for (let c = 0; c < cols; c++) sums[off + c]! += data[ri + c]!;
  }
  if (counts.includes(0)) reseedEmpty(data, p, labels, upper, lower, centroids, sums, counts);
  let moved = 0;
  for (let j = 0; j < k; j++) {
    const n = counts[j]!;
    shift[j] = 0;
    if (n === 0) continue;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = sums[j * cols + c]! / n;
      const d = v - centroids[j * cols + c]!;
      s += d * d;
      centroids[j * cols + c] = v;
    }
    shift[j] = Math.sqrt(s);
    moved += s;
  }
  return moved;
}

function reseedEmpty(
  data: Float64Array,
  p: InitParams,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  centroids: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
): void {
  const { rows, cols, k } = p;
  const far = new Float64Array(rows);
  for (let i = 0; i < rows; i++) far[i] = dist2(data, i, centroids, labels[i]!, cols);
  for (let j = 0; j < k; j++) {
    if (counts[j] !== 0) continue;
    let at = -1;
    let d = -1;
    // Only rows whose cluster keeps at least one other row can move, so re-seeding never empties another cluster.
    for (let i = 0; i < rows; i++) {
      if (far[i]! > d && counts[labels[i]!]! > 1) {
        d = far[i]!;
        at = i;
      }
    }
    if (at < 0) continue;
    const old = labels[at]!;
    for (let c = 0; c < cols; c++) {
      const v = data[at * cols + c]!;
      sums[old * cols + c]! -= v;
      sums[j * cols + c] = v;
    }
    counts[old]!--;
    counts[j] = 1;
    labels[at] = j;
    far[at] = -1;
    upper[at] = 0;
    lower[at] = 0;
  }
}
