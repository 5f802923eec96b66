import type { Lifecycle, PersonaBehavior } from './personas.js';
import { WeightedTable, type Random } from './random.js';
import { DAY, HOUR, dayOf, isWeekend, type TimeWindow } from './timestamps.js';

/** Sessions are started at least this long before the window ends, so the whole visit stays inside it. */
const SESSION_HEADROOM = 3 * HOUR;

/** When in the day people shop: a lunchtime bump and an evening peak. */
const HOUR_OF_DAY = new WeightedTable(
  [0.5, 0.3, 0.2, 0.1, 0.1, 0.2, 0.5, 1, 1.5, 2, 2.5, 3, 4, 4, 3, 3, 3, 3.5, 4, 5, 6, 6, 4, 2].map((w, hour) => [hour, w] as const),
);

/** Picks days and moments inside the event window. */
export class Clock {
  /** The first and last whole days inside the window. */
  readonly firstDay: number;
  readonly lastDay: number;
  /** The latest moment a visit may start. */
  readonly latestStart: number;

  constructor(readonly window: TimeWindow) {
    this.firstDay = dayOf(window.start) + 1;
    this.latestStart = window.end - SESSION_HEADROOM;
    this.lastDay = dayOf(this.latestStart) - 1;
  }

  /** A moment on `day` at a typical shopping hour, kept inside the window. */
  momentOn(rng: Random, day: number): number {
    const at = day * DAY + HOUR_OF_DAY.pick(rng) * HOUR + rng.int(HOUR);
    return Math.max(this.window.start, Math.min(at, this.latestStart));
  }

  /**
   * A day in [lo, hi] that falls on a weekend with probability `weekendShare`: a uniform day, moved to the nearest
   * day of the wanted kind when one lies within three days and the bounds.
   */
  day(rng: Random, lo: number, hi: number, weekendShare: number): number {
    return nudgeToWeekend(rng.intBetween(lo, hi), rng.chance(weekendShare), lo, hi);
  }
}

function nudgeToWeekend(day: number, wantWeekend: boolean, lo: number, hi: number): number {
  if (isWeekend(day) === wantWeekend) return day;
  for (const offset of [1, -1, 2, -2, 3, -3]) {
    const candidate = day + offset;
    if (candidate >= lo && candidate <= hi && isWeekend(candidate) === wantWeekend) return candidate;
  }
  return day;
}

/** When a customer exists, orders, and pays attention; everything the lifecycle decides. */
export interface Timeline {
  createdAt: number;
  /** Start of each order's visit, ascending. */
  orders: number[];
  /** Browsing and email engagement happen in [activeFrom, activeUntil). */
  activeFrom: number;
  activeUntil: number;
}

/** No customer orders more than this, whatever the spread of their rate; keeps one customer's rows bounded. */
const MAX_ORDERS = 150;

export function planTimeline(rng: Random, clock: Clock, lifecycle: Lifecycle, behavior: PersonaBehavior): Timeline {
  const { firstDay, lastDay } = clock;
  if (lifecycle === 'registered') {
    const createdAt = clock.momentOn(rng, rng.intBetween(firstDay, lastDay));
    return { createdAt, orders: [], activeFrom: createdAt, activeUntil: clock.window.end };
  }
  // The first and last order days are drawn with the customer's weekend habit too: for one-order customers they are
  // the only days there are.
  const drawDay = (lo: number, hi: number): number => clock.day(rng, lo, hi, behavior.weekendShare);
  let first: number;
  let last: number;
  switch (lifecycle) {
    case 'new':
      first = drawDay(lastDay - 59, lastDay);
      last = lastDay;
      break;
    case 'active':
      first = drawDay(firstDay, lastDay - 150);
      last = drawDay(lastDay - 34, lastDay);
      break;
    case 'lapsing':
      first = drawDay(firstDay, lastDay - 300);
      last = drawDay(lastDay - 240, lastDay - 122);
      break;
    case 'churned':
      last = drawDay(firstDay + 30, lastDay - 370);
      first = drawDay(firstDay, last);
      break;
  }
  const rate = behavior.ordersPerYear * rng.spread(0.35);
  const expected = (rate * (last - first)) / 365;
  // A new customer has made the first order and maybe more; the others have a first and a last order by definition,
  // except that a lapsed or churned customer may have ordered only once.
  const count = Math.min(
    MAX_ORDERS,
    lifecycle === 'new' ? 1 + rng.poisson(expected) : Math.max(lifecycle === 'active' ? 2 : 1, rng.poisson(expected)),
  );
  const days = orderDays(rng, behavior, first, last, count, lifecycle !== 'new');
  const orders = days.map((day) => clock.momentOn(rng, day)).sort((a, b) => a - b);
  const firstOrder = orders[0] ?? clock.window.start;
  const lastOrder = orders[orders.length - 1] ?? clock.window.start;
  // Most accounts are opened shortly before the first order; a few long before.
  const createdAt = firstOrder - Math.floor(rng.exponential(20 * DAY));
  const stillAround = lifecycle === 'new' || lifecycle === 'active';
  return {
    createdAt,
    orders,
    activeFrom: Math.max(clock.window.start, createdAt),
    activeUntil: stillAround ? clock.window.end : lastOrder + rng.intBetween(7, 45) * DAY,
  };
}

/**
 * `count` order days in [first, last]: the first day always, the last day too when it anchors recency (a new
 * customer's later orders fall anywhere up to the end instead). A single order lands on the anchoring day.
 */
function orderDays(rng: Random, behavior: PersonaBehavior, first: number, last: number, count: number, anchorLast: boolean): number[] {
  if (count === 1) return [anchorLast ? last : first];
  const days = [first];
  const free = anchorLast ? count - 2 : count - 1;
  for (let i = 1; i <= free; i++) {
    // Steady customers order on a regular cadence with a little slack around each due date.
    const due = behavior.steady ? first + Math.round(((last - first) * (i + rng.between(-0.3, 0.3))) / (count - 1)) : rng.intBetween(first, last);
    days.push(nudgeToWeekend(Math.min(last, Math.max(first, due)), rng.chance(behavior.weekendShare), first, last));
  }
  if (anchorLast) days.push(last);
  return days;
}
