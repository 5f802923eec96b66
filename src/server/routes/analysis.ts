import { z } from 'zod';
import { AUDIENCE_KINDS, movement, movementSchema, overlap, overlapSchema } from '../../audiences/index.js';
import { CLUSTER_METHOD_NAMES } from '../../clusters/index.js';
import { parseAsOf } from '../../features/index.js';
import { featureTableRfmGrid, rfmGridSchema } from '../../segments/index.js';
import { asOfSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

export function registerAnalysisRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/movement',
    guarded('audiences:read', 'analysis', 'How customers moved between audiences of one kind from one stored run to another', {
      querystring: z.strictObject({
        from: asOfSchema,
        to: asOfSchema,
        kind: z.enum(AUDIENCE_KINDS).default('rfm'),
        clustering: z.enum(CLUSTER_METHOD_NAMES).optional().describe('with kind=cluster: the clusters of this clustering only'),
      }),
      response: { 200: movementSchema },
      // No stored run at one of the dates.
      errors: [404],
    }),
    (req) => inWorkspace(ctx, req, (store) => movement(store, parseAsOf(req.query.from, 'from'), parseAsOf(req.query.to, 'to'), req.query.kind, req.query.clustering)),
  );

  app.get(
    '/v1/rfm',
    guarded('audiences:read', 'analysis', 'The RFM map: customers and revenue in each (R, FM) cell, with its segment, on the features of the run computed last', {
      response: { 200: rfmGridSchema },
    }),
    (req) => inWorkspace(ctx, req, featureTableRfmGrid),
  );

  app.get(
    '/v1/overlap',
    guarded('audiences:read', 'analysis', 'Pairwise overlap (shared members, Jaccard) of two or more audiences at a stored run', {
      querystring: z.strictObject({
        // Repeated as `?audience=a&audience=b`; the query parser gives one value as a string.
        audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(2)]).describe('ids or names, two or more'),
        as_of: asOfSchema.optional().describe('a stored run date (default: the latest run)'),
      }),
      response: { 200: overlapSchema },
      // An unknown audience, or no stored run.
      errors: [404],
    }),
    (req) => {
      const audiences = typeof req.query.audience === 'string' ? [req.query.audience] : req.query.audience;
      return inWorkspace(ctx, req, (store) => overlap(store, audiences, req.query.as_of ? parseAsOf(req.query.as_of, 'as_of') : undefined));
    },
  );
}
