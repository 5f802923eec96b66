import { ident, sql } from '../sql/index.js';
import { ConflictError } from '../shared/errors.js';
import { keptWhile, type Store } from '../store/index.js';

/** Where runs keep the customer feature table that every audience kind is materialized from. */
export const FEATURE_TABLE = 'customer_features';
/** The settings key holding the as-of date the feature table was computed for. */
export const FEATURE_TABLE_AS_OF = 'customer_features.as_of';
/** The settings key holding a stamp that is new at each computation of the feature table. */
export const FEATURE_TABLE_BUILT = 'customer_features.built';

/** The as-of date the feature table holds (`YYYY-MM-DD HH:MM:SS`), undefined before the first run. */
export async function featureTableAsOf(store: Store): Promise<string | undefined> {
  return (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${FEATURE_TABLE_AS_OF}`))?.value;
}

/** The feature table's date, for work that needs one (`then`: what it does next); before any run a conflict, 409. */
export async function requireFeatureTable(store: Store, then: string): Promise<string> {
  const asOf = await featureTableAsOf(store);
  if (!asOf) throw new ConflictError(`no feature table yet: run \`segmint run\` (or POST /v1/runs) first, then ${then}`);
  return asOf;
}

/**
 * `compute`'s answer, worked out from the feature table alone, kept in the settings under `key` until the table
 * changes: a new computation of it (its stamp), or an erasure (its row count). Answers over the whole table, such
 * as the RFM map, grow with the customers and are asked for at every visit of a page. `alsoDependsOn` names
 * whatever else the answer reads (a clustering's fit), so a change of it computes the answer again.
 */
export function keptWithFeatureTable<T>(store: Store, key: string, compute: () => Promise<T>, alsoDependsOn = ''): Promise<T> {
  const version = sql`SELECT coalesce((SELECT value FROM settings WHERE key = ${FEATURE_TABLE_BUILT}), '') || ' ' || (SELECT count(*) FROM ${ident(FEATURE_TABLE)}) || ' ' || ${alsoDependsOn}`;
  return keptWhile(store, key, version, compute);
}
