/**
 * The API's answers as the dashboard reads them: the zod response schemas of the server's routes, as `z.infer` types.
 * `import type` only, so nothing of the server reaches the bundle; a server change the dashboard does not follow
 * fails `npm run lint`.
 */
import type { z } from 'zod';
import type { deliveryLogSchema, deliverySchema, webhookInputSchema, webhookListSchema, webhookSchema, webhookWithSecretSchema } from '../../../src/activation/webhooks/schema.js';
import type { runHistorySchema } from '../../../src/audiences/history.js';
import type { customerAudiencesSchema, listedAudienceSchema } from '../../../src/audiences/schema.js';
import type { membersPageSchema } from '../../../src/audiences/members.js';
import type { movementSchema } from '../../../src/audiences/movement.js';
import type { overlapSchema } from '../../../src/audiences/overlap.js';
import type { explanationSchema } from '../../../src/audiences/explain.js';
import type { ruleCheckSchema, rulePreviewSchema, ruleVocabularySchema } from '../../../src/audiences/rule-builder.js';
import type { behaviorFamilySchema } from '../../../src/audiences/behavior-family.js';
import type { createBehaviorSchema, createdBehaviorSchema, customBehaviorSchema } from '../../../src/audiences/custom-behaviors.js';
import type { behaviorPreviewSchema } from '../../../src/behaviors/words/schema.js';
import type { campaignSchema, CampaignInput } from '../../../src/campaigns/schema.js';
import type { clusteringReportSchema } from '../../../src/clusters/fit.js';
import type { clusterSampleSchema } from '../../../src/clusters/sample.js';
import type { customerFeaturesSchema } from '../../../src/features/compute.js';
import type { customerClvSchema } from '../../../src/models/clv/score.js';
import type { profileSchema } from '../../../src/profiles/schema.js';
import type { rfmGridSchema } from '../../../src/segments/rfm.js';
import type { auditPageSchema, createdKeySchema, keyListingSchema, scopeSchema } from '../../../src/server/api-keys.js';
import type { importRecordSchema, importsPageSchema, quarantinePageSchema } from '../../../src/store/ingest/history.js';
import type { presetListingSchema } from '../../../src/store/ingest/presets.js';
import type { importReportSchema } from '../../../src/store/ingest/import-file.js';
import type { customerConsentSchema, erasureSchema } from '../../../src/store/privacy.js';
import type { storeStatsSchema } from '../../../src/store/stats.js';
import type { customerEventsSchema } from '../../../src/store/timeline.js';
import type { runReportSchema } from '../../../src/pipeline/run.js';
import type { experimentResultsSchema } from '../../../src/campaigns/results-schema.js';
import type { dryRunSchema, exportRecordSchema, exportRequestSchema } from '../../../src/activation/exports/schema.js';
import type { syncSchema } from '../../../src/activation/exports/syncs.js';

export type Stats = z.infer<typeof storeStatsSchema>;
export type RunHistory = z.infer<typeof runHistorySchema>;
export type Audience = z.infer<typeof listedAudienceSchema>;
export type RunReport = z.infer<typeof runReportSchema>;
export type MembersPage = z.infer<typeof membersPageSchema>;
export type Movement = z.infer<typeof movementSchema>;
export type Overlap = z.infer<typeof overlapSchema>;
export type RfmGrid = z.infer<typeof rfmGridSchema>;
export type Clustering = z.infer<typeof clusteringReportSchema>;
export type ClusterSample = z.infer<typeof clusterSampleSchema>;
export type CustomerFeatures = z.infer<typeof customerFeaturesSchema>;
export type Explanation = z.infer<typeof explanationSchema>;
export type CustomerAudiences = z.infer<typeof customerAudiencesSchema>;
export type CustomerClv = z.infer<typeof customerClvSchema>;
export type CustomerEvents = z.infer<typeof customerEventsSchema>;
export type CustomerProfile = z.infer<typeof profileSchema>;
export type RuleCheck = z.infer<typeof ruleCheckSchema>;
export type RulePreview = z.infer<typeof rulePreviewSchema>;
export type RuleVocabulary = z.infer<typeof ruleVocabularySchema>;
export type ImportsPage = z.infer<typeof importsPageSchema>;
export type ImportRecord = z.infer<typeof importRecordSchema>;
export type ImportPreset = z.infer<typeof presetListingSchema>;
export type QuarantinePage = z.infer<typeof quarantinePageSchema>;
export type ImportReport = z.infer<typeof importReportSchema>;
export type Scope = z.infer<typeof scopeSchema>;
export type ApiKeyListing = z.infer<typeof keyListingSchema>;
export type CreatedKey = z.infer<typeof createdKeySchema>;
export type AuditPage = z.infer<typeof auditPageSchema>;
export type ConsentAnswer = z.infer<typeof customerConsentSchema>;
export type ErasureAnswer = z.infer<typeof erasureSchema>;
export type BehaviorPreview = z.infer<typeof behaviorPreviewSchema>;
export type BehaviorFamily = z.infer<typeof behaviorFamilySchema>;
export type CustomBehavior = z.infer<typeof customBehaviorSchema>;
export type CreatedBehavior = z.infer<typeof createdBehaviorSchema>;
/** The body of POST /v1/behaviors. */
export type CreateBehavior = z.input<typeof createBehaviorSchema>;
export type Campaign = z.infer<typeof campaignSchema>;
/** The body of POST /v1/campaigns and PUT /v1/campaigns/:id. */
export type CampaignBody = CampaignInput;
/** A campaign's experiment report, or an audience's standing holdout report: one shape. */
export type ExperimentResults = z.infer<typeof experimentResultsSchema>;
export type ExportRecord = z.infer<typeof exportRecordSchema>;
export type ExportDryRun = z.infer<typeof dryRunSchema>;
/** The body of POST /v1/audiences/:id/exports. */
export type ExportRequest = z.input<typeof exportRequestSchema>;
export type ExportSync = z.infer<typeof syncSchema>;
export type Webhook = z.infer<typeof webhookSchema>;
export type WebhookWithSecret = z.infer<typeof webhookWithSecretSchema>;
export type WebhookList = z.infer<typeof webhookListSchema>;
export type WebhookInput = z.input<typeof webhookInputSchema>;
export type WebhookDelivery = z.infer<typeof deliverySchema>;
export type DeliveryLog = z.infer<typeof deliveryLogSchema>;
