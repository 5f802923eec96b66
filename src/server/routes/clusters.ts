import { z } from 'zod';
import { CLUSTER_METHOD_NAMES, describeClustering, fitOnLatestRun } from '../../clusters/index.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const methodSchema = z.enum(CLUSTER_METHOD_NAMES).describe('rfm: recency, frequency, money; behavior: how customers buy');

export function registerClusterRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post(
    '/v1/clusters',
    guarded(
      'audiences:write',
      'clusters',
      "Fit a customer clustering on the latest run's features (k chosen from the data unless given); each cluster becomes an audience of kind cluster, named, explained and kept across refits",
      {
        body: z.strictObject({
          method: methodSchema,
          k: z.int().min(2).max(50).optional().describe('number of clusters; default: silhouette and elbow over 2..8'),
          seed: z.int().min(0).optional(),
        }),
      },
      'rules',
    ),
    (req) => inWorkspace(ctx, req, (store) => fitOnLatestRun(store, req.body.method, { k: req.body.k, seed: req.body.seed })),
  );

  app.get(
    '/v1/clusters/:method',
    guarded('audiences:read', 'clusters', 'The stored clustering: per cluster its id, name, description, size, revenue share, average spend, leading features and action', {
      params: z.strictObject({ method: methodSchema }),
    }),
    (req) => inWorkspace(ctx, req, (store) => describeClustering(store, req.params.method)),
  );
}
