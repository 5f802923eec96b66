import { z } from 'zod';
import { CLUSTER_METHOD_NAMES, clusterSample, clusterSampleSchema, clusteringReportSchema, describeClustering, MODEL_KINDS } from '../../clusters/index.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';
import { fitClusters } from '../../pipeline/index.js';

const methodSchema = z.enum(MODEL_KINDS).describe('rfm: customers by recency, frequency, money; behavior: customers by how they buy; products: products by sales, price, category and style');

export function registerClusterRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post(
    '/v1/clusters',
    guarded(
      'audiences:write',
      'clusters',
      "Fit a clustering on the latest run's features (k chosen from the data unless given), as `segmint clusters`; each customer cluster becomes an audience of kind cluster, named, explained and kept across refits",
      {
        body: z.strictObject({
          method: methodSchema,
          k: z.int().min(2).max(50).optional().describe('number of clusters; default: silhouette and elbow over 2..8'),
          seed: z.int().min(0).optional(),
        }),
        response: { 200: clusteringReportSchema },
        // No run yet, or one whose feature table predates the method's features.
        errors: [409],
      },
      'rules',
    ),
    (req) => inWorkspace(ctx, req, (store) => fitClusters(store, req.body.method, { k: req.body.k, seed: req.body.seed })),
  );

  app.get(
    '/v1/clusters/:method',
    guarded('audiences:read', 'clusters', 'The stored clustering, as `segmint clusters show`: per cluster its id, name, description, size, revenue share, average spend, leanings and action', {
      params: z.strictObject({ method: methodSchema }),
      response: { 200: clusteringReportSchema },
    }),
    (req) => inWorkspace(ctx, req, (store) => describeClustering(store, req.params.method)),
  );

  app.get(
    '/v1/clusters/:method/sample',
    guarded(
      'audiences:read',
      'clusters',
      'A sample of the customers of a stored customer clustering, drawn at its fit (at most a few thousand, stratified by cluster, the same for the same fit), with two coordinates each for a scatter: days since the last order and spend for rfm, the first two principal components of the scaled inputs for behavior; no customer ids',
      {
        params: z.strictObject({ method: z.enum(CLUSTER_METHOD_NAMES).describe('a customer clustering: rfm or behavior') }),
        response: { 200: clusterSampleSchema },
      },
    ),
    (req) => inWorkspace(ctx, req, (store) => clusterSample(store, req.params.method)),
  );
}
