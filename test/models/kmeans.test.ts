import { describe, expect, it } from 'vitest';
import { kmeans, type KMeansResult } from '../../src/models/index.js';
import { adjustedRand, blobs, referenceBest } from './reference.js';

const CENTRES = [
  [0, 0, 0],
  [10, 0, 0],
  [0, 10, 0],
  [0, 0, 10],
  [10, 10, 10],
];

/** Each fitted centroid's distance to the nearest true centre. */
function centreErrors(r: KMeansResult, cols: number): number[] {
  return Array.from({ length: r.centroids.length / cols }, (_, j) =>
    Math.min(...CENTRES.map((c) => Math.hypot(...c.map((v, t) => v - r.centroids[j * cols + t]!)))),
  );
}

/** Row i's nearest centroid of a result and the squared distance to it. */
function nearestCentroid(r: KMeansResult, data: Float64Array, i: number, cols: number): { label: number; d2: number } {
  let label = 0;
  let d2 = Infinity;
  for (let j = 0; j < r.centroids.length / cols; j++) {
    let s = 0;
    for (let t = 0; t < cols; t++) s += (data[i * cols + t]! - r.centroids[j * cols + t]!) ** 2;
    if (s < d2) [label, d2] = [j, s];
  }
  return { label, d2 };
}

describe('kmeans', () => {
  it('recovers known blob centres, at the best inertia of 50 plain Lloyd restarts', async () => {
    const { data, rows, cols, truth } = blobs(CENTRES, 400, 1.5, 7);
    const r = await kmeans(data, rows, cols, { k: 5, seed: 3 });
    expect(adjustedRand(r.labels, truth)).toBeGreaterThan(0.99);
    for (const e of centreErrors(r, cols)) expect(e).toBeLessThan(0.2);
    const reference = referenceBest(data, rows, cols, 5, 50, 1);
    expect(r.inertia).toBeLessThanOrEqual(reference * 1.005);
  });

  it('gives identical labels and centroids for a seed with one worker or two', async () => {
    // 12,000 rows x 10 initialisations is enough work for kmeans to really start the workers.
    const { data, rows, cols } = blobs(CENTRES.slice(0, 4), 3000, 4, 11);
    const one = await kmeans(data, rows, cols, { k: 4, seed: 42, workers: 1 });
    const two = await kmeans(data, rows, cols, { k: 4, seed: 42, workers: 2 });
    expect(Array.from(two.labels)).toEqual(Array.from(one.labels));
    expect(Array.from(two.centroids)).toEqual(Array.from(one.centroids));
    expect(two.inertia).toBe(one.inertia);
    const other = await kmeans(data, rows, cols, { k: 4, seed: 43, workers: 2 });
    expect(other.inertia).toBeCloseTo(one.inertia, 0);
  });

  it('runs its workers from the compiled dist/ build with the same result', async () => {
    // The global setup compiles src/ to dist/ before the tests; a computed specifier keeps tsc from resolving it.
    const compiledModule = '../../dist/models/index.js';
    const dist = (await import(compiledModule)) as typeof import('../../src/models/index.js');
    const { data, rows, cols } = blobs(CENTRES.slice(0, 4), 3000, 4, 11);
    const compiled = await dist.kmeans(data, rows, cols, { k: 4, seed: 42, workers: 2 });
    const source = await kmeans(data, rows, cols, { k: 4, seed: 42, workers: 2 });
    expect(Array.from(compiled.labels)).toEqual(Array.from(source.labels));
    expect(compiled.inertia).toBe(source.inertia);
  });

  it('seeds and first iterates each initialisation on a sample, then finishes on all rows at the reference inertia', async () => {
    // 20,000 rows against a 2,000-row sample: the initialisations start on the sample.
    // Overlapping blobs (sd 2.5 around centres 10 apart), so that where the boundaries fall takes real iterations.
    const { data, rows, cols } = blobs(CENTRES, 4000, 2.5, 13);
    const warm = await kmeans(data, rows, cols, { k: 5, seed: 4, sampleRows: 2000, workers: 1 });
    const reference = referenceBest(data, rows, cols, 5, 10, 2);
    expect(warm.inertia).toBeLessThanOrEqual(reference * 1.001);
    // The labels and inertia returned are those of all rows around the centroids returned.
    const nearest = Array.from({ length: rows }, (_, i) => nearestCentroid(warm, data, i, cols));
    expect(Array.from(warm.labels)).toEqual(nearest.map((n) => n.label));
    expect(warm.inertia).toBeCloseTo(nearest.reduce((s, n) => s + n.d2, 0), 6);
    const two = await kmeans(data, rows, cols, { k: 5, seed: 4, sampleRows: 2000, workers: 2 });
    expect(Array.from(two.centroids)).toEqual(Array.from(warm.centroids));
    expect(two.inertia).toBe(warm.inertia);
  });

  it('handles k at or above the number of distinct points, with no empty or NaN centroid', async () => {
    const data = Float64Array.from([1, 1, 1, 1, 5, 5, 5, 5, 9, 9].flatMap((v) => [v, -v]));
    const r = await kmeans(data, 10, 2, { k: 5, seed: 1 });
    expect(r.inertia).toBe(0);
    expect(r.centroids.every(Number.isFinite)).toBe(true);
    const distinct = new Set(Array.from({ length: 5 }, (_, j) => `${r.centroids[j * 2]},${r.centroids[j * 2 + 1]}`));
    expect([...distinct].sort()).toEqual(['1,-1', '5,-5', '9,-9']);
    await expect(kmeans(data, 10, 2, { k: 11 })).rejects.toThrow(/more than the 10 rows/);
  });
});
