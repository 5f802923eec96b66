import { z } from 'zod';
import { CLUSTER_METHOD_NAMES } from '../clusters/methods.js';

/** Every kind of audience goes through the same memberships, snapshots, movement, overlap and explain. */
export const AUDIENCE_KINDS = ['rule', 'smart', 'rfm', 'cluster'] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];

export const audienceDefinitionSchema = z.discriminatedUnion('kind', [
  /** A rule a user wrote, kept as its canonical text. */
  z.strictObject({ kind: z.literal('rule'), text: z.string().min(1) }),
  /** A built-in smart segment: a rule template filled with the store's thresholds at each run. */
  z.strictObject({ kind: z.literal('smart'), template: z.string().min(1) }),
  /** One cell group of the RFM map. */
  z.strictObject({ kind: z.literal('rfm'), segment: z.string().min(1) }),
  /** One cluster of a fitted clustering (src/clusters): members are the customers nearest to its centroid. */
  z.strictObject({ kind: z.literal('cluster'), method: z.enum(CLUSTER_METHOD_NAMES) }),
]);
export type AudienceDefinition = z.infer<typeof audienceDefinitionSchema>;

export interface Audience {
  id: string;
  name: string;
  kind: AudienceKind;
  description: string | null;
  definition: AudienceDefinition;
  active: boolean;
}

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
