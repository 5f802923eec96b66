import { FEATURE_OPERANDS } from '../../src/segments/check.js';
import { OCCASIONS, type Scalar } from '../../src/segments/ast.js';
import { findFeature } from '../../src/features/catalog.js';
import { ident, join, raw, sql, type Sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import type { ArbitraryRuleOptions, ValuePools } from './arbitraries.js';

/**
 * Right-hand values for generated rules, drawn from the store itself: thresholds at the data's own quantiles,
 * categories, brands and the like that occur, dates inside the data's span. A rule built from them splits the
 * customers somewhere, where thresholds from a fixed range mostly select nobody or everybody. Numbers are rounded to
 * halves (integers for integer features), exact in binary, so that SQL and JavaScript comparisons agree.
 */
const QUANTILES = [0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95];
const QUANTILE_LIST = raw(`[${QUANTILES.join(', ')}]`);

const halve = (v: number) => Math.round(v * 2) / 2;

async function quantiles(store: Store, values: Sql, integer: boolean): Promise<number[]> {
  const row = await store.one<{ q: Array<number | null> | null }>(sql`SELECT quantile_cont(v, ${QUANTILE_LIST}) AS q FROM (${values}) t(v) WHERE v IS NOT NULL`);
  const qs = (row?.q ?? []).filter((v): v is number => v !== null && Number.isFinite(v)).map((v) => (integer ? Math.round(v) : halve(v)));
  return [...new Set(qs)];
}

async function strings(store: Store, values: Sql, limit = 8): Promise<string[]> {
  const rows = await store.all<{ v: string }>(sql`SELECT v FROM (${values}) t(v) WHERE v IS NOT NULL AND v <> '' GROUP BY v ORDER BY count(*) DESC, v LIMIT ${limit}`);
  return rows.map((r) => r.v);
}

/** Pools and feature values for arbitraryRule, from the customer_features table and the events before `asOf`. */
export async function poolsFromData(store: Store, asOf: string, audiences: string[]): Promise<Pick<ArbitraryRuleOptions, 'features' | 'pools' | 'eventTypes'>> {
  const before = sql`FROM events WHERE ts < CAST(${asOf} AS TIMESTAMP)`;
  const features: Record<string, Array<number | string>> = {};
  for (const [name, left] of FEATURE_OPERANDS) {
    const column = ident(name);
    const values =
      left.type === 'string'
        ? await strings(store, sql`SELECT ${column} FROM customer_features`)
        : await quantiles(store, sql`SELECT CAST(${column} AS DOUBLE) FROM customer_features`, findFeature('customer', name)?.type === 'integer');
    // A feature the data never fills (no CLV fit, no discounts recorded) can only be tested with `is null`; left out.
    if (values.length > 0) features[name] = values;
  }
  const span = await store.one<{ from: string; to: string; days: number }>(sql`SELECT strftime(min(ts), '%Y-%m-%d') AS "from", strftime(max(ts), '%Y-%m-%d') AS "to",
    date_diff('day', min(ts), CAST(${asOf} AS TIMESTAMP)) AS days ${before}`);
  const attributes: Record<string, Scalar[]> = {};
  const pairs = await store.all<{ k: string; v: string }>(sql`SELECT key AS k, CAST(value AS VARCHAR) AS v FROM customers, json_each(attributes) GROUP BY 1, 2 ORDER BY count(*) DESC`);
  for (const { k, v } of pairs) {
    const value = JSON.parse(v) as unknown;
    if (!['string', 'number', 'boolean'].includes(typeof value)) continue;
    const list = (attributes[k] ??= []);
    if (list.length < 6) list.push(value as Scalar);
  }
  const pools: Partial<ValuePools> = {
    categories: await strings(store, sql`SELECT p.category FROM events e JOIN products p ON p.id = e.product_id WHERE e.ts < CAST(${asOf} AS TIMESTAMP)`),
    brands: await strings(store, sql`SELECT p.brand FROM events e JOIN products p ON p.id = e.product_id WHERE e.ts < CAST(${asOf} AS TIMESTAMP)`),
    tags: await strings(store, sql`SELECT unnest(style_tags) FROM products`),
    colors: await strings(store, sql`SELECT unnest(colors) FROM products`),
    materials: await strings(store, sql`SELECT unnest(materials) FROM products`),
    occasions: await strings(store, sql`SELECT t FROM (SELECT unnest(style_tags) AS t FROM products) WHERE t IN (${join(OCCASIONS.map((o) => sql`${o}`))})`),
    products: await strings(store, sql`SELECT product_id ${before} AND type = 'order'`),
    channels: await strings(store, sql`SELECT channel ${before}`),
    devices: await strings(store, sql`SELECT device ${before}`),
    countries: await strings(store, sql`SELECT country FROM customers UNION ALL SELECT country ${before}`),
    queries: await strings(store, sql`SELECT query ${before}`),
    emails: await strings(store, sql`SELECT email FROM customers`, 4),
    phones: await strings(store, sql`SELECT phone FROM customers`, 4),
    audiences,
    prices: await quantiles(store, sql`SELECT unit_price ${before}`, false),
    quantities: await quantiles(store, sql`SELECT quantity ${before}`, true),
    counts: await quantiles(store, sql`SELECT count(*) ${before} AND customer_id IS NOT NULL GROUP BY customer_id, type`, true),
    amounts: await quantiles(store, sql`SELECT sum(quantity * unit_price) ${before} AND type = 'order' GROUP BY customer_id`, false),
    attributes,
    dates: { from: span!.from, to: span!.to },
    maxDays: span!.days,
  };
  // Event types the data holds: a count of a type it never records is 0 for everybody.
  const eventTypes = await strings(store, sql`SELECT type ${before}`, 100);
  return { features, pools, eventTypes };
}
