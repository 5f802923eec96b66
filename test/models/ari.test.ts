import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from './ari.js';

describe('adjusted Rand index', () => {
  it('is 1 for the same partition under other names, and matches hand-computed values', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], ['b', 'b', 'a', 'a', 'c'])).toBe(1);
    // Contingency [[2,0],[0,1],[0,1]]: index 1, sums 2 and 1, expected 2/6, max 1.5 -> (1 - 1/3) / (1.5 - 1/3) = 4/7.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
    // Crossed halves agree less than chance: index 0, sums 2 and 2, expected 2/3 -> -2/3 / (2 - 2/3) = -1/2.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
    expect(() => adjustedRandIndex([0], [0, 1])).toThrow(/length/);
  });
});
