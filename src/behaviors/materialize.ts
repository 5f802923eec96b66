import { findFeature } from '../features/index.js';
import { asTimestamp, formatTimestamp, ident, join, sql, upsertInto } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { findProductSignal, productSignalsQuery } from './product-signals.js';
import { materializeScores, TRUE, type ScoringSource, type SignalStats } from './score.js';
import { CUSTOMER_BEHAVIORS, DEFAULT_MIN_ORDERS, PRODUCT_BEHAVIORS, type BehaviorEntity, type BehaviorSpec } from './specs.js';

/** Where scores are kept unless the caller names another table. */
export const BEHAVIOR_TABLES: Record<BehaviorEntity, string> = { customers: 'customer_behaviors', products: 'product_behaviors' };
/** The product signals scores were computed from, kept for describing them (lift). */
export const PRODUCT_SIGNALS_TABLE = 'product_behavior_signals';

/** Where a run keeps each signal's yardsticks as of its date (store migration 9). */
const SIGNAL_STATS_TABLE = 'behavior_signal_stats';

/** Customers are scored from a feature table; the yardsticks are the store's buyers. */
export function customerSource(featureTable: string): ScoringSource {
  return {
    table: featureTable,
    id: 'customer_id',
    population: sql`orders >= 1`,
    eligible: (spec) => sql`orders >= ${spec.min_orders ?? DEFAULT_MIN_ORDERS}`,
    reads: ['orders'],
    unit: (signal) => findFeature('customer', signal)?.unit ?? null,
  };
}

/** Whether customerSource scores a customer for the spec (enough orders, a value of its leading signal), from their features. */
export function customerScored(spec: BehaviorSpec, features: Readonly<Record<string, unknown>>): boolean {
  const lead = features[spec.signals[0]!.signal];
  return lead !== null && lead !== undefined && Number(features.orders ?? 0) >= (spec.min_orders ?? DEFAULT_MIN_ORDERS);
}

export function productSource(signalsTable: string): ScoringSource {
  return { table: signalsTable, id: 'product_id', population: TRUE, eligible: () => TRUE, reads: [], unit: (signal) => findProductSignal(signal)?.unit ?? null };
}

export interface CustomerBehaviorOptions {
  /** The customer feature table to score (a run's, as of `asOf`). */
  featureTable: string;
  /** The date the feature table is as of; the scores are as of it too. */
  asOf: string;
  table?: string;
}

export interface Materialized {
  table: string;
  as_of: string;
  stats: SignalStats[];
}

/**
 * Scores every suggested customer behavior as of the feature table's date into a table (customer_id, behavior, score,
 * reasons): one row per behavior a customer is a member of, among those it scores (enough orders, a value of the
 * leading signal).
 * SQL over the feature table alone, so a run (or an audience kind) calls it right after building that table.
 */
export async function materializeCustomerBehaviors(store: Store, o: CustomerBehaviorOptions): Promise<Materialized> {
  const table = o.table ?? BEHAVIOR_TABLES.customers;
  const stats = await materializeScores(store, customerSource(o.featureTable), CUSTOMER_BEHAVIORS, table);
  if (table === BEHAVIOR_TABLES.customers) await store.run(sql`${upsertInto(sql`settings`)} VALUES (${SCORES_AS_OF}, ${formatTimestamp(asTimestamp(o.asOf))})`);
  return { table, as_of: o.asOf, stats };
}

/** The setting that says which date customer_behaviors holds the scores of. */
const SCORES_AS_OF = 'customer_behaviors.as_of';

/** The date the customer behaviors table was scored as of; undefined before any scoring. */
export async function customerScoresAsOf(store: Store): Promise<string | undefined> {
  return (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${SCORES_AS_OF}`))?.value;
}

/**
 * Scores every product behavior as of a date into a table of members (product_id, behavior, score, reasons), from the
 * product attributes and the sales and views before the date (kept in `signalsTable`).
 */
export async function materializeProductBehaviors(store: Store, o: { asOf: string; table?: string; signalsTable?: string }): Promise<Materialized> {
  const table = o.table ?? BEHAVIOR_TABLES.products;
  const signalsTable = o.signalsTable ?? PRODUCT_SIGNALS_TABLE;
  await store.run(sql`CREATE OR REPLACE TABLE ${ident(signalsTable)} AS ${productSignalsQuery(o.asOf, PRODUCT_BEHAVIORS)}`);
  const stats = await materializeScores(store, productSource(signalsTable), PRODUCT_BEHAVIORS, table);
  return { table, as_of: o.asOf, stats };
}

/** Keeps the yardsticks customer scores were computed with as of a date (replacing that date's). */
export async function storeSignalStats(store: Store, asOf: string, stats: readonly SignalStats[]): Promise<void> {
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  await store.run(sql`DELETE FROM ${ident(SIGNAL_STATS_TABLE)} WHERE as_of = ${at}`);
  if (stats.length === 0) return;
  await store.run(sql`INSERT INTO ${ident(SIGNAL_STATS_TABLE)} VALUES ${join(stats.map((s) => sql`(${at}, ${s.signal}, ${s.median}, ${s.scale}, ${s.mean})`))}`);
}

/** The yardsticks of the latest date stored (of the latest on or before `bound`), by signal; empty before any run. */
export async function loadSignalStats(store: Store, bound?: string): Promise<Map<string, SignalStats>> {
  const upTo = bound === undefined ? sql`TRUE` : sql`as_of <= CAST(${bound} AS TIMESTAMP)`;
  const rows = await store.all<SignalStats>(sql`SELECT signal, median, scale, mean FROM ${ident(SIGNAL_STATS_TABLE)}
    WHERE as_of = (SELECT max(as_of) FROM ${ident(SIGNAL_STATS_TABLE)} WHERE ${upTo})`);
  return new Map(rows.map((r) => [r.signal, r]));
}
