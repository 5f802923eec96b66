import { z } from 'zod';
import { experimentReportSchema } from './stats/index.js';
import { goalSchema, sizingSchema } from './schema.js';

/**
 * The results of an experiment read from what the storefront recorded: a campaign's variants against its control
 * (`GET /v1/campaigns/:id/report`) or an audience's standing holdout against the members shown campaigns
 * (`GET /v1/audiences/:id/holdout-report`). One shape for both, so the dashboard draws them alike; the statistics
 * are `experimentReport`'s (docs/experiments.md).
 */
export const experimentResultsSchema = z
  .object({
    subject: z.object({
      kind: z.enum(['campaign', 'audience_holdout']),
      id: z.string().describe('the campaign id, or the audience id'),
      name: z.string(),
      status: z.string().nullable().describe("the campaign's status; null for an audience's holdout"),
    }),
    as_of: z.string().describe('when the report was read (UTC, YYYY-MM-DD HH:MM:SS): what was stored then'),
    goal: goalSchema.describe('what counted as a conversion'),
    sizing: sizingSchema.describe('the settings the plan comes from'),
    arms: z
      .array(
        z.object({
          id: z.string(),
          weight: z.number().describe('percent of the exposed visitors planned for this arm'),
          holdout: z.boolean().describe('shown nothing'),
          impressions: z
            .number()
            .int()
            .nullable()
            .describe("exposed visitors the snippet sent an impression for (the holdout's says it was held out): fewer than the exposures where a page could not show it or the snippet gave up; null for an audience holdout"),
        }),
      )
      .describe('the arms in their bucketing order; the control is report.control'),
    audiences: z.array(z.object({ id: z.string(), name: z.string() })).describe('the audiences report.audiences splits by, with their names'),
    report: experimentReportSchema,
  })
  .meta({ id: 'ExperimentResults' });
export type ExperimentResults = z.infer<typeof experimentResultsSchema>;
