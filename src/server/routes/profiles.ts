import { z } from 'zod';
import { parseAsOf } from '../../features/index.js';
import { customerProfile, PROFILE_SEEDS, profileSchema } from '../../profiles/index.js';
import { asOfSchema, customerParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

/**
 * A customer's profile (seed 002): the last one kept, with its date, or a new one when there is none yet or
 * `refresh=true` asks for it (also for another `as_of` or `seed`). Making one stores it; nothing else changes.
 */
export function registerProfileRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/customers/:id/profile',
    guarded('profiles:read', 'profiles', "A customer's profile: description, style, occasions with complete looks, marketing brief, content hooks and purchase moment, each statement with its evidence", {
      params: customerParamsSchema,
      querystring: z.strictObject({
        refresh: z.enum(['true', 'false']).optional().describe('true: make a new profile from the data as it is now, and keep it'),
        as_of: asOfSchema.optional().describe("the history read (default: the latest run's date, else the day after the last event)"),
        seed: z.coerce.number().int().min(PROFILE_SEEDS.min).max(PROFILE_SEEDS.max).optional().describe(`seeds the choice of phrasings and looks (default ${PROFILE_SEEDS.default})`),
      }),
      response: { 200: profileSchema },
    }),
    (req) =>
      customerProfile((fn) => inWorkspace(ctx, req, fn), req.params.id, {
        refresh: req.query.refresh === 'true',
        asOf: req.query.as_of ? parseAsOf(req.query.as_of, 'as_of') : undefined,
        seed: req.query.seed,
        llm: ctx.llm,
      }),
  );
}
