import { csvField } from './csv-writer.js';
import type { SaleCalendar } from './pricing.js';
import type { Random } from './random.js';
import { DAY, HOUR, dayOf, type TimeWindow } from './timestamps.js';

const WEEK = 7 * DAY;

/**
 * Each campaign goes to a sampled slice of the opted-in list rather than to everyone: a real weekly newsletter would
 * make email rows outnumber orders, while the demo keeps browsing and email at a fraction of the order lines.
 */
const SEND_SHARE = 0.03;
const LOG_KEEP = Math.log(1 - SEND_SHARE);

/** The store's email programme: a campaign every Tuesday at 09:00 UTC, named after its date and season. */
export class CampaignSchedule {
  readonly sendTimes: number[] = [];
  /** The `properties` cell of each campaign's email events, CSV-escaped. */
  readonly properties: string[] = [];

  constructor(window: TimeWindow, sales: SaleCalendar) {
    let day = dayOf(window.start) + 1;
    // 1970-01-06 (day 5) was a Tuesday.
    while ((((day - 5) % 7) + 7) % 7 !== 0) day++;
    for (; day * DAY + 9 * HOUR < window.end - DAY; day += 7) {
      const kind = sales.isSale(day) ? 'sale' : 'newsletter';
      const date = new Date(day * DAY * 1000).toISOString().slice(0, 10);
      this.sendTimes.push(day * DAY + 9 * HOUR);
      this.properties.push(csvField(JSON.stringify({ campaign: `${kind}-${date}` })));
    }
  }

  /** The first campaign sent at or after `at` (possibly one past the last). */
  firstFrom(at: number): number {
    const first = this.sendTimes[0];
    if (first === undefined) return 0;
    return Math.min(this.sendTimes.length, Math.max(0, Math.ceil((at - first) / WEEK)));
  }

  /** The latest campaign sent at or before `at`, or -1. */
  latestBy(at: number): number {
    return this.firstFrom(at + 1) - 1;
  }

  /** The next campaign after `current` that reaches this customer: a geometric skip instead of a coin per campaign. */
  nextFor(rng: Random, current: number): number {
    return current + 1 + Math.floor(Math.log(1 - rng.next()) / LOG_KEEP);
  }
}
