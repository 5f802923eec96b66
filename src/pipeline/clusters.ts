import { clusteringAudiences, clusterMembers, keepClusterAudiences, storeAudienceSizes } from '../audiences/index.js';
import { CLUSTER_METHODS, fitClustering, fitProductClustering, loadModel, loadModels, type ClusteringReport, type ClusterMethod, type ModelKind } from '../clusters/index.js';
import { FEATURE_TABLE, requireFeatureTable } from '../features/index.js';
import { ConflictError } from '../shared/errors.js';
import { asTimestamp, sql, storeColumns } from '../sql/index.js';
import type { Store } from '../store/index.js';

/** Refits every stored customer clustering on the feature table with its k, and keeps one audience per cluster. */
export async function refitClusterings(store: Store, asOf: string): Promise<void> {
  // Matching keeps a refitted cluster's id and name (clusters/fit.ts).
  for (const m of await loadModels(store)) await fitClustering(store, m.method, { table: FEATURE_TABLE, asOf, k: m.clusters.length });
  for (const m of await loadModels(store)) await keepClusterAudiences(store, m);
}

/**
 * Fits a clustering on the latest run's features and stores its memberships as of that run, so the clusters are
 * audiences at once (snapshots, movement, overlap, explain) and later runs refit them.
 */
export async function fitOnLatestRun(store: Store, method: ClusterMethod, options: { k?: number | undefined; seed?: number | undefined } = {}): Promise<ClusteringReport> {
  const asOf = await requireFeatureTable(store, 'fit clusters on its features');
  // A table from a run of an earlier version lacks the features added since; say so instead of a binder error.
  const columns = new Set((await store.all<{ name: string }>(sql`SELECT column_name AS name FROM ${storeColumns()} c WHERE table_name = ${FEATURE_TABLE}`)).map((c) => c.name));
  const missing = CLUSTER_METHODS[method].features.filter((f) => !columns.has(f));
  if (missing.length) {
    throw new ConflictError(`the feature table of the run as of ${asOf} has no ${missing.join(', ')} (it predates them): run \`segmint run\` (or POST /v1/runs) again, then fit`, { missing });
  }
  const report = await fitClustering(store, method, { table: FEATURE_TABLE, asOf, k: options.k, seed: options.seed });
  const model = { ...(await loadModel(store, method))!, method };
  await keepClusterAudiences(store, model);
  const at = asTimestamp(asOf);
  // The clustering's earlier rows for the date go, also those of clusters this fit no longer has.
  await store.transaction(async () => {
    await store.run(sql`DELETE FROM memberships WHERE as_of = ${at} AND audience_id IN (${clusteringAudiences(method)})`);
    await store.run(sql`DELETE FROM audience_runs WHERE as_of = ${at} AND audience_id IN (${clusteringAudiences(method)})`);
    await store.run(sql`INSERT INTO memberships SELECT m.audience_id, m.customer_id, ${at}, m.score, m.reasons FROM (${clusterMembers(model, FEATURE_TABLE)}) m`);
    await storeAudienceSizes(store, asOf, FEATURE_TABLE, model.clusters.map((c) => ({ id: c.id, text: null })));
  });
  return report;
}

/** Fits the clustering of a kind, as `segmint clusters` and POST /v1/clusters do: a customer method on the latest run's features, or the products. */
export function fitClusters(store: Store, kind: ModelKind, options: { k?: number | undefined; seed?: number | undefined } = {}): Promise<ClusteringReport> {
  return kind === 'products' ? fitProductClustering(store, options) : fitOnLatestRun(store, kind, options);
}
