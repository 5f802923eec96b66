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
