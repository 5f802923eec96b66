/**
 * One k-means initialisation, single-threaded: greedy k-means++ seeding, then Lloyd iterations with Hamerly's bounds,
 * on large inputs first on a sample and then on all rows. Rows are stored row-major in one Float64Array (row i,
 * column j at i * cols + j) so the hot loops touch contiguous memory and never allocate.
 *
 * On a million rows the cost is whole passes over the data and how they meet the memory system, so each step is
 * arranged for few passes that stream through memory in order: seeding takes two passes per centre, an iteration is
 * one pass, and the centroid sums follow the rows that change centre instead of being recomputed from every row.
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
  /** Rows of the sample the initialisation is seeded and first iterated on; 0 to work on all rows from the start. */
  sampleRows: number;
}

/**
 * Squared distance between the cols values at offset ai of a, whose first value the caller has already read, and
 * the cols values at offset bj of b. The first three columns are written out: for so few columns a loop whose trip
 * count V8 only learns at run time costs about as much as the arithmetic, and RFM matrices have three.
 */
function dist2From(first: number, a: Float64Array, ai: number, b: Float64Array, bj: number, cols: number): number {
  const d0 = first - b[bj]!;
  if (cols === 1) return d0 * d0;
  const d1 = a[ai + 1]! - b[bj + 1]!;
  if (cols === 2) return d0 * d0 + d1 * d1;
  const d2 = a[ai + 2]! - b[bj + 2]!;
  let s = d0 * d0 + d1 * d1 + d2 * d2;
  for (let c = 3; c < cols; c++) {
    const d = a[ai + c]! - b[bj + c]!;
    s += d * d;
  }
  return s;
}

/** Squared distance between the cols values at offset ai of a and at offset bj of b. */
export function dist2(a: Float64Array, ai: number, b: Float64Array, bj: number, cols: number): number {
  return dist2From(a[ai]!, a, ai, b, bj, cols);
}

/**
 * Greedy k-means++ as scikit-learn does it: each new centre is the best, by resulting potential, of 2 + ln(k)
 * candidates drawn with probability proportional to the squared distance to the nearest chosen centre. The greedy
 * variant gives markedly better starts than plain k-means++.
 *
 * Per centre, one pass folds the last centre chosen into the nearest-centre distances and draws the next candidates
 * from them, and one pass scores all candidates together without storing anything; computing the winner's distances
 * again in the next fold is cheaper than writing out a row of distances per candidate.
 */
function seedPlusPlus(data: Float64Array, rows: number, cols: number, k: number, rng: Rng): Float64Array<ArrayBuffer> {
  const centroids = new Float64Array(k * cols);
  const closest = new Float64Array(rows).fill(Infinity);
  const trials = 2 + Math.floor(Math.log(k));
  const candidates = new Int32Array(trials);
  const pots = new Float64Array(trials);
  let chosen = rng.int(rows);
  for (let c = 0; ; c++) {
    centroids.set(data.subarray(chosen * cols, chosen * cols + cols), c * cols);
    if (c === k - 1) return centroids;
    foldCentre(data, rows, cols, chosen * cols, closest, candidates, rng);
    scoreCandidates(data, rows, cols, candidates, closest, pots);
    let best = 0;
    for (let t = 1; t < trials; t++) if (pots[t]! < pots[best]!) best = t;
    chosen = candidates[best]!;
  }
}

/**
 * Lowers each row's nearest-centre distance to the centre at offset at and, in the same pass, draws each candidate
 * row with probability proportional to its new distance. Each draw is a weighted reservoir of one that jumps from one
 * replacement to the next: after a replacement at running total W, the next is the first row whose running total
 * reaches W / u for a fresh uniform u in (0, 1], so a draw over a million rows takes a few dozen random numbers and
 * no array of running sums.
 */
function foldCentre(data: Float64Array, rows: number, cols: number, at: number, closest: Float64Array, candidates: Int32Array, rng: Rng): void {
  const trials = candidates.length;
  const thresholds = new Float64Array(trials);
  candidates.fill(-1);
  let next = 0;
  let running = 0;
  for (let i = 0; i < rows; i++) {
    const d = dist2(data, i * cols, data, at, cols);
    const c = closest[i]!;
    const m = d < c ? d : c;
    closest[i] = m;
    running += m;
    if (running > next) {
      next = Infinity;
      for (let t = 0; t < trials; t++) {
        if (running > thresholds[t]!) {
          candidates[t] = i;
          thresholds[t] = running / (1 - rng.next());
        }
        next = Math.min(next, thresholds[t]!);
      }
    }
  }
  // With every row already on a centre (k >= distinct rows) all weights are zero: draw uniformly.
  for (let t = 0; t < trials; t++) if (candidates[t]! < 0) candidates[t] = rng.int(rows);
}

/** pots[t]: the potential if candidate row candidates[t] became a centre. */
function scoreCandidates(data: Float64Array, rows: number, cols: number, candidates: Int32Array, closest: Float64Array, pots: Float64Array): void {
  const trials = candidates.length;
  pots.fill(0);
  for (let i = 0; i < rows; i++) {
    const c = closest[i]!;
    for (let t = 0; t < trials; t++) {
      const d = dist2(data, i * cols, data, candidates[t]! * cols, cols);
      pots[t]! += d < c ? d : c;
    }
  }
}

/**
 * Runs one full initialisation from its own seed. With p.sampleRows set, the seeding and the first iterations, where
 * the centres still move far and many rows change centre, run on a seeded sample of the rows (drawn with
 * replacement); the centres found there are then iterated on all rows until the stopping rule holds on all rows.
 * The bulk of the iterations then costs a sample's worth instead of all rows', and only a few passes over all rows
 * remain, most of whose rows the bounds skip.
 */
export function runInit(data: Float64Array, p: InitParams): InitResult {
  const rng = createRng(p.seed);
  const { rows, cols, k, sampleRows } = p;
  if (sampleRows === 0) return hamerly(data, p, seedPlusPlus(data, rows, cols, k, rng));
  const sample = new Float64Array(sampleRows * cols);
  for (let r = 0; r < sampleRows; r++) {
    const i = rng.int(rows);
    for (let c = 0; c < cols; c++) sample[r * cols + c] = data[i * cols + c]!;
  }
  const warm = hamerly(sample, { ...p, rows: sampleRows }, seedPlusPlus(sample, sampleRows, cols, k, rng));
  return hamerly(data, p, warm.centroids);
}

/** The working arrays of one run of Hamerly's algorithm. */
interface Hamerly {
  data: Float64Array;
  rows: number;
  cols: number;
  k: number;
  centroids: Float64Array;
  labels: Int32Array;
  /**
   * The bounds are stored relative to how far their centre's bounds have drifted since the start, so that the pass
   * writes nothing for the rows it skips. A row's upper bound on the distance to its centre a is upper[i] + upDrift[a]
   * and its lower bound on the distance to every other centre is lower[i] - lowDrift[a].
   */
  upper: Float64Array;
  lower: Float64Array;
  /** Per centre, the sum of its shifts so far: how far its rows' upper bounds have grown. */
  upDrift: Float64Array;
  /** Per centre, the sum over iterations of the largest shift of any other centre: how far its rows' lower bounds have dropped. */
  lowDrift: Float64Array;
  /** Per centre, half the distance to the nearest other centre. */
  half: Float64Array;
  /** Per centre, the sum and count of its rows. */
  sums: Float64Array;
  counts: Float64Array;
}

/**
 * Lloyd's algorithm with Hamerly's bounds: per row an upper bound on the distance to its centre and one lower bound
 * on the distance to every other centre. A row is only re-examined when its upper bound exceeds both its lower bound
 * and half the distance from its centre to the nearest other centre, which after the first few iterations skips most
 * rows. Hamerly rather than Elkan because Elkan's k lower bounds per row multiply the memory each pass streams
 * through, which does not pay back for the small k (2..8) that segmentation uses.
 *
 * Iterations follow scikit-learn's semantics: move every centre to the mean of its rows, reassign the rows, and stop
 * when no label changed or the centres moved (sum of squared shifts) by at most the tolerance; the labels returned
 * are always the nearest centres of the centroids returned.
 */
function hamerly(data: Float64Array, p: InitParams, centroids: Float64Array<ArrayBuffer>): InitResult {
  const { rows, cols, k } = p;
  const h: Hamerly = {
    data,
    rows,
    cols,
    k,
    centroids,
    labels: new Int32Array(rows),
    upper: new Float64Array(rows),
    lower: new Float64Array(rows),
    upDrift: new Float64Array(k),
    lowDrift: new Float64Array(k),
    half: new Float64Array(k),
    sums: new Float64Array(k * cols),
    counts: new Float64Array(k),
  };
  assignAll(h);
  let iterations = 0;
  while (iterations < p.maxIter) {
    iterations++;
    if (h.counts.includes(0)) relocateEmpty(h);
    const moved = moveCentroids(h);
    const changed = reassign(h);
    if (changed === 0 || moved <= p.tolAbs) break;
  }
  return { centroids, labels: h.labels as Int32Array<ArrayBuffer>, inertia: inertiaOf(h), iterations };
}

function inertiaOf({ data, rows, cols, centroids, labels }: Hamerly): number {
  let inertia = 0;
  for (let i = 0; i < rows; i++) inertia += dist2(data, i * cols, centroids, labels[i]! * cols, cols);
  return inertia;
}

/** Assigns every row to its nearest centre with exact bounds, and sums the rows of each centre. */
function assignAll({ data, rows, cols, k, centroids, labels, upper, lower, sums, counts }: Hamerly): void {
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let b = 0;
    let bd = Infinity;
    let sd = Infinity;
    for (let j = 0; j < k; j++) {
      const d = dist2(data, row, centroids, j * cols, cols);
      if (d < bd) {
        sd = bd;
        bd = d;
        b = j;
      } else if (d < sd) sd = d;
    }
    labels[i] = b;
    upper[i] = Math.sqrt(bd);
    lower[i] = Math.sqrt(sd);
    counts[b]!++;
    for (let c = 0; c < cols; c++) sums[b * cols + c]! += data[row + c]!;
  }
}

/**
 * Moves each non-empty centroid to the mean of its rows and derives what the next pass needs from the moves: the
 * drifts of the bounds and the half distances between centres. Returns the sum of squared shifts.
 */
function moveCentroids({ cols, k, centroids, sums, counts, upDrift, lowDrift, half }: Hamerly): number {
  const shift = new Float64Array(k);
  let moved = 0;
  for (let j = 0; j < k; j++) {
    const n = counts[j]!;
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
  for (let j = 0; j < k; j++) {
    let fastest = 0;
    let nearest = Infinity;
    for (let o = 0; o < k; o++) {
      if (o === j) continue;
      fastest = Math.max(fastest, shift[o]!);
      nearest = Math.min(nearest, dist2(centroids, j * cols, centroids, o * cols, cols));
    }
    upDrift[j]! += shift[j]!;
    lowDrift[j]! += fastest;
    half[j] = Math.sqrt(nearest) / 2;
  }
  return moved;
}

/**
 * One pass after the centres moved: re-examines only the rows whose loosened bounds no longer prove their centre is
 * the nearest, and moves the rows that changed centre between the sums. Returns how many rows changed centre.
 */
function reassign({ data, rows, cols, k, centroids, labels, upper, lower, upDrift, lowDrift, half, sums, counts }: Hamerly): number {
  let changed = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    // Every row's first value is read, although the bounds skip most rows: the rows re-examined are scattered, and
    // reading only theirs costs a cache miss each that the hardware prefetcher cannot foresee, while reading all
    // of them is one sequential stream. That halves the pass.
    const first = data[row]!;
    const a = labels[i]!;
    const u = upper[i]! + upDrift[a]!;
    const l = lower[i]! - lowDrift[a]!;
    const s = half[a]!;
    // A bitwise and of the two tests, not &&: whether u clears s or l is a coin toss per row and mispredicted
    // branches cost more than evaluating both.
    if (+(u > s) & +(u > l)) {
      // Hamerly's paper first tightens the upper bound alone and only then, if still needed, measures the other
      // centres; measuring all of them at once also leaves an exact lower bound, which keeps the row from being
      // re-examined on the next passes and costs less overall. Ties keep the current centre, so rows on
      // equidistant centres (duplicate points) do not flip back and forth.
      let b = a;
      let bd = dist2From(first, data, row, centroids, a * cols, cols);
      let sd = Infinity;
      for (let j = 0; j < k; j++) {
        if (j === a) continue;
        const d = dist2From(first, data, row, centroids, j * cols, cols);
        if (d < bd) {
          sd = bd;
          bd = d;
          b = j;
        } else if (d < sd) sd = d;
      }
      if (b !== a) {
        labels[i] = b;
        counts[a]!--;
        counts[b]!++;
        for (let c = 0; c < cols; c++) {
          const v = data[row + c]!;
          sums[a * cols + c]! -= v;
          sums[b * cols + c]! += v;
        }
        changed++;
      }
      upper[i] = Math.sqrt(bd) - upDrift[b]!;
      lower[i] = Math.sqrt(sd) + lowDrift[b]!;
    }
  }
  return changed;
}

/**
 * Re-seeds each empty cluster on the row farthest from its own centre (taken out of its old cluster), as
 * scikit-learn does; that row's bounds are reset to zero so the next pass re-examines it.
 */
function relocateEmpty({ data, rows, cols, k, centroids, labels, upper, lower, upDrift, lowDrift, sums, counts }: Hamerly): void {
  const far = new Float64Array(rows);
  for (let i = 0; i < rows; i++) far[i] = dist2(data, i * cols, centroids, labels[i]! * cols, cols);
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
    upper[at] = -upDrift[j]!;
    lower[at] = lowDrift[j]!;
  }
}

/** Labels every row with its nearest centroid (the lower index on ties) and returns the inertia. */
export function nearestCentroids(data: Float64Array, rows: number, cols: number, centroids: Float64Array, k: number, labels: Int32Array): number {
  let inertia = 0;
  for (let i = 0; i < rows; i++) {
    let b = 0;
    let bd = Infinity;
    for (let j = 0; j < k; j++) {
      const d = dist2(data, i * cols, centroids, j * cols, cols);
      if (d < bd) {
        bd = d;
        b = j;
      }
    }
    labels[i] = b;
    inertia += bd;
  }
  return inertia;
}
