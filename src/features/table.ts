import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

/** Where runs keep the customer feature table that every audience kind is materialized from. */
export const FEATURE_TABLE = 'customer_features';
/** The settings key holding the as-of date the feature table was computed for. */
export const FEATURE_TABLE_AS_OF = 'customer_features.as_of';

/** The as-of date the feature table holds (`YYYY-MM-DD HH:MM:SS`), undefined before the first run. */
export async function featureTableAsOf(store: Store): Promise<string | undefined> {
  return (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${FEATURE_TABLE_AS_OF}`))?.value;
}
