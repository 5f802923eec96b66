import { z } from 'zod';
import { customerNotFound } from '../shared/errors.js';
import { asTimestamp, createTableAs, formatTimestamp, ident, join, sql, upsertInto, uuid } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { CUSTOMER_FEATURES, customerFeatureValuesSchema, type CustomerFeatureValues } from './catalog.js';
import { categoryMediansQuery, customerFeaturesQuery, type CategoryMedian, type IdRange } from './customer-sql.js';
import { productFeaturesQuery } from './product-sql.js';
import { FEATURE_TABLE, FEATURE_TABLE_AS_OF, FEATURE_TABLE_BUILT, featureTableAsOf } from './table.js';

export type FeatureRow = Record<string, unknown>;

/**
 * Without an explicit date, features are as of the start of the day after the last stored event: "now" for a live
 * store, and the natural end of a historical data set.
 */
export async function defaultAsOf(store: Store): Promise<string> {
  const row = await store.one<{ as_of: string | null }>(
    sql`SELECT ${formatTimestamp(sql`date_trunc('day', max(ts)) + INTERVAL 1 DAY`)} AS as_of FROM events`,
  );
  return row?.as_of ?? new Date().toISOString().slice(0, 10) + ' 00:00:00';
}

export async function customerFeatures(store: Store, asOf: string, customerId: string): Promise<FeatureRow | undefined> {
  return (await featuresOf(store, asOf, [customerId])).get(customerId);
}

/** A customer's features as of a date, as `segmint features` prints them and GET /v1/customers/:id/features answers. */
export const customerFeaturesSchema = z.object({ customer_id: z.string(), as_of: z.string().describe('only events strictly before it count'), features: customerFeatureValuesSchema });
export type CustomerFeatures = z.infer<typeof customerFeaturesSchema>;

/** A customer's features as of `asOf` (default: the day after the last event); a customer the store lacks is not found. */
export async function customerFeatureReport(store: Store, customerId: string, asOf?: string): Promise<CustomerFeatures> {
  const at = asOf ?? (await defaultAsOf(store));
  const row = await customerFeatures(store, at, customerId);
  if (!row) throw customerNotFound(customerId, at);
  const { customer_id: _, ...features } = row;
  // The query computes exactly the catalog's customer features, with the catalog's types.
  return { customer_id: customerId, as_of: at, features: features as CustomerFeatureValues };
}

/** The columns of a feature table the current catalog computes, in its order. */
const FEATURE_COLUMNS = ['customer_id', ...CUSTOMER_FEATURES.map((f) => f.name)].join();

/**
 * The rows of the feature table for these customers, when the table holds `asOf`: what the run computed, read
 * without the events. None from a table of an earlier catalog (a run before a feature was added), which would
 * answer without it.
 */
async function storedFeatures(store: Store, asOf: string, customerIds: readonly string[]): Promise<FeatureRow[]> {
  if ((await featureTableAsOf(store)) !== asOf) return [];
  const rows = await store.all<FeatureRow>(sql`SELECT * FROM ${ident(FEATURE_TABLE)} WHERE customer_id IN (${join(customerIds.map((id) => sql`${id}`))})`);
  return rows.length && Object.keys(rows[0]!).join() === FEATURE_COLUMNS ? rows : [];
}

/**
 * Features of a few customers at once, for a customer's page and for real-time work on the customers a batch touched.
 * As of the feature table's date they are its rows, unless `computed` is asked for: computing them reads every event
 * of the store (the category medians, and the customers' events, which are not ordered by customer). Customers the
 * table lacks (added since the run) and other dates are computed, in one query.
 */
export async function featuresOf(
  store: Store,
  asOf: string,
  customerIds: readonly string[],
  categoryMedians?: readonly CategoryMedian[],
  options: { computed?: boolean } = {},
): Promise<Map<string, FeatureRow>> {
  if (customerIds.length === 0) return new Map();
  const found = new Map((options.computed ? [] : await storedFeatures(store, asOf, customerIds)).map((r) => [String(r.customer_id), r]));
  const missing = customerIds.filter((id) => !found.has(id));
  if (missing.length === 0) return found;
  const rows = await store.all<FeatureRow>(customerFeaturesQuery({ asOf, customerIds: missing, categoryMedians }));
  for (const r of rows) found.set(String(r.customer_id), r);
  return found;
}

/**
 * What the customer feature query holds in DuckDB's pool at its peak, per stored event: its hash aggregates (per
 * customer, order, session and category) and the copy of the order lines took about 4.8 GB for the 42.8M events of a
 * million customers (docs/benchmarks.md). Past the pool DuckDB aggregates in partitions that spill and are read back.
 */
const FEATURE_QUERY_BYTES_PER_EVENT = 112;

/** In how many parts of customers the feature table is built, so that each part's working set fits in `pool` bytes. */
export function featureTableParts(events: number, pool: number): number {
  return Math.max(1, Math.ceil((events * FEATURE_QUERY_BYTES_PER_EVENT) / pool));
}

/** `parts` ranges of customer ids with about as many customers each, in id order; fewer when there are fewer customers. */
async function idRanges(store: Store, parts: number): Promise<IdRange[]> {
  if (parts <= 1) return [{}];
  const customers = Number((await store.one<{ n: number | bigint }>(sql`SELECT count(*) AS n FROM customers`))?.n ?? 0);
  const size = Math.max(1, Math.ceil(customers / parts));
  const starts = (await store.all<{ id: string }>(sql`SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM customers) t
    WHERE r > 1 AND (r - 1) % ${size} = 0 ORDER BY id`)).map((r) => r.id);
  return [undefined, ...starts].map((from, i) => ({ from, below: starts[i] }));
}

/**
 * Computes the whole customer feature table into `table` (replaced), returning its row count. When the store's events
 * would outgrow DuckDB's pool it is built in parts of customers, ranges of ids, one statement each: every part scans
 * the events again, but its hash tables fit, which at a million customers costs less than spilling (docs/benchmarks.md).
 * The parts are written in one transaction, so that a reader sees the old table or the whole new one.
 */
export async function materializeCustomerFeatures(store: Store, asOf: string, table = FEATURE_TABLE, parts?: number): Promise<number> {
  const events = async () => Number((await store.one<{ n: number | bigint }>(sql`SELECT count(*) AS n FROM events`))?.n ?? 0);
  const ranges = await idRanges(store, parts ?? featureTableParts(await events(), store.memory.duckdb));
  if (ranges.length === 1) await store.run(createTableAs(ident(table), customerFeaturesQuery({ asOf })));
  else {
    // The category medians are over every customer's lines: worked out once, not from each part's.
    const medians = await categoryMedians(store, asOf);
    const part = (idRange: IdRange) => customerFeaturesQuery({ asOf, idRange, categoryMedians: medians });
    await store.transaction(async () => {
      await store.run(createTableAs(ident(table), part(ranges[0]!)));
      for (const r of ranges.slice(1)) await store.run(sql`INSERT INTO ${ident(table)} SELECT * FROM (${part(r)}) p`);
    });
  }
  return (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(table)}`))?.n ?? 0;
}

/** The feature table as of a run date, and the setting that says which date it holds; returns its row count. */
export async function materializeFeatureTable(store: Store, asOf: string): Promise<number> {
  const customers = await materializeCustomerFeatures(store, asOf);
  await store.run(sql`${upsertInto(ident('settings'))} VALUES (${FEATURE_TABLE_AS_OF}, ${formatTimestamp(asTimestamp(asOf))})`);
  await store.run(sql`${upsertInto(ident('settings'))} VALUES (${FEATURE_TABLE_BUILT}, ${uuid()})`);
  return customers;
}

export async function materializeProductFeatures(store: Store, asOf: string, table = 'product_features'): Promise<number> {
  await store.run(createTableAs(ident(table), productFeaturesQuery({ asOf })));
  return (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(table)}`))?.n ?? 0;
}

export function categoryMedians(store: Store, asOf: string): Promise<CategoryMedian[]> {
  return store.all<CategoryMedian>(categoryMediansQuery(asOf));
}
