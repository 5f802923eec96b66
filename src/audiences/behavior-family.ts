import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  BEHAVIOR_ENTITIES,
  BEHAVIOR_TABLES,
  behaviorDescriptionSchema,
  clusterAgreement,
  clusterAgreementSchema,
  CUSTOMER_BEHAVIORS,
  customerScoresAsOf,
  customerSource,
  describeBehaviors,
  materializeAffinities,
  materializeCustomerBehaviors,
  materializeProductBehaviors,
  PRODUCT_SIGNALS_TABLE,
  productSource,
  storeSignalStats,
  type BehaviorEntity,
} from '../behaviors/index.js';
import { loadModel } from '../clusters/index.js';
import { FEATURE_TABLE, featureTableAsOf, keptWithFeatureTable } from '../features/index.js';
import type { Store } from '../store/index.js';
import { asCustomBehavior, customBehaviorSchema } from './custom-behaviors.js';
import { behaviorAudienceId } from './kinds/behavior.js';
import { isCustomBehavior } from './kinds/custom-behavior.js';
import { listAudiences } from './repository.js';
import { withLatestSizes } from './sizes.js';

/*
 * One family, one vocabulary: the suggested behaviors (overlapping scores), the custom behaviors (rules from words)
 * and the behavioral clusters (a k-means partition) side by side, the clusters and behaviors that share a name with
 * their agreement. What `segmint behavior list` prints and GET /v1/behaviors answers.
 */

const suggestedBehaviorSchema = behaviorDescriptionSchema.extend({
  audience_id: z.string().nullable().describe('customers: the audience (behavior-<id>) holding its members at every run, for members, sizes over runs, movement and overlap; null for products'),
  active: z.boolean().nullable().describe('customers: whether runs store its members; null for products'),
  cluster: clusterAgreementSchema.nullable().describe('the behavioral cluster of the same name and how many of its members score high on the behavior; null where no cluster has its name'),
});

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

export async function behaviorFamily(store: Store, entity: BehaviorEntity): Promise<BehaviorFamily> {
  const asOf = await featureTableAsOf(store);
  if (entity === 'products') {
    // Scored once per feature table (each run makes one), not at every visit: scoring reads every sale and view. The
    // customers' affinities to the product behaviors follow the products' scores.
    const describe = async () => {
      await materializeProductBehaviors(store, { asOf: asOf! });
      await materializeAffinities(store, { asOf: asOf! });
      return describeBehaviors(store, entity, productSource(PRODUCT_SIGNALS_TABLE), BEHAVIOR_TABLES.products);
    };
    const suggested = asOf ? await keptWithFeatureTable(store, 'behaviors.products', describe) : [];
    return { entity, as_of: asOf ?? null, suggested: suggested.map((b) => ({ ...b, audience_id: null, active: null, cluster: null })), custom: [], clusters: [] };
  }
  const audiences = await listAudiences(store);
  const custom = (await withLatestSizes(store, audiences.filter(isCustomBehavior))).map(asCustomBehavior);
  const model = await loadModel(store, 'behavior');
  const clusterSizes = new Map((await withLatestSizes(store, audiences.filter((a) => model?.clusters.some((c) => c.id === a.id)))).map((a) => [a.id, a.size]));
  const clusters = (model?.clusters ?? []).map((c) => ({ id: c.id, name: c.name, size: clusterSizes.get(c.id) ?? null }));
  if (!asOf) return { entity, as_of: null, suggested: [], custom, clusters };
  // Described once per feature table and clustering, not at every visit: describing reads every customer's scores.
  // A refit on the same table keeps its clusters' ids and names but moves their members: the whole model is the key.
  const fit = model ? createHash('sha256').update(JSON.stringify(model)).digest('hex') : '';
  const { described, agreement } = await keptWithFeatureTable(store, 'behaviors.customers', async () => {
    // The scores are the run's, unless the feature table has moved since (a store run before the behavior kind, or the
    // latest run's features made again after an earlier date was run): then they are scored again from it.
    if ((await customerScoresAsOf(store)) !== asOf) await storeSignalStats(store, asOf, (await materializeCustomerBehaviors(store, { featureTable: FEATURE_TABLE, asOf })).stats);
    return {
      described: await describeBehaviors(store, entity, customerSource(FEATURE_TABLE), BEHAVIOR_TABLES.customers),
      agreement: await clusterAgreement(store, { asOf, table: BEHAVIOR_TABLES.customers, clusters: model?.clusters ?? [] }),
    };
  }, fit);
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
