/**
 * A small seeded generator (mulberry32). Each k-means initialisation gets its own stream derived from the user's seed
 * and the initialisation's index, so a result never depends on which thread ran it or in what order.
 */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits: sampling by cumulative weight over a million rows needs more than 32. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992;
  return { next, int: (n) => Math.min(n - 1, Math.floor(next() * n)) };
}

/** Mixes a base seed with an index (a splitmix-style finaliser) so neighbouring indices give unrelated streams. */
export function deriveSeed(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
