import { z } from 'zod';
import { runHistory, runHistorySchema } from '../../audiences/index.js';
import { defaultAsOf, parseAsOf } from '../../features/index.js';
import { asOfSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';
import { runPipeline, runReportSchema } from '../../pipeline/index.js';

export function registerRunRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post(
    '/v1/runs',
    guarded('audiences:write', 'runs', 'Compute features and every active audience as of a date, and store the snapshot', {
      // An empty body is a run as of the default date.
      body: z.strictObject({ as_of: asOfSchema.optional().describe('default: the day after the last event') }).optional(),
      response: { 200: runReportSchema },
    }),
    (req) => inWorkspace(ctx, req, async (store) => runPipeline(store, req.body?.as_of ? parseAsOf(req.body.as_of, 'as_of') : await defaultAsOf(store))),
  );

  app.get(
    '/v1/runs',
    guarded('audiences:read', 'runs', 'The stored runs, oldest first, with the size and revenue of each audience at each; and the buyers of the run computed last', {
      response: { 200: runHistorySchema },
    }),
    (req) => inWorkspace(ctx, req, runHistory),
  );
}
