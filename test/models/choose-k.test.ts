import { describe, expect, it } from 'vitest';
import { chooseK, elbowOf } from '../../src/models/index.js';
import { blobs } from './reference.js';

describe('chooseK', () => {
  it('picks k = 4 on four well-separated blobs, with every k scored', async () => {
    const { data, rows, cols } = blobs([[0, 0], [12, 0], [0, 12], [12, 12]], 500, 1, 5);
    const r = await chooseK(data, rows, cols, { kMin: 2, kMax: 8, sampleSize: 1000, seed: 1 });
    expect(r.k).toBe(4);
    expect(r.reason).toMatch(/^k=4: /);
    expect(r.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < r.scores.length; i++) expect(r.scores[i]!.inertia).toBeLessThan(r.scores[i - 1]!.inertia);
    expect(r.scores[2]!.silhouette).toBeGreaterThan(0.7);
  });

  it('finds the elbow of an inertia curve', () => {
    expect(elbowOf([100, 50, 20, 18, 17, 16].map((inertia, i) => ({ k: i + 2, inertia })))).toBe(4);
  });
});
