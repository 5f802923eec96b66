import { ValidationError } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { fitClustering, storeClusterMemberships, type ClusteringReport } from './fit.js';
import type { ClusterMethod } from './methods.js';
import { loadModel } from './model.js';

/** Where runs keep the customer feature table, and the as-of date it holds (audiences/run.ts writes both). */
export const FEATURE_TABLE = 'customer_features';
/** The settings key holding the as-of date the feature table was computed for. */
export const FEATURE_TABLE_AS_OF = 'customer_features.as_of';

/**
 * Fits a clustering on the latest run's features and stores its memberships as of that run, so the clusters are
 * audiences at once (snapshots, movement, overlap, explain) and later runs refit them.
 */
export async function fitOnLatestRun(store: Store, method: ClusterMethod, options: { k?: number | undefined; seed?: number | undefined } = {}): Promise<ClusteringReport> {
  const asOf = (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${FEATURE_TABLE_AS_OF}`))?.value;
  if (!asOf) throw new ValidationError('no feature table yet: run `segmint run` (or POST /v1/runs) first, then fit clusters on its features');
  const report = await fitClustering(store, method, { table: FEATURE_TABLE, asOf, k: options.k, seed: options.seed });
  const model = await loadModel(store, method);
  await store.transaction(() => storeClusterMemberships(store, model!, FEATURE_TABLE, asOf));
  return report;
}
