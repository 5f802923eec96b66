/**
 * The per-customer data both models read, built in SQL from order lines: purchase occasions (a customer's orders on
 * one calendar day merged into one), then per customer x, t_x, T and the mean value of the repeat occasions.
 *
 * The calendar is the literature's (Fader, Hardie & Lee 2005; lifetimes' `summary_data_from_transaction_data`):
 * whole days, and the calibration period ends on a day that counts in full. Runs and features read the events
 * strictly before an as-of instant, so a run as of D 00:00 has a calibration period ending on D - 1, inclusive, and
 * T counts the days from the first purchase day to that last day: CDNOW's first buyers of 1997-01-01 have T = 272
 * days (38.86 weeks) at the end of 1997-09-30, which is what reproduces the paper's estimates.
 */
import { argMin, asTimestamp, decimal, sql, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import type { Frequency } from './bgnbd.js';
import type { Spend } from './gamma-gamma.js';

export const TIME_UNITS = ['day', 'week'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];
export const UNIT_DAYS: Record<TimeUnit, number> = { day: 1, week: 7 };

const DAY_MS = 86_400_000;

/**
 * The calibration period's last day, inclusive (YYYY-MM-DD, UTC): the day of the last instant before `asOf` (as
 * `parseAsOf` gives it). For a midnight that is the day before; for 12:00 it is the same day, counted up to noon.
 */
export function lastDayBefore(asOf: string): string {
  return new Date(Date.parse(`${asOf.replace(' ', 'T')}Z`) - 1).toISOString().slice(0, 10);
}

/** Whole days from the calibration period of one as-of date to that of a later one. */
export function daysBetween(asOf: string, later: string): number {
  return (Date.parse(lastDayBefore(later)) - Date.parse(lastDayBefore(asOf))) / DAY_MS;
}

/**
 * Every customer with an order before `asOf`, in customer id order. `monetary` is NaN when there is no repeat
 * occasion (or its value is unknown); times are in `unit`s.
 */
export interface Summary extends Frequency {
  customerIds: string[];
  monetary: Float64Array;
}

/**
 * A customer's purchase occasions in [from, until): order lines grouped by customer and calendar day (UTC), valued at
 * quantity * unit_price. Lines rather than orders are grouped: an order's lines carry its one timestamp, and grouping
 * on the order key first would double the cost of the query for the same occasions.
 */
export function occasions(range: { from?: string; until: string; customerId?: string }): Sql {
  const from = range.from === undefined ? sql`` : sql`AND ts >= ${asTimestamp(range.from)}`;
  const only = range.customerId === undefined ? sql`` : sql`AND customer_id = ${range.customerId}`;
  // Exact decimal sums: a double sum depends on the order DuckDB's threads add in, and the fit downstream would carry
  // that last-bit noise into every score (two runs of the same store differed by 1e-8).
  return sql`SELECT customer_id, CAST(ts AS DATE) AS day, sum(${decimal(sql`quantity * unit_price`, 4)}) AS value
    FROM events
    WHERE type = 'order' AND customer_id IS NOT NULL AND ts < ${asTimestamp(range.until)} ${from} ${only}
    GROUP BY customer_id, day`;
}

/**
 * One row per customer: x = occasions - 1; t_x = days from the first occasion to the last; T = days from the first
 * occasion to the calibration period's last day (`lastDayBefore(asOf)`, inclusive); monetary = mean value of the
 * occasions after the first.
 */
export function summaryQuery(asOf: string, unit: TimeUnit, customerId?: string): Sql {
  return sql`${summaryRows(asOf, unit, customerId)} ORDER BY customer_id`;
}

/** summaryQuery's rows in no particular order: for a relation grouped or joined further in SQL. */
export function summaryRows(asOf: string, unit: TimeUnit, customerId?: string): Sql {
  const days = UNIT_DAYS[unit];
  return sql`WITH s AS (
      SELECT customer_id, count(*) - 1 AS x, min(day) AS first_day, max(day) AS last_day, sum(value) AS total,
        ${argMin(sql`value`, sql`day`)} AS first_value
      FROM (${occasions({ until: asOf, customerId })}) GROUP BY customer_id
    )
    SELECT customer_id, CAST(x AS DOUBLE) AS x, CAST(date_diff('day', first_day, last_day) AS DOUBLE) / ${days} AS tx,
      CAST(date_diff('day', first_day, CAST(${lastDayBefore(asOf)} AS DATE)) AS DOUBLE) / ${days} AS T,
      CASE WHEN x > 0 THEN CAST(total - first_value AS DOUBLE) / x END AS monetary
    FROM s`;
}

/**
 * The numbers of a relation with summaryQuery's columns (summaryRows, or a table made from it), without the ids and in
 * no particular order: what the fits read (they sum over the distinct histories themselves, bgnbd.ts
 * prepareFrequency, and over spendOf's sorted spends, so that no fit depends on the order rows come in), four
 * doubles a customer. Sorting by customer id here cost a tenth of the summary. Grouping in SQL instead brought less
 * than half as many rows on the 1M demo store (459k distinct (x, t_x, T) of 900k customers, and nearly as many
 * (x, monetary) as repeat buyers) for three times the CPU of this read.
 */
export async function summaryNumbers(store: Store, summary: Sql): Promise<Frequency & { monetary: Float64Array }> {
  const v = await store.vectors(sql`SELECT x, tx, T, monetary FROM (${summary})`);
  return { x: v.x as Float64Array, tx: v.tx as Float64Array, T: v.T as Float64Array, monetary: v.monetary as Float64Array };
}

export async function customerSummaries(store: Store, asOf: string, unit: TimeUnit): Promise<Summary> {
  const v = await store.vectors(summaryQuery(asOf, unit));
  return { customerIds: v.customer_id as string[], x: v.x as Float64Array, tx: v.tx as Float64Array, T: v.T as Float64Array, monetary: v.monetary as Float64Array };
}

/**
 * Repeat customers whose repeat occasions have a positive mean value: the Gamma-Gamma data, sorted by x and then
 * monetary, so that the fit's sums come out the same whatever order the customers were read in.
 */
export function spendOf(s: Frequency & { monetary: Float64Array }): Spend {
  // Bucketed by x (whole numbers, few of them), each bucket's values sorted as a typed array: a comparator sort of
  // the pairs took ten times as long.
  const byX = new Map<number, number[]>();
  for (let i = 0; i < s.x.length; i++) {
    const x = s.x[i]!;
    const m = s.monetary[i]!;
    if (!(x > 0 && m > 0)) continue;
    const bucket = byX.get(x);
    if (bucket) bucket.push(m);
    else byX.set(x, [m]);
  }
  const n = [...byX.values()].reduce((total, b) => total + b.length, 0);
  const out = { x: new Float64Array(n), monetary: new Float64Array(n) };
  let at = 0;
  for (const x of [...byX.keys()].sort((u, w) => u - w)) {
    const values = Float64Array.from(byX.get(x)!).sort();
    out.x.fill(x, at, at + values.length);
    out.monetary.set(values, at);
    at += values.length;
  }
  return out;
}
