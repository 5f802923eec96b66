/**
 * The API's answers as the dashboard reads them, taken from the server's own code with `import type` (nothing of
 * the server reaches the bundle): the zod response schemas where a route has one (z.infer types), else the return
 * type of the function the route answers with. A server change the dashboard does not follow fails `npm run lint`.
 */
import type { RunHistory } from '../../../src/audiences/history.js';
import type { audienceMembers, customerAudiences, explainCustomer, listAudiences, movement, overlap, runAudiences } from '../../../src/audiences/index.js';
import type { RuleCheck, RulePreview, RuleVocabulary } from '../../../src/audiences/rule-builder.js';
import type { describeClustering } from '../../../src/clusters/index.js';
import type { RfmGrid } from '../../../src/segments/index.js';
import type { customerFeatures } from '../../../src/features/index.js';
import type { customerClv } from '../../../src/models/clv/index.js';
import type { auditLog, createKey, listKeys, Scope } from '../../../src/server/api-keys.js';
import type { CustomerEvents, eraseCustomer, importFile, listImports, quarantinedRows, setConsent, StoreStats } from '../../../src/store/index.js';

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export type { CustomerEvents, RfmGrid, RuleCheck, RulePreview, RuleVocabulary, RunHistory, Scope };
export type Stats = StoreStats;
export type Audience = Answer<typeof listAudiences>[number];
export type RunReport = Answer<typeof runAudiences>;
export type MembersPage = Answer<typeof audienceMembers>;
export type Movement = Answer<typeof movement>;
export type Overlap = Answer<typeof overlap>;
export type Clustering = Answer<typeof describeClustering>;
/** GET /v1/customers/:id/features: the route wraps the features with the customer id and date. */
export type CustomerFeatures = { customer_id: string; as_of: string; features: NonNullable<Answer<typeof customerFeatures>> };
export type Explanation = Answer<typeof explainCustomer>;
export type CustomerAudiences = Answer<typeof customerAudiences>;
export type CustomerClv = NonNullable<Answer<typeof customerClv>>;
/** GET /v1/imports and GET /v1/imports/:id/quarantine add the page asked for. */
export type ImportsPage = Answer<typeof listImports> & { limit: number; offset: number };
export type QuarantinePage = Answer<typeof quarantinedRows> & { limit: number; offset: number };
export type ImportReport = Answer<typeof importFile>;
export type ApiKeyListing = Answer<typeof listKeys>[number];
export type CreatedKey = Answer<typeof createKey>;
export type AuditPage = Answer<typeof auditLog> & { limit: number; offset: number };
/** PUT /v1/customers/:id/consent and DELETE /v1/customers/:id wrap what the store says. */
export type ConsentAnswer = { customer_id: string; consent: Answer<typeof setConsent> };
export type ErasureAnswer = { erased: true; deleted: Answer<typeof eraseCustomer>['deleted'] };
