import { z } from 'zod';
import type { Store } from '../store/index.js';
import { materializeAffinities } from './affinities.js';
import { clusterAgreement, clusterAgreementSchema } from './agreement.js';
import { behaviorDescriptionSchema, describeBehaviors } from './describe.js';
import { BEHAVIOR_TABLES, customerSource, materializeCustomerBehaviors, materializeProductBehaviors, PRODUCT_SIGNALS_TABLE, productSource } from './materialize.js';
import { BEHAVIOR_ENTITIES, type BehaviorEntity } from './specs.js';

/** The suggested behaviors of an entity as `segmint behaviors` prints them. */
export const behaviorsReportSchema = z.object({
  entity: z.enum(BEHAVIOR_ENTITIES),
  as_of: z.string().describe("the feature table's date: only events before it count"),
  behaviors: z.array(behaviorDescriptionSchema),
  agreement: z
    .array(clusterAgreementSchema)
    .describe('customers: for each behavioral cluster named like a behavior, the share of its members who score high on it; empty without a behavioral clustering'),
});
export type BehaviorsReport = z.infer<typeof behaviorsReportSchema>;

export interface ReportOptions {
  /** The customer feature table and the date it is as of. */
  featureTable: string;
  asOf: string;
  /** The behavioral clustering's clusters, whose names the customer behaviors share. */
  clusters?: ReadonlyArray<{ id: string; name: string }> | undefined;
}

/**
 * Scores an entity's suggested behaviors as of the feature table's date (products also get the customers' affinities
 * to them) and describes them.
 */
export async function behaviorsReport(store: Store, entity: BehaviorEntity, o: ReportOptions): Promise<BehaviorsReport> {
  if (entity === 'products') {
    await materializeProductBehaviors(store, { asOf: o.asOf });
    await materializeAffinities(store, { asOf: o.asOf });
    const behaviors = await describeBehaviors(store, entity, productSource(PRODUCT_SIGNALS_TABLE), BEHAVIOR_TABLES.products);
    return { entity, as_of: o.asOf, behaviors, agreement: [] };
  }
  const { table } = await materializeCustomerBehaviors(store, { featureTable: o.featureTable, asOf: o.asOf });
  const behaviors = await describeBehaviors(store, entity, customerSource(o.featureTable), table);
  const agreement = await clusterAgreement(store, { asOf: o.asOf, table, clusters: o.clusters ?? [] });
  return { entity, as_of: o.asOf, behaviors, agreement };
}
