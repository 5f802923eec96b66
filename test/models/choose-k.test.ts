import { describe, expect, it } from 'vitest';
import { chooseK, elbowOf, kmeans, silhouettes } from '../../src/models/index.js';
import { blobs, referenceSilhouette } from './reference.js';

const FOUR = [
  [0, 0],
  [12, 0],
  [0, 12],
  [12, 12],
];

describe('chooseK', () => {
  it('picks k = 4 on four well-separated blobs, with every k scored', async () => {
    const { data, rows, cols } = blobs(FOUR, 500, 1, 5);
    const r = await chooseK(data, rows, cols, { kMin: 2, kMax: 8, sampleSize: 1000, seed: 1 });
    expect(r.k).toBe(4);
    expect(r.reason).toMatch(/^k=4: /);
    expect(r.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < r.scores.length; i++) expect(r.scores[i]!.inertia).toBeLessThan(r.scores[i - 1]!.inertia);
    expect(r.scores[2]!.silhouette).toBeGreaterThan(0.7);
  });

  it('fitting each k on a sample picks the same k as fitting on all rows, with inertias of all rows', async () => {
    // Overlapping blobs, so the curve has no trivially obvious shape; 40,000 rows fitted on a 4,000-row sample.
    const { data, rows, cols } = blobs(FOUR, 10_000, 3.5, 9);
    const options = { kMin: 2, kMax: 8, sampleSize: 1500, seed: 2 };
    const sampled = await chooseK(data, rows, cols, { ...options, fitSampleSize: 4000 });
    const full = await chooseK(data, rows, cols, { ...options, fitSampleSize: rows });
    expect(sampled.k).toBe(full.k);
    expect(sampled.elbow).toBe(full.elbow);
    expect(full.k).toBe(4);
    sampled.scores.forEach((s, i) => {
      // Scored on all rows: never below the fit on all rows by more than its own sampling, and close above it.
      expect(s.inertia / full.scores[i]!.inertia).toBeGreaterThan(0.999);
      expect(s.inertia / full.scores[i]!.inertia).toBeLessThan(1.02);
      expect(Math.abs(s.silhouette - full.scores[i]!.silhouette)).toBeLessThan(0.02);
    });
  });

  it('finds the elbow of an inertia curve', () => {
    expect(elbowOf([100, 50, 20, 18, 17, 16].map((inertia, i) => ({ k: i + 2, inertia })))).toBe(4);
  });
});

describe('silhouettes', () => {
  it('match the definition for several labelings at once, nested or not', async () => {
    const { data, rows, cols } = blobs(FOUR, 150, 2.5, 3);
    const sample = Array.from({ length: 240 }, (_, i) => (i * 7) % rows);
    const fits = [];
    for (const k of [2, 3, 4, 5]) fits.push({ k, labels: (await kmeans(data, rows, cols, { k, seed: 1 })).labels });
    // Unrelated to the fits, with a singleton cluster, so the groups of label tuples do not nest.
    const odd = new Int32Array(rows).map((_, i) => (i === sample[0] ? 3 : (i * 5) % 3));
    const labelings = [...fits, { k: 4, labels: odd }];
    const got = silhouettes(data, sample, cols, labelings);
    labelings.forEach(({ labels }, l) => expect(got[l]).toBeCloseTo(referenceSilhouette(data, sample, cols, labels), 10));
  });
});
