import { z } from 'zod';
import { runAudiences } from '../../audiences/index.js';
import { defaultAsOf, parseAsOf } from '../../features/index.js';
import { asOfSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

export function registerRunRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post(
    '/v1/runs',
    guarded('audiences:write', 'runs', 'Compute features and every active audience as of a date, and store the snapshot', {
      // An empty body is a run as of the default date.
      body: z.strictObject({ as_of: asOfSchema.optional().describe('default: the day after the last event') }).optional(),
    }),
    (req) => inWorkspace(ctx, req, async (store) => runAudiences(store, req.body?.as_of ? parseAsOf(req.body.as_of, 'as_of') : await defaultAsOf(store))),
  );
}
