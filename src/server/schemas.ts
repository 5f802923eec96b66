import { z } from 'zod';

/** Dates are checked by `parseAsOf` in the handler, which gives the same message as the CLI. */
export const asOfSchema = z.string().min(1).describe('YYYY-MM-DD or an ISO timestamp (UTC)');

/** The path parameter `:id` of a route about one thing, with what the id names. */
export const idParamsSchema = (description: string) => z.strictObject({ id: z.string().min(1).describe(description) });

export const customerParamsSchema = idParamsSchema('customer id');
export const audienceParamsSchema = idParamsSchema('audience id or name');

export const paginationSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  as_of: asOfSchema.optional().describe('a stored run date (default: the latest run)'),
});
