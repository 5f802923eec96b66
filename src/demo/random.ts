/**
 * Seeded randomness for the demo generator. The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator): four 32-bit words of state, only 32-bit integer arithmetic (fast in V8), and good statistical quality.
 * Everything random in the demo flows from one of these, never from Math.random, so a seed reproduces files byte for byte.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `stream` separates independent sequences drawn from one user seed, so the catalog does not shift customers. */
  constructor(seed: number, stream: number) {
    this.a = seed >>> 0;
    this.b = Math.floor(seed / 0x1_0000_0000) >>> 0;
    this.c = Math.imul(stream + 1, 0x9e3779b9) >>> 0;
    this.d = 1;
    // Nearby seeds start in nearby states; a few rounds decorrelate them.
    for (let i = 0; i < 16; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) + t;
    this.c |= 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi], both included. */
  intBetween(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  }

  /** Standard normal (Box-Muller; the second value is dropped to keep the state simple). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A multiplicative spread around 1 (log-normal with median 1) for per-customer variation of a rate. */
  spread(sigma: number): number {
    return Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    // Knuth's product method is exact but linear in the mean; beyond that the normal approximation is close enough.
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

/** Index of the first entry of a running total in [lo, hi) that exceeds `target`; the weighted draw behind every table. */
export function searchCumulative(cumulative: Float64Array, lo: number, hi: number, target: number): number {
  let left = lo;
  let right = hi - 1;
  while (left < right) {
    const mid = (left + right) >>> 1;
    if ((cumulative[mid] ?? 0) > target) right = mid;
    else left = mid + 1;
  }
  return left;
}

/** A fixed set of values drawn with given relative weights. */
export class WeightedTable<T> {
  private readonly values: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new Error('a weighted table needs at least one entry');
    this.values = entries.map(([value]) => value);
    this.cumulative = new Float64Array(entries.length);
    let total = 0;
    entries.forEach(([, weight], i) => {
      total += weight;
      this.cumulative[i] = total;
    });
    if (!(total > 0)) throw new Error('a weighted table needs a positive total weight');
    this.total = total;
  }

  /** Weights given as a record keyed by the values themselves. */
  static of<K extends string>(weights: Readonly<Record<K, number>>): WeightedTable<K> {
    return new WeightedTable(Object.entries(weights) as [K, number][]);
  }

  pick(rng: Random): T {
    const i = searchCumulative(this.cumulative, 0, this.values.length, rng.next() * this.total);
    return this.values[i] as T;
  }
}
