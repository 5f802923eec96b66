export * from './schema.js';
export { CAMPAIGN_TYPES, campaignTypeSchema, typeSpec, PLACEMENTS, type CampaignType, type CampaignTypeSpec, type Placement } from './types/index.js';
export { createCampaign, deleteCampaign, getCampaign, listCampaigns, replaceCampaign, setCampaignStatus } from './repository.js';
export { decideQuerySchema, type DecideQuery } from './targeting.js';
export { CampaignDecider, decisionSchema, variantOf, type Decision, type VisitorFacts } from './decide.js';
export { campaignEventBatchSchema, campaignEventReportSchema, CAMPAIGN_EVENT_TYPES, MAX_CAMPAIGN_EVENTS, storeAssignments, storeCampaignEvents, storedExposures, type CampaignEventBatch } from './events.js';
export { visitorFacts } from './visitor-facts.js';
export { campaignReport } from './report.js';
export { experimentResultsSchema, type ExperimentResults } from './results-schema.js';
