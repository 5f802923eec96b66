import type { Product } from './catalog.js';
import { PERSONAS, PERSONA_BEHAVIOR, type Persona } from './personas.js';
import { searchCumulative, type Random } from './random.js';

/** Appeal never drops to zero, so every launched product stays reachable and a running total never stalls. */
const MIN_AFFINITY = 0.01;

/**
 * Draws products in proportion to a persona's affinity, among those already launched at a given time. The catalog is
 * sorted by launch time, so "launched by t" is a prefix and "launched in (from, t]" a range: one running total per
 * persona answers both with a binary search, whatever the catalog size.
 */
export class ProductSampler {
  private readonly launchTimes: Float64Array;
  private readonly cumulative: Record<Persona, Float64Array>;
  /** The last `launchedBy` answer: the lines and views of one visit ask about the same moment in a row. */
  private lastAt = Number.NaN;
  private lastLaunched = 0;

  constructor(private readonly products: readonly Product[]) {
    if (products.length === 0) throw new Error('the catalog is empty');
    this.launchTimes = Float64Array.from(products, (p) => p.launchedAt);
    const cumulative = {} as Record<Persona, Float64Array>;
    for (const persona of PERSONAS) {
      const { affinity } = PERSONA_BEHAVIOR[persona];
      const totals = new Float64Array(products.length);
      let total = 0;
      products.forEach((product, i) => {
        total += Math.max(MIN_AFFINITY, affinity(product));
        totals[i] = total;
      });
      cumulative[persona] = totals;
    }
    this.cumulative = cumulative;
  }

  /** A product launched at or before `at`; the earliest product when nothing had launched yet. */
  pick(rng: Random, persona: Persona, at: number): Product {
    return this.pickInRange(rng, persona, 0, Math.max(1, this.launchedBy(at)));
  }

  /** A product launched in (at - withinSeconds, at], or undefined when none was. */
  pickNewArrival(rng: Random, persona: Persona, at: number, withinSeconds: number): Product | undefined {
    const from = this.launchedBy(at - withinSeconds);
    const to = this.launchedBy(at);
    return from < to ? this.pickInRange(rng, persona, from, to) : undefined;
  }

  /** How many products launched at or before `at`. */
  private launchedBy(at: number): number {
    if (at === this.lastAt) return this.lastLaunched;
    let lo = 0;
    let hi = this.launchTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.launchTimes[mid] ?? Infinity) <= at) lo = mid + 1;
      else hi = mid;
    }
    this.lastAt = at;
    this.lastLaunched = lo;
    return lo;
  }

  private pickInRange(rng: Random, persona: Persona, from: number, to: number): Product {
    const totals = this.cumulative[persona];
    const base = from > 0 ? (totals[from - 1] ?? 0) : 0;
    const span = (totals[to - 1] ?? 0) - base;
    const index = searchCumulative(totals, from, to, base + rng.next() * span);
    const product = this.products[index];
    if (!product) throw new Error(`product index ${index} out of range`);
    return product;
  }
}
