import type { Product } from './catalog.js';
import { PERSONAS, PERSONA_BEHAVIOR, type Persona } from './personas.js';
import type { Random } from './random.js';
import { DAY } from './timestamps.js';

/**
 * Behavior shifts: a known share of buyers start browsing a category their persona hardly ever buys (a casual buyer
 * looking at blazers and heels) in the last weeks of the window. ground_truth.csv names the category, so profiles'
 * new_behavior can be measured against it. Drawn from a random stream of their own, so the rest of the store is the
 * same with or without them.
 */

/** Share of eligible customers (two orders or more) who shift. */
const SHIFT_SHARE = 0.1;
const SHIFT_MIN_ORDERS = 2;
/** The shift happens in the last SHIFT_DAYS days of the window. */
const SHIFT_DAYS = 21;
const SHIFT_VISITS = [2, 4] as const;
const VIEWS_PER_VISIT = [3, 5] as const;
const CART_CHANCE = 0.5;
/** A shift goes to one of this many categories the persona buys least. */
const CANDIDATES = 3;

interface ShiftVisit {
  at: number;
  query: string;
  views: Product[];
  cart: Product | undefined;
}

export class BehaviorShifts {
  private readonly byCategory = new Map<string, Product[]>();
  private readonly targets: Record<Persona, string[]>;

  constructor(
    private readonly rng: Random,
    products: readonly Product[],
  ) {
    for (const p of products) this.byCategory.set(p.category, [...(this.byCategory.get(p.category) ?? []), p]);
    const targets = {} as Record<Persona, string[]>;
    for (const persona of PERSONAS) {
      const { affinity } = PERSONA_BEHAVIOR[persona];
      const mass = [...this.byCategory].map(([category, items]) => [category, items.reduce((s, p) => s + affinity(p), 0) / items.length] as const);
      targets[persona] = mass
        .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
        .slice(0, CANDIDATES)
        .map(([category]) => category);
    }
    this.targets = targets;
  }

  /** The category a customer shifts to, or '' for most; drawn for every customer so the stream stays aligned. */
  draw(persona: Persona, orders: number): string {
    const shifts = this.rng.chance(SHIFT_SHARE);
    const category = this.rng.pick(this.targets[persona]);
    return shifts && orders >= SHIFT_MIN_ORDERS ? category : '';
  }

  /** The visits of a shift towards `category` ending before `end`: a search, several views, maybe a cart. */
  visits(category: string, end: number, latestStart: number): ShiftVisit[] {
    const { rng } = this;
    const launched = (this.byCategory.get(category) ?? []).filter((p) => p.launchedAt < end - SHIFT_DAYS * DAY);
    if (launched.length === 0) return [];
    const count = rng.intBetween(...SHIFT_VISITS);
    const out: ShiftVisit[] = [];
    for (let i = 0; i < count; i++) {
      const at = Math.min(latestStart, end - rng.intBetween(1, SHIFT_DAYS) * DAY + rng.int(DAY / 2));
      const views = Array.from({ length: rng.intBetween(...VIEWS_PER_VISIT) }, () => rng.pick(launched));
      const first = views[0]!;
      out.push({ at, query: rng.pick(first.searchQueries), views, cart: rng.chance(CART_CHANCE) ? rng.pick(views) : undefined });
    }
    return out;
  }
}
