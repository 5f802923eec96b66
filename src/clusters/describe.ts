import { NotFoundError, ValidationError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import { reportOf, type ClusteringReport } from './fit.js';
import { loadModel, type ModelKind } from './model.js';

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
