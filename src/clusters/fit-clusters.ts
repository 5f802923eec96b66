import type { Store } from '../store/index.js';
import type { ClusteringReport } from './fit.js';
import type { ModelKind } from './model.js';
import { fitProductClustering } from './products.js';
import { fitOnLatestRun } from './run-fit.js';

/** Fits the clustering of a kind, as `segmint clusters` and POST /v1/clusters do: a customer method on the latest run's features, or the products. */
export function fitClusters(store: Store, kind: ModelKind, options: { k?: number | undefined; seed?: number | undefined } = {}): Promise<ClusteringReport> {
  return kind === 'products' ? fitProductClustering(store, options) : fitOnLatestRun(store, kind, options);
}
