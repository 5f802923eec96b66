import { storeStats, storeStatsSchema } from '../../store/index.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

export function registerStatsRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/v1/stats', guarded('audiences:read', 'store', 'Counts of customers, products, events, quarantine', { response: { 200: storeStatsSchema } }), (req) =>
    inWorkspace(ctx, req, storeStats),
  );
}
