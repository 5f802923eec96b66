/**
 * Choosing k from the data: a k-means fit per candidate k, the mean silhouette of each fit on a seeded sample of rows,
 * and the elbow of the inertia curve. Silhouette says how well separated the clusters are and decides; the elbow
 * (where extra clusters stop paying for themselves) wins only a near tie, as the simpler story for a marketer. A
 * looser tie (0.05 was tried) let the elbow, which on a 2..8 sweep of noisy data sits at 4 or 5 almost whatever the
 * data, overrule a clearly better separated k: on the demo store it merged three of the seven personas.
 *
 * The sweep only has to rank the k's, so each k is fitted on a seeded sample of the rows (100,000 by default): the
 * shape of the inertia curve and the silhouettes are settled long before a million rows, and on a million rows the
 * sweep takes half the time of one fitting every k on all rows. Each fit's centroids are then scored on every row, so
 * the inertias reported are those of all rows. The final clustering at the chosen k is a separate, full run.
 */
import { kmeans } from './kmeans.js';
import { nearestCentroids } from './kmeans-core.js';
import { createRng } from './rng.js';
import { silhouettes } from './silhouette.js';

export interface ChooseKOptions {
  kMin?: number;
  kMax?: number;
  /** Rows the silhouette is computed on (it is quadratic in them). Default 10,000. */
  sampleSize?: number;
  /** Rows each k is fitted on, a seeded sample (every row when there are fewer). Default 100,000. */
  fitSampleSize?: number;
  /** Initialisations per k, default 3: the sweep only compares k's, so a good fit per k is enough. */
  nInit?: number;
  seed?: number;
  workers?: number;
}

export interface KScore {
  k: number;
  /** Of all rows, around the centroids fitted on the sample. */
  inertia: number;
  silhouette: number;
}

export interface ChooseKResult {
  k: number;
  /** One line: why this k. */
  reason: string;
  scores: KScore[];
  elbow: number;
}

/** How far below the best silhouette the elbow may be and still be preferred. */
const ELBOW_SILHOUETTE_SLACK = 0.01;

export async function chooseK(data: Float64Array, rows: number, cols: number, options: ChooseKOptions = {}): Promise<ChooseKResult> {
  const { kMin = 2, kMax = 8, sampleSize = 10_000, fitSampleSize = 100_000, nInit = 3, seed = 0, workers = 2 } = options;
  const hi = Math.min(kMax, rows);
  if (kMin < 2 || hi < kMin) throw new RangeError(`no k to try between ${kMin} and ${kMax} on ${rows} rows`);
  const fitData = sharedSample(data, sampleRows(rows, fitSampleSize, seed ^ 0xf17), cols);
  const fitRows = fitData.length / cols;
  const fits: { k: number; labels: Int32Array; inertia: number }[] = [];
  for (let k = kMin; k <= hi; k++) {
    const { centroids } = await kmeans(fitData, fitRows, cols, { k, nInit, seed, workers });
    const labels = new Int32Array(rows);
    fits.push({ k, labels, inertia: nearestCentroids(data, rows, cols, centroids, k, labels) });
  }
  const sil = silhouettes(data, sampleRows(rows, sampleSize, seed ^ 0x5eed), cols, fits);
  const scores = fits.map(({ k, inertia }, i) => ({ k, inertia, silhouette: sil[i]! }));
  const elbow = elbowOf(scores);
  const best = scores.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
  const atElbow = scores.find((s) => s.k === elbow)!;
  const f = (x: number): string => x.toFixed(3);
  if (elbow === best.k) return { k: elbow, reason: `k=${elbow}: best silhouette (${f(best.silhouette)}) and the elbow of inertia`, scores, elbow };
  if (atElbow.silhouette >= best.silhouette - ELBOW_SILHOUETTE_SLACK) {
    return { k: elbow, reason: `k=${elbow}: elbow of inertia, silhouette ${f(atElbow.silhouette)} close to the best (${f(best.silhouette)} at k=${best.k})`, scores, elbow };
  }
  return { k: best.k, reason: `k=${best.k}: best silhouette (${f(best.silhouette)}); the elbow at k=${elbow} scores only ${f(atElbow.silhouette)}`, scores, elbow };
}

/** The sampled rows copied into one SharedArrayBuffer, which every fit of the sweep hands to the workers as it is. */
function sharedSample(data: Float64Array, sample: readonly number[], cols: number): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(sample.length * cols * Float64Array.BYTES_PER_ELEMENT));
  sample.forEach((row, p) => out.set(data.subarray(row * cols, row * cols + cols), p * cols));
  return out;
}

/**
 * The k farthest above the straight line from the first to the last point of the normalised "inertia explained"
 * curve (the Kneedle rule), which needs no threshold tuned to the data's scale.
 */
export function elbowOf(scores: readonly { k: number; inertia: number }[]): number {
  const first = scores[0]!;
  const last = scores[scores.length - 1]!;
  const drop = first.inertia - last.inertia;
  if (scores.length < 3 || !(drop > 0)) return first.k;
  let best = first.k;
  let bestGap = -Infinity;
  for (const s of scores) {
    const gap = (first.inertia - s.inertia) / drop - (s.k - first.k) / (last.k - first.k);
    if (gap > bestGap) {
      bestGap = gap;
      best = s.k;
    }
  }
  return best;
}

/** A seeded sample without replacement (partial Fisher-Yates), or every row when there are few enough. */
function sampleRows(rows: number, size: number, seed: number): number[] {
  if (rows <= size) return Array.from({ length: rows }, (_, i) => i);
  const rng = createRng(seed);
  const idx = new Int32Array(rows);
  for (let i = 0; i < rows; i++) idx[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(rows - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return Array.from(idx.subarray(0, size));
}
