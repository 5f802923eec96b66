import { eventBatchSchema, ingestEventBatch, MAX_BATCH_EVENTS } from '../../store/index.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

export function registerEventRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post(
    '/v1/events',
    guarded('ingest:write', 'ingest', `Store a batch of up to ${MAX_BATCH_EVENTS} events, all or none; re-sent ids count as duplicates`, {
      body: eventBatchSchema,
    }),
    (req) => inWorkspace(ctx, req, (store) => ingestEventBatch(store, req.body.events)),
  );
}
