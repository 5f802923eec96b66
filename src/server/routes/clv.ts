import { z } from 'zod';
import { defaultAsOf, parseAsOf } from '../../features/index.js';
import { clvFitSchema, customerClv, customerClvSchema, discountSchema, fitClv, loadClvFit, saveClvFit, TIME_UNITS } from '../../models/clv/index.js';
import { customerNotFound } from '../../shared/errors.js';
import { asOfSchema, customerParamsSchema } from '../schemas.js';
import { requireCustomer } from './customers.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const days = (fallback: number, what: string) => z.coerce.number().int().min(1).max(36_500).default(fallback).describe(what);

/**
 * `POST /v1/clv/fit` fits and stores the models; `GET /v1/customers/:id/clv` scores with the stored fit and answers
 * 409 (`no_model`) until there is one: the request is fine, the workspace is not ready for it yet.
 */
export function registerClvRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post(
    '/v1/clv/fit',
    guarded('audiences:write', 'clv', 'Fit BG/NBD and Gamma-Gamma on the events before a date, and keep the fit for scoring', {
      body: z
        .strictObject({
          until: asOfSchema.optional().describe('only events strictly before this date (default: the day after the last event)'),
          unit: z.enum(TIME_UNITS).default('day').describe('time unit of t_x, T and alpha'),
        })
        .optional(),
      response: { 200: clvFitSchema },
      // A fit changes no feature: the catalog reads the scores a run stores, so the live view stays as it is.
    }, 'unchanged'),
    (req) =>
      inWorkspace(ctx, req, async (store) => {
        const until = req.body?.until ? parseAsOf(req.body.until, 'until') : await defaultAsOf(store);
        const fit = await fitClv(store, until, req.body?.unit ?? 'day');
        await saveClvFit(store, fit);
        return fit;
      }),
  );

  app.get(
    '/v1/customers/:id/clv',
    guarded('audiences:read', 'clv', "A customer's P(alive), expected orders, expected spend and CLV from the stored fit", {
      params: customerParamsSchema,
      querystring: z.strictObject({
        as_of: asOfSchema.optional().describe('the history scored: events before this date (default: the day after the last event)'),
        orders_days: days(90, 'horizon of expected orders, in days'),
        clv_days: days(365, 'horizon of the CLV, in days'),
        discount: z.coerce.number().min(0).max(10).default(0.1).describe('discount rate per `discount_per`'),
        discount_per: discountSchema.shape.per.default('year'),
      }),
      response: { 200: customerClvSchema },
      // No fit yet: 409 (no_model).
      errors: [409],
    }),
    (req) =>
      inWorkspace(ctx, req, async (store) => {
        await requireCustomer(store, req.params.id);
        const fit = await loadClvFit(store);
        const asOf = req.query.as_of ? parseAsOf(req.query.as_of, 'as_of') : await defaultAsOf(store);
        const q = req.query;
        const result = await customerClv(store, fit, asOf, req.params.id, { ordersDays: q.orders_days, clvDays: q.clv_days, discount: { rate: q.discount, per: q.discount_per } });
        if (!result) throw customerNotFound(req.params.id);
        return result;
      }),
  );
}
