/** Scores from a fitted model for one customer (CLI, API) or every customer of a store (the feature catalog). */
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { asTimestamp, createTableAs, ident, jsonColumns, sql, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { saveClvFit } from './store.js';
import { DEFAULT_DISCOUNT, discountSchema, scoreCustomers, type Horizons, type Scores } from './clv.js';
import { distinctHistories } from './bgnbd.js';
import { fitSummary, modelOf, type ClvFit } from './fit.js';
import { customerSummaries, summaryNumbers, summaryQuery, summaryRows, TIME_UNITS, type Summary, type TimeUnit } from './summary.js';

const score = z.number().nullable();

/** One customer's scores from the stored fit; a score is null where the models have nothing to say (no order yet). */
export const customerClvSchema = z.object({
  customer_id: z.string(),
  as_of: z.string().describe('the history scored: events before this instant'),
  model: z.object({ as_of: z.string(), unit: z.enum(TIME_UNITS) }).describe('the fit scored with'),
  summary: z
    .object({
      x: z.number().describe('repeat purchase days'),
      t_x: z.number().describe('time of the last purchase from the first, in `unit`s'),
      T: z.number().describe('time observed from the first purchase, in `unit`s'),
      monetary: z.number().nullable().describe('mean spend of the repeat purchases'),
    })
    .nullable()
    .describe('null for a customer without an order before `as_of`: the models start at the first purchase'),
  p_alive: score.describe('probability that the customer is still active (BG/NBD)'),
  expected_orders: z.object({ days: z.number().int(), value: score }).describe('purchase days expected over the horizon (BG/NBD)'),
  expected_spend: score.describe('expected spend per purchase (Gamma-Gamma)'),
  clv: z.object({ days: z.number().int(), discount: discountSchema, value: score }).describe('value expected over the horizon, discounted'),
});
export type CustomerClv = z.infer<typeof customerClvSchema>;

const finiteOrNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** One customer's scores as of `asOf` with a stored fit; undefined when the store does not know the customer. */
export async function customerClv(store: Store, fit: ClvFit, asOf: string, customerId: string, horizons: Horizons = {}): Promise<CustomerClv | undefined> {
  const row = await store.one<{ x: number | null; tx: number; T: number; monetary: number | null }>(
    sql`SELECT s.x, s.tx, s.T, s.monetary FROM customers c LEFT JOIN (${summaryQuery(asOf, fit.unit, customerId)}) s ON s.customer_id = c.id
      WHERE c.id = ${customerId}`,
  );
  if (!row) return undefined;
  const days = { orders: horizons.ordersDays ?? 90, clv: horizons.clvDays ?? 365 };
  const discount = horizons.discount ?? DEFAULT_DISCOUNT;
  const scores =
    row.x === null
      ? undefined
      : scoreCustomers(modelOf(fit), { x: Float64Array.of(row.x), tx: Float64Array.of(row.tx), T: Float64Array.of(row.T), monetary: Float64Array.of(row.monetary ?? NaN) }, horizons);
  return {
    customer_id: customerId,
    as_of: asOf,
    model: { as_of: fit.as_of, unit: fit.unit },
    summary: row.x === null ? null : { x: row.x, t_x: row.tx, T: row.T, monetary: row.monetary },
    p_alive: finiteOrNull(scores?.pAlive[0]),
    expected_orders: { days: days.orders, value: finiteOrNull(scores?.expectedOrders[0]) },
    expected_spend: finiteOrNull(scores?.expectedSpend[0]),
    clv: { days: days.clv, discount, value: finiteOrNull(scores?.clv[0]) },
  };
}

/** The three catalog features, over the default horizons (90 days of orders, 365 days of value, 10% a year). */
export const CLV_FEATURES = [
  { name: 'p_alive', unit: 'ratio', description: 'Probability that the customer is still active (BG/NBD; 1 before a repeat purchase)' },
  { name: 'expected_orders_90d', unit: 'count', description: 'Purchase days expected in the next 90 days (BG/NBD)' },
  { name: 'clv_365d', unit: 'currency', description: 'Value expected over the next 365 days, discounted at 10% a year (BG/NBD x Gamma-Gamma)' },
] as const;

export interface StoreScores {
  fit: ClvFit;
  summary: Summary;
  scores: Scores;
}

/**
 * Every customer with an order before `asOf`, scored with `fit`, or with a fit made on the same data when none is
 * given (customers without an order have no scores).
 */
async function scoreStore(store: Store, asOf: string, options: { fit?: ClvFit; unit?: TimeUnit } = {}): Promise<StoreScores> {
  const unit = options.fit?.unit ?? options.unit ?? 'day';
  const summary = await customerSummaries(store, asOf, unit);
  const fit = options.fit ?? fitSummary(summary, asOf, unit);
  return { fit, summary, scores: scoreCustomers(modelOf(fit), summary) };
}

export type ClvFeatureValues = Record<(typeof CLV_FEATURES)[number]['name'], number>;

export async function clvFeatures(store: Store, asOf: string, options: { fit?: ClvFit; unit?: TimeUnit } = {}): Promise<{ fit: ClvFit; values: Map<string, ClvFeatureValues> }> {
  const { fit, summary, scores } = await scoreStore(store, asOf, options);
  const values = new Map<string, ClvFeatureValues>();
  summary.customerIds.forEach((id, i) => values.set(id, { p_alive: scores.pAlive[i]!, expected_orders_90d: scores.expectedOrders[i]!, clv_365d: scores.clv[i]! }));
  return { fit, values };
}

/**
 * The expected spend per purchase (gamma-gamma.ts expectedSpend) of the summary row `s` in SQL, with the same operations
 * in the same order, so that it gives the same doubles; the population mean without a positive repeat spend.
 */
function expectedSpendSql(params: ClvFit['gamma_gamma']['params']): Sql {
  const [p, q, v] = [params.p, params.q, params.v].map((n) => sql`CAST(${n} AS DOUBLE)`) as [Sql, Sql, Sql];
  const own = sql`${p} * s.x + ${q} - 1`;
  const population = sql`${p} * 0 + ${q} - 1`;
  return sql`CASE WHEN s.monetary > 0 THEN (CASE WHEN ${own} > 0 THEN ${p} * (${v} + s.x * s.monetary) / (${own}) END)
    ELSE (CASE WHEN ${population} > 0 THEN ${p} * ${v} / (${population}) END) END`;
}

/**
 * Writes (customer_id, p_alive, expected_orders_90d, clv_365d) to `table` (replaced), returning its row count, with the
 * same values as clvFeatures without bringing the customers' ids to JavaScript: the summary is kept in a table, the fit
 * reads its numbers (summaryNumbers), the BG/NBD scores are computed once per distinct (x, t_x, T) and joined
 * back in SQL, where each customer's expected spend multiplies the discounted purchases.
 */
export async function materializeClvFeatures(store: Store, asOf: string, table: string, options: { fit?: ClvFit; unit?: TimeUnit } = {}): Promise<{ fit: ClvFit; rows: number }> {
  const unit = options.fit?.unit ?? options.unit ?? 'day';
  const [summary, histories] = [ident(`${table}_summary`), ident(`${table}_histories`)];
  try {
    await store.run(createTableAs(summary, summaryRows(asOf, unit)));
    const numbers = await summaryNumbers(store, sql`SELECT * FROM ${summary}`);
    const fit = options.fit ?? fitSummary(numbers, asOf, unit);
    const f = distinctHistories(numbers);
    const scores = scoreCustomers(modelOf(fit), { ...f, monetary: new Float64Array(f.x.length).fill(NaN) });
    const column = (values: Float64Array) => JSON.stringify(Array.from(values, (v) => (Number.isFinite(v) ? v : null)));
    const columns = { x: f.x, tx: f.tx, T: f.T, p_alive: scores.pAlive, expected_orders_90d: scores.expectedOrders, discounted: scores.discounted };
    await store.run(createTableAs(histories, jsonColumns(Object.entries(columns).map(([name, values]) => ({ name, json: column(values), type: 'DOUBLE' as const })))));
    await store.run(
      createTableAs(
        ident(table),
        sql`SELECT s.customer_id, h.p_alive, h.expected_orders_90d, h.discounted * (${expectedSpendSql(fit.gamma_gamma.params)}) AS ${ident(CLV_FEATURES[2].name)}
          FROM ${summary} s JOIN ${histories} h ON h.x = s.x AND h.tx = s.tx AND h.T = s.T`,
      ),
    );
    return { fit, rows: numbers.x.length };
  } finally {
    await store.run(sql`DROP TABLE IF EXISTS ${summary}`);
    await store.run(sql`DROP TABLE IF EXISTS ${histories}`);
  }
}

/**
 * A run's CLV step: fits both models as of the run's date, keeps that fit as the store's, and stores every buyer's
 * scores for the date in `customer_clv`, where the feature catalog reads them. A store the models cannot be fitted
 * on (no buyers, no repeat purchase) gets no scores, and the three features stay null.
 */
export async function storeRunScores(store: Store, asOf: string): Promise<ClvFit | undefined> {
  const scratch = 'clv_scores_of_run';
  let fit: ClvFit;
  try {
    ({ fit } = await materializeClvFeatures(store, asOf, scratch));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    await store.run(sql`DELETE FROM customer_clv WHERE as_of = ${asTimestamp(asOf)}`);
    return undefined;
  }
  await saveClvFit(store, fit);
  await store.transaction(async () => {
    await store.run(sql`DELETE FROM customer_clv WHERE as_of = ${asTimestamp(asOf)}`);
    await store.run(sql`INSERT INTO customer_clv SELECT ${asTimestamp(asOf)}, customer_id, p_alive, expected_orders_90d, clv_365d FROM ${ident(scratch)}`);
    await store.run(sql`DROP TABLE ${ident(scratch)}`);
  });
  return fit;
}
