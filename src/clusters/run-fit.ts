import { NotFoundError, ValidationError } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import { storeAudienceSizes } from '../audiences/sizes.js';
import { FEATURE_TABLE, featureTableAsOf } from '../features/index.js';
import type { Store } from '../store/index.js';
import { CLUSTER_METHODS, type ClusterMethod } from './methods.js';
import { fitClustering, reportOf, storeClusterMemberships, type ClusteringReport } from './fit.js';
import { loadModel, type ModelKind } from './model.js';

/**
 * Fits a clustering on the latest run's features and stores its memberships as of that run, so the clusters are
 * audiences at once (snapshots, movement, overlap, explain) and later runs refit them.
 */
export async function fitOnLatestRun(store: Store, method: ClusterMethod, options: { k?: number | undefined; seed?: number | undefined } = {}): Promise<ClusteringReport> {
  const asOf = await featureTableAsOf(store);
  if (!asOf) throw new ValidationError('no feature table yet: run `segmint run` (or POST /v1/runs) first, then fit clusters on its features');
  // A table from a run of an earlier version lacks the features added since; say so instead of a binder error.
  const columns = new Set((await store.all<{ name: string }>(sql`SELECT column_name AS name FROM information_schema.columns WHERE table_name = ${FEATURE_TABLE}`)).map((c) => c.name));
  const missing = CLUSTER_METHODS[method].features.filter((f) => !columns.has(f));
  if (missing.length) {
    throw new ValidationError(`the feature table of the run as of ${asOf} has no ${missing.join(', ')} (it predates them): run \`segmint run\` (or POST /v1/runs) again, then fit`, { missing });
  }
  const report = await fitClustering(store, method, { table: FEATURE_TABLE, asOf, k: options.k, seed: options.seed });
  const model = await loadModel(store, method);
  await store.transaction(async () => {
    await storeClusterMemberships(store, model!, FEATURE_TABLE, asOf);
    await storeAudienceSizes(store, asOf, FEATURE_TABLE, model!.clusters.map((c) => ({ id: c.id, text: null })));
  });
  return report;
}

/**
 * The stored clustering of a method (or the product clustering) as its fit reported it, read from the model without
 * refitting: names, sizes and revenue at the fit, leanings, warnings.
 */
export async function describeClustering(store: Store, kind: ModelKind): Promise<ClusteringReport> {
  const model = await loadModel(store, kind);
  const fitIt = kind === 'products' ? '`segmint clusters --entity products`' : `\`segmint clusters --method ${kind}\` or POST /v1/clusters`;
  if (!model) throw new NotFoundError(`no ${kind === 'products' ? 'product' : kind} clustering yet: fit one with ${fitIt}`, { method: kind });
  // Models stored before sizes and warnings were kept with them: a run or a refit replaces them.
  if (model.clusters.some((c) => c.size === undefined)) throw new ValidationError(`the stored ${kind} clustering predates this version: fit it again with ${fitIt} (a run refits customer clusterings too)`);
  return reportOf(model);
}
