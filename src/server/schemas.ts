import { z } from 'zod';

/** Dates are checked by `parseAsOf` in the handler, which gives the same message as the CLI. */
export const asOfSchema = z.string().min(1).describe('YYYY-MM-DD or an ISO timestamp (UTC)');

export const customerParamsSchema = z.strictObject({ id: z.string().min(1).describe('customer id') });
export const audienceParamsSchema = z.strictObject({ id: z.string().min(1).describe('audience id or name') });

export const paginationSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  as_of: asOfSchema.optional().describe('a stored run date (default: the latest run)'),
});
