import { z } from 'zod';
import { AUDIENCE_KINDS, KIND_DEFINITIONS } from './kinds/index.js';

/** Every kind of audience (kinds/index.ts) goes through the same memberships, snapshots, movement, overlap and explain. */
export { AUDIENCE_KINDS, type AudienceDefinition, type AudienceKind } from './kinds/index.js';

export const audienceDefinitionSchema = z.discriminatedUnion('kind', KIND_DEFINITIONS);

export const audienceSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(AUDIENCE_KINDS),
  description: z.string().nullable(),
  definition: audienceDefinitionSchema,
  active: z.boolean(),
});
export type Audience = z.infer<typeof audienceSchema>;

export const NOT_COMPUTED = 'not computed until the next run';

/** An audience with its size at the latest run, or, where that run has none, why. */
export const sizedAudienceSchema = audienceSchema.extend({
  as_of: z.string().nullable().describe("the latest run's date, when the audience was computed for it (by the run, or at its creation or change since)"),
  size: z.number().int().nullable().describe('members at that run; null when not computed'),
  revenue_share: z.number().nullable().describe("the members' share of the run's revenue"),
  rule_text: z.string().nullable().describe("the rule it was computed with (a smart segment's with the run's thresholds); null for RFM cells and clusters"),
  note: z.string().nullable().describe(`why there is no size: "${NOT_COMPUTED}" (before any run), or "inactive"`),
});
export type SizedAudience = z.infer<typeof sizedAudienceSchema>;

export const HYGIENE_FLAGS = ['too_small', 'no_data', 'near_duplicate'] as const;

/** An audience as listings show it: sized as above, its definition in words, with the hygiene flags of the latest run. */
export const listedAudienceSchema = sizedAudienceSchema.extend({
  definition_text: z
    .string()
    .describe("what it selects, as text: the rule (a smart segment's with the latest run's thresholds, else its template), the RFM segment, or the clustering"),
  flags: z
    .array(z.object({ flag: z.enum(HYGIENE_FLAGS), detail: z.string() }))
    .describe('too_small: fewer members than the minimum; no_data: empty because the store lacks what it reads; near_duplicate: over 95% the same members as another'),
});
export type ListedAudience = z.infer<typeof listedAudienceSchema>;

export const createAudienceSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  rule: z.string().min(1).max(20_000),
  description: z.string().max(1000).optional(),
});
export type CreateAudience = z.infer<typeof createAudienceSchema>;

export const updateAudienceSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  rule: z.string().min(1).max(20_000).optional(),
  description: z.string().max(1000).optional(),
  active: z.boolean().optional(),
});
export type UpdateAudience = z.infer<typeof updateAudienceSchema>;

export const deletedAudienceSchema = z.object({ deleted: z.string().describe('the id of the audience deleted') });
export type DeletedAudience = z.infer<typeof deletedAudienceSchema>;

/** One audience a customer is in, as real-time answers give it: why, clause by clause or by cluster distance. */
export const liveAudienceSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(AUDIENCE_KINDS),
  reasons: z.string().nullable(),
});
export type LiveAudience = z.infer<typeof liveAudienceSchema>;

const answerAsOf = z
  .string()
  .describe("the instant the answer is as of (UTC): the latest run's date, or the day after the customer's newest event when that is later, or the date asked for");

/** The audiences a stored customer is in: from the live view or the store, live after newer events, else the snapshot. */
export const customerAudiencesSchema = z.object({
  customer_id: z.string(),
  source: z
    .enum(['live', 'snapshot', 'none'])
    .describe('snapshot: as the latest run stored it; live: evaluated from the data (events newer than that run, a consent change, or a date asked for)'),
  as_of: answerAsOf.nullable(),
  audiences: z.array(liveAudienceSchema),
});
export type CustomerAudiences = z.infer<typeof customerAudiencesSchema>;

/** A classification on request: a stored customer by id, or one not stored yet from features (customer_id null). */
export const classificationSchema = z.object({
  customer_id: z.string().nullable(),
  as_of: answerAsOf,
  audiences: z.array(liveAudienceSchema),
});
