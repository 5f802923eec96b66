/**
 * The per-customer data both models read, built in SQL from order lines: purchase occasions (a customer's orders on
 * one calendar day merged into one), then per customer x, t_x, T and the mean value of the repeat occasions.
 */
import { UsageError } from '../../shared/errors.js';
import { sql, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import type { Frequency } from './bgnbd.js';

export const TIME_UNITS = ['day', 'week'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];
export const UNIT_DAYS: Record<TimeUnit, number> = { day: 1, week: 7 };

export function parseTimeUnit(text: string): TimeUnit {
  if (!(TIME_UNITS as readonly string[]).includes(text)) throw new UsageError(`--unit: "${text}" is not one of ${TIME_UNITS.join(', ')}`, { unit: text });
  return text as TimeUnit;
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
  const from = range.from === undefined ? sql`` : sql`AND ts >= CAST(${range.from} AS TIMESTAMP)`;
  const only = range.customerId === undefined ? sql`` : sql`AND customer_id = ${range.customerId}`;
  // Exact decimal sums: a double sum depends on the order DuckDB's threads add in, and the fit downstream would carry
  // that last-bit noise into every score (two runs of the same store differed by 1e-8).
  return sql`SELECT customer_id, CAST(ts AS DATE) AS day, sum(CAST(quantity * unit_price AS DECIMAL(18, 4))) AS value
    FROM events
    WHERE type = 'order' AND customer_id IS NOT NULL AND ts < CAST(${range.until} AS TIMESTAMP) ${from} ${only}
    GROUP BY customer_id, day`;
}

/**
 * One row per customer: x = occasions - 1; t_x = days from the first occasion to the last; T = time from the start
 * of the first occasion's day to `asOf`; monetary = mean value of the occasions after the first.
 */
export function summaryQuery(asOf: string, unit: TimeUnit, customerId?: string): Sql {
  const days = UNIT_DAYS[unit];
  return sql`WITH s AS (
      SELECT customer_id, count(*) - 1 AS x, min(day) AS first_day, max(day) AS last_day, sum(value) AS total,
        arg_min(value, day) AS first_value
      FROM (${occasions({ until: asOf, customerId })}) GROUP BY customer_id
    )
    SELECT customer_id, CAST(x AS DOUBLE) AS x, date_diff('day', first_day, last_day) / ${days} AS tx,
      (epoch(CAST(${asOf} AS TIMESTAMP)) - epoch(first_day)) / 86400 / ${days} AS T,
      CASE WHEN x > 0 THEN CAST(total - first_value AS DOUBLE) / x END AS monetary
    FROM s ORDER BY customer_id`;
}

interface SummaryRow {
  customer_id: string;
  x: number;
  tx: number;
  T: number;
  monetary: number | null;
}

export function toSummary(rows: readonly SummaryRow[]): Summary {
  const n = rows.length;
  const s: Summary = { customerIds: new Array<string>(n), x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n), monetary: new Float64Array(n) };
  rows.forEach((r, i) => {
    s.customerIds[i] = r.customer_id;
    s.x[i] = r.x;
    s.tx[i] = r.tx;
    s.T[i] = r.T;
    s.monetary[i] = r.monetary ?? NaN;
  });
  return s;
}

export async function customerSummaries(store: Store, asOf: string, unit: TimeUnit): Promise<Summary> {
  return toSummary(await store.all<SummaryRow>(summaryQuery(asOf, unit)));
}

/** Repeat customers whose repeat occasions have a positive mean value: the Gamma-Gamma data. */
export function spendOf(s: Summary): { x: Float64Array; monetary: Float64Array } {
  const keep: number[] = [];
  for (let i = 0; i < s.x.length; i++) if (s.x[i]! > 0 && s.monetary[i]! > 0) keep.push(i);
  return { x: Float64Array.from(keep, (i) => s.x[i]!), monetary: Float64Array.from(keep, (i) => s.monetary[i]!) };
}
