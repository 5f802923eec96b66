/**
 * Calibration / holdout: fit on the events before a date, predict each customer's purchases over the following
 * period, and set the predictions against what they then did (Fader, Hardie & Lee 2005, section 4).
 */
import { ValidationError } from '../../shared/errors.js';
import { sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { expectedOrders, fitBgNbd, type BgNbdParams, type Frequency } from './bgnbd.js';
import { modelFit, repeatBuyers, type ModelFit } from './fit.js';
import { customerSummaries, daysBetween, lastDayBefore, occasions, UNIT_DAYS, type TimeUnit } from './summary.js';

export interface HoldoutGroup {
  /** Repeat purchases in the calibration period; the last group holds everyone with at least that many. */
  x: number;
  customers: number;
  predicted: number;
  actual: number;
}

export interface HoldoutComparison {
  customers: number;
  /** Length of the holdout period in the model's unit. */
  horizon: number;
  predicted_total: number;
  actual_total: number;
  /** Totals per calibration-period repeat count, the paper's figure 4. */
  by_repeats: HoldoutGroup[];
}

/** Predicted (conditional expectation) against actual holdout purchases, in total and by calibration repeats. */
export function compareHoldout(params: BgNbdParams, d: Frequency, actual: Float64Array, horizon: number, lastGroup = 7): HoldoutComparison {
  const groups = Array.from({ length: lastGroup + 1 }, (_, x) => ({ x, customers: 0, predicted: 0, actual: 0 }));
  let [predictedTotal, actualTotal] = [0, 0];
  for (let i = 0; i < d.x.length; i++) {
    const predicted = expectedOrders(params, d.x[i]!, d.tx[i]!, d.T[i]!, horizon);
    const g = groups[Math.min(d.x[i]!, lastGroup)]!;
    g.customers++;
    g.predicted += predicted;
    g.actual += actual[i]!;
    predictedTotal += predicted;
    actualTotal += actual[i]!;
  }
  return { customers: d.x.length, horizon, predicted_total: predictedTotal, actual_total: actualTotal, by_repeats: groups.filter((g) => g.customers > 0) };
}

export interface Calibration {
  /** The last day of each period, inclusive (YYYY-MM-DD). */
  calibration_end: string;
  holdout_end: string;
  unit: TimeUnit;
  bgnbd: ModelFit<BgNbdParams>;
  holdout: HoldoutComparison;
}

/**
 * Purchase occasions in [from, until) of each of `customerIds`, in their order. Customers whose first purchase falls
 * in that period are not among them: the calibration data does not know them, so nothing is predicted for them.
 */
export async function holdoutPurchases(store: Store, customerIds: readonly string[], from: string, until: string): Promise<Float64Array> {
  const rows = await store.all<{ customer_id: string; n: number }>(sql`SELECT customer_id, count(*) AS n FROM (${occasions({ from, until })}) GROUP BY customer_id`);
  const index = new Map(customerIds.map((id, i) => [id, i]));
  const actual = new Float64Array(customerIds.length);
  for (const r of rows) {
    const i = index.get(r.customer_id);
    if (i !== undefined) actual[i] = r.n;
  }
  return actual;
}

/**
 * Fits BG/NBD on the events before `until` and compares its predictions for the days up to `holdoutUntil` with the
 * purchase occasions in [until, holdoutUntil) of the same customers (both instants as from `parseAsOf`). As of
 * midnights, the calibration ends the day before `until` and the holdout the day before `holdoutUntil`, inclusive,
 * and the horizon is the whole days between them.
 */
export async function calibrationHoldout(store: Store, range: { until: string; holdoutUntil: string; unit: TimeUnit }): Promise<Calibration> {
  const horizon = daysBetween(range.until, range.holdoutUntil) / UNIT_DAYS[range.unit];
  if (!(horizon > 0)) throw new ValidationError(`the holdout (to ${range.holdoutUntil}) must end on a later day than the calibration (to ${range.until})`, range);
  const summary = await customerSummaries(store, range.until, range.unit);
  const actual = await holdoutPurchases(store, summary.customerIds, range.until, range.holdoutUntil);
  const bgnbd = modelFit(fitBgNbd(summary), { customers: summary.x.length, repeatBuyers: repeatBuyers(summary) });
  return {
    calibration_end: lastDayBefore(range.until),
    holdout_end: lastDayBefore(range.holdoutUntil),
    unit: range.unit,
    bgnbd,
    holdout: compareHoldout(bgnbd.params, summary, actual, horizon),
  };
}
