export * from './schema.js';
export { listAudiences, getAudience, createAudience, updateAudience, deleteAudience, ensureBuiltins } from './repository.js';
export { runAudiences, FEATURE_TABLE, type RunReport } from './run.js';
export { movement, NONE, type Movement } from './movement.js';
export { overlap, hygiene, runDate, type OverlapPair, type HygieneFlag } from './overlap.js';
export { explainCustomer, type AudienceExplanation, type ClauseExplanation } from './explain.js';
export { loadCustomerContext } from './customer-context.js';
export { audienceMembers, type MembersPage } from './members.js';
export { classifyCustomers, classifyFeatures, refreshLiveMemberships, customerAudiences, type LiveAudience } from './realtime.js';
