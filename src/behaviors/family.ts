import { z } from 'zod';
import { listAudiences, withLatestSizes } from '../audiences/index.js';
import { behaviorAudienceId } from '../audiences/kinds/behavior.js';
import { isCustomBehavior } from '../audiences/kinds/custom-behavior.js';
import { loadModel } from '../clusters/index.js';
import { FEATURE_TABLE, featureTableAsOf } from '../features/index.js';
import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { clusterAgreement, clusterAgreementSchema } from './agreement.js';
import { asCustomBehavior, customBehaviorSchema } from './custom.js';
import { behaviorDescriptionSchema, describeBehaviors } from './describe.js';
import { BEHAVIOR_TABLES, customerSource, materializeCustomerBehaviors, storeSignalStats } from './materialize.js';
import { behaviorsReport } from './report.js';
import { BEHAVIOR_ENTITIES, CUSTOMER_BEHAVIORS, type BehaviorEntity } from './specs.js';

/*
 * One family, one vocabulary: the suggested behaviors (overlapping scores), the custom behaviors (rules from words)
 * and the behavioral clusters (a k-means partition) side by side, the clusters and behaviors that share a name with
 * their agreement. What `segmint behavior list` prints and GET /v1/behaviors answers.
 */

export const suggestedBehaviorSchema = behaviorDescriptionSchema.extend({
  audience_id: z.string().nullable().describe('customers: the audience (behavior-<id>) holding its members at every run, for members, sizes over runs, movement and overlap; null for products'),
  active: z.boolean().nullable().describe('customers: whether runs store its members; null for products'),
  cluster: clusterAgreementSchema.nullable().describe('the behavioral cluster of the same name and how many of its members score high on the behavior; null where no cluster has its name'),
});
export type SuggestedBehavior = z.infer<typeof suggestedBehaviorSchema>;

export const behaviorFamilySchema = z.object({
  entity: z.enum(BEHAVIOR_ENTITIES),
  as_of: z.string().nullable().describe("the feature table's date the suggested behaviors are described as of; null before any run"),
  suggested: z.array(suggestedBehaviorSchema).describe('every suggested behavior with its size, share and lift; empty before any run'),
  custom: z.array(customBehaviorSchema).describe('customers: every custom behavior, drafts included, with its size at the latest run; empty for products'),
  clusters: z
    .array(z.object({ id: z.string().describe('the cluster audience'), name: z.string(), size: z.number().int().nullable().describe('members at the latest run') }))
    .describe('customers: the behavioral clustering’s clusters (empty before it is fitted); empty for products'),
});
export type BehaviorFamily = z.infer<typeof behaviorFamilySchema>;

/** Whether a run has scored the customer behaviors into their table (runs before the behavior kind did not). */
async function scored(store: Store): Promise<boolean> {
  return (await store.one(sql`SELECT 1 FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ${BEHAVIOR_TABLES.customers}`)) !== undefined;
}

export async function behaviorFamily(store: Store, entity: BehaviorEntity): Promise<BehaviorFamily> {
  const asOf = await featureTableAsOf(store);
  if (entity === 'products') {
    const suggested = asOf ? (await behaviorsReport(store, 'products', { featureTable: FEATURE_TABLE, asOf })).behaviors : [];
    return { entity, as_of: asOf ?? null, suggested: suggested.map((b) => ({ ...b, audience_id: null, active: null, cluster: null })), custom: [], clusters: [] };
  }
  const audiences = await listAudiences(store);
  const custom = (await withLatestSizes(store, audiences.filter(isCustomBehavior))).map(asCustomBehavior);
  const model = await loadModel(store, 'behavior');
  const clusterSizes = new Map((await withLatestSizes(store, audiences.filter((a) => model?.clusters.some((c) => c.id === a.id)))).map((a) => [a.id, a.size]));
  const clusters = (model?.clusters ?? []).map((c) => ({ id: c.id, name: c.name, size: clusterSizes.get(c.id) ?? null }));
  if (!asOf) return { entity, as_of: null, suggested: [], custom, clusters };
  if (!(await scored(store))) await storeSignalStats(store, asOf, (await materializeCustomerBehaviors(store, { featureTable: FEATURE_TABLE, asOf })).stats);
  const described = await describeBehaviors(store, entity, customerSource(FEATURE_TABLE), BEHAVIOR_TABLES.customers);
  const agreement = await clusterAgreement(store, { asOf, table: BEHAVIOR_TABLES.customers, clusters: model?.clusters ?? [] });
  const active = new Map(audiences.map((a) => [a.id, a.active]));
  return {
    entity,
    as_of: asOf,
    suggested: described.map((b) => {
      const id = behaviorAudienceId(CUSTOMER_BEHAVIORS.find((s) => s.id === b.id)!);
      return { ...b, audience_id: id, active: active.get(id) ?? null, cluster: agreement.find((x) => x.behavior === b.id) ?? null };
    }),
    custom,
    clusters,
  };
}
