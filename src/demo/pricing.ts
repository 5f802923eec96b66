import type { Product } from './catalog.js';
import { NO_PRICE } from './event-batch.js';
import type { PersonaBehavior } from './personas.js';
import { WeightedTable, type Random } from './random.js';
import { monthAndDay } from './timestamps.js';

/** Discount levels as a share of the list price; index 0 is full price. */
const DISCOUNT_RATES = [0, 0.1, 0.2, 0.3, 0.4, 0.5] as const;
const SHALLOW_DISCOUNTS = new WeightedTable([
  [1, 0.4],
  [2, 0.4],
  [3, 0.2],
] as const);
const DEEP_DISCOUNTS = new WeightedTable([
  [3, 0.4],
  [4, 0.35],
  [5, 0.25],
] as const);

function money(cents: number): string {
  const units = Math.floor(cents / 100);
  const rest = cents - units * 100;
  return `${units}.${rest < 10 ? '0' : ''}${rest}`;
}

/**
 * The `unit_price,discount` cells of event rows for every product at every discount level, formatted once: order
 * lines are the bulk of the events file and number formatting would otherwise dominate writing them.
 */
export class PriceList {
  private readonly paidCells: string[][];
  private readonly refundCells: string[][];
  private readonly listCells: string[];

  constructor(products: readonly Product[]) {
    const paidCents = products.map((product) => DISCOUNT_RATES.map((rate) => Math.round(product.priceCents * (1 - rate))));
    this.paidCells = products.map((product, i) => (paidCents[i] ?? []).map((paid) => `${money(paid)},${money(product.priceCents - paid)}`));
    this.refundCells = paidCents.map((levels) => levels.map((paid) => `${money(paid)},`));
    this.listCells = products.map((product) => `${money(product.priceCents)},`);
  }

  /** An order line: the unit price paid and the discount per unit, at a discount level (0 = full price). */
  paid(product: Product, level: number): string {
    return this.paidCells[product.index]?.[level] ?? NO_PRICE;
  }

  /** A return: the unit price that was paid, no discount. */
  refund(product: Product, level: number): string {
    return this.refundCells[product.index]?.[level] ?? NO_PRICE;
  }

  /** A cart event: the list price. */
  listed(product: Product): string {
    return this.listCells[product.index] ?? NO_PRICE;
  }
}

/**
 * Sale seasons (Black Friday week, the winter sale, the summer sale): discounted buying doubles for everyone, so the
 * price-sensitive stand out even more while the full-price buyers stay mostly full price.
 */
export class SaleCalendar {
  private readonly saleDays: Uint8Array;

  constructor(
    private readonly firstDay: number,
    lastDay: number,
  ) {
    this.saleDays = new Uint8Array(lastDay - firstDay + 1);
    for (let day = firstDay; day <= lastDay; day++) {
      const { month, dayOfMonth } = monthAndDay(day);
      const sale =
        (month === 11 && dayOfMonth >= 20) ||
        (month === 12 && (dayOfMonth <= 2 || dayOfMonth >= 26)) ||
        (month === 1 && dayOfMonth <= 15) ||
        (month === 6 && dayOfMonth >= 25) ||
        (month === 7 && dayOfMonth <= 15);
      this.saleDays[day - firstDay] = sale ? 1 : 0;
    }
  }

  isSale(day: number): boolean {
    return this.saleDays[day - this.firstDay] === 1;
  }

  /** The discount level a line is bought at. */
  discountLevel(rng: Random, behavior: PersonaBehavior, day: number): number {
    const chance = this.isSale(day) ? Math.min(0.95, behavior.discountChance * 2) : behavior.discountChance;
    if (!rng.chance(chance)) return 0;
    return (behavior.deepDiscounts ? DEEP_DISCOUNTS : SHALLOW_DISCOUNTS).pick(rng);
  }
}
