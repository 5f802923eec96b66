import { z } from 'zod';
import { ident, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { CUSTOMER_BEHAVIORS } from './specs.js';

export const clusterAgreementSchema = z.object({
  cluster_id: z.string(),
  name: z.string().describe('the name the behavioral cluster and the suggested behavior share'),
  behavior: z.string(),
  cluster_size: z.number().int().describe("the cluster's members as of the scores' date"),
  scoring_high: z.number().int().describe('of them, members of the behavior (score >= 0.5)'),
  agreement: z.number().nullable().describe('scoring_high / cluster_size'),
});
export type ClusterAgreement = z.infer<typeof clusterAgreementSchema>;

/**
 * Clusters and suggested behaviors share one vocabulary: the behavioral cluster named X (a partition by k-means) and
 * the behavior X (an overlapping score) must mean the same. Agreement is the share of the cluster's members, as of
 * `asOf`, who are members of behavior X; clusters with a name no behavior has are left out. `clusters` are the
 * behavioral clustering's (its memberships of that date are read from the store).
 */
export async function clusterAgreement(store: Store, o: { asOf: string; table: string; clusters: ReadonlyArray<{ id: string; name: string }> }): Promise<ClusterAgreement[]> {
  const out: ClusterAgreement[] = [];
  for (const c of o.clusters) {
    const spec = CUSTOMER_BEHAVIORS.find((b) => b.name === c.name);
    if (!spec) continue;
    const r = (await store.one<{ size: number; high: number }>(sql`
      SELECT count(*) AS size, count(b.behavior) AS high
      FROM memberships m LEFT JOIN ${ident(o.table)} b ON b.customer_id = m.customer_id AND b.behavior = ${spec.id}
      WHERE m.audience_id = ${c.id} AND m.as_of = CAST(${o.asOf} AS TIMESTAMP)`))!;
    out.push({ cluster_id: c.id, name: c.name, behavior: spec.id, cluster_size: r.size, scoring_high: r.high, agreement: r.size ? r.high / r.size : null });
  }
  return out;
}
