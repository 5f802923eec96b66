import { z } from 'zod';
import { explainCustomer, explanationSchema } from '../../audiences/index.js';
import { customerFeatureReport, customerFeaturesSchema, parseAsOf } from '../../features/index.js';
import { customerNotFound } from '../../shared/errors.js';
import { sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { asOfSchema, customerParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

/** A customer of another workspace is simply absent from this one: 404, whatever the module would say. */
export async function requireCustomer(store: Store, id: string): Promise<void> {
  const found = await store.one(sql`SELECT 1 FROM customers WHERE id = ${id}`);
  if (!found) throw customerNotFound(id);
}

export function registerCustomerRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/customers/:id/features',
    guarded('audiences:read', 'customers', "A customer's features as of a date", {
      params: customerParamsSchema,
      querystring: z.strictObject({ as_of: asOfSchema.optional().describe('default: the day after the last event') }),
      response: { 200: customerFeaturesSchema },
    }),
    (req) =>
      inWorkspace(ctx, req, async (store) => {
        await requireCustomer(store, req.params.id);
        return customerFeatureReport(store, req.params.id, req.query.as_of ? parseAsOf(req.query.as_of, 'as_of') : undefined);
      }),
  );

  app.get(
    '/v1/customers/:id/explain',
    guarded('audiences:read', 'customers', 'Why a customer is or is not in each audience, clause by clause', {
      params: customerParamsSchema,
      querystring: z.strictObject({
        audience: z.string().min(1).optional().describe('one audience (id or name); default: every active one'),
        as_of: asOfSchema.optional().describe('a stored run date (default: the latest run)'),
      }),
      response: { 200: explanationSchema },
    }),
    (req) =>
      inWorkspace(ctx, req, async (store) => {
        await requireCustomer(store, req.params.id);
        return explainCustomer(store, req.params.id, { audience: req.query.audience, asOf: req.query.as_of ? parseAsOf(req.query.as_of, 'as_of') : undefined });
      }),
  );
}
