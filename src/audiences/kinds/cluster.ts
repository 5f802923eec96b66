import { z } from 'zod';
import { assign, assignmentQuery, CLUSTER_METHOD_NAMES, CLUSTER_METHODS, leaningText, loadModels, reasonsOf, type ClusteringModel, type ClusterMethod } from '../../clusters/index.js';
import { insertIfAbsent, join, jsonText, sql, update, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { defineKind } from './kind.js';

/** One cluster of a fitted clustering (src/clusters): members are the buyers nearest to its centroid. */
export const clusterKind = defineKind({
  kind: 'cluster',
  label: 'Clusters',
  noun: 'a cluster (nearest centroid)',
  about: 'One cluster of a k-means clustering of the buyers (RFM or behavior), refitted at every run: its members are the buyers nearest to its centroid.',
  definition: z.strictObject({ kind: z.literal('cluster'), method: z.enum(CLUSTER_METHOD_NAMES) }),
  order: 2,
  userDefined: false,
  hiddenWhenInactive: true,
  landmark: true,
  describe: (d) => `nearest centroid of the ${d.method} clustering`,
  family: (d) => d.method,
  compute: {
    by: 'sql',
    // Every stored clustering, whose clusters are the kind's audiences (keepClusterAudiences).
    materialize: async (run) => {
      const models = await loadModels(run.store);
      return models.length ? join(models.map((m) => clusterMembers(m, run.table)), ' UNION ALL ') : undefined;
    },
    live: {
      async load(store, audiences) {
        const models = await loadModels(store);
        const nameById = new Map(audiences.map((a) => [a.id, a.name]));
        // The customer's nearest cluster in each clustering, when that cluster is an active audience.
        return (ctx) =>
          models.flatMap((model) => {
            const a = assign(model, ctx.features);
            const name = a && nameById.get(a.cluster.id);
            return a && name ? [{ id: a.cluster.id, name, kind: 'cluster' as const, reasons: reasonsOf(a) }] : [];
          });
      },
    },
  },
});

/**
 * The members of a clustering's clusters in a feature table, as a materialization relation: every buyer with the
 * nearest centroid's audience, its confidence as score, and the distance and leanings as reasons (what `reasonsOf`
 * says live).
 */
export function clusterMembers(model: ClusteringModel, table: string): Sql {
  const ids = join(model.clusters.map((c, j) => sql`(${j}, ${c.id}, ${leaningText(c.leans)})`));
  return sql`SELECT t.id AS audience_id, a.customer_id, a.confidence AS score,
      printf('nearest centroid, distance %.2f, confidence %.2f; %s', a.distance, a.confidence, t.leans) AS reasons
    FROM (${assignmentQuery(model, table)}) a JOIN (VALUES ${ids}) t(cluster, id, leans) USING (cluster)`;
}

/** The ids of every audience a clustering ever had, active or not. */
export const clusteringAudiences = (method: ClusterMethod): Sql =>
  sql`SELECT id FROM audiences WHERE kind = 'cluster' AND ${jsonText(sql`definition`, ['method'])} = ${method}`;

/** One active audience per cluster of a fitted model; the clustering's other cluster audiences are deactivated. */
export async function keepClusterAudiences(store: Store, model: ClusteringModel & { method: ClusterMethod }): Promise<void> {
  const label = CLUSTER_METHODS[model.method].label;
  const definition = JSON.stringify({ kind: 'cluster', method: model.method });
  await store.transaction(async () => {
    await store.run(sql`${update(sql`audiences`)} active = FALSE, updated_at = now() WHERE id IN (${clusteringAudiences(model.method)})`);
    for (const c of model.clusters) {
      // A cluster kept from an earlier fit keeps its name and creation date; its description is the new fit's.
      const description = `${c.description}. ${c.action}.`;
      await store.run(insertIfAbsent(sql`audiences`, sql`id`, [c.id, `${label} cluster: ${c.name}`, 'cluster', description, definition, true, sql`now()`, sql`now()`]));
      await store.run(sql`${update(sql`audiences`)} active = TRUE, description = ${description}, updated_at = now() WHERE id = ${c.id}`);
    }
  });
}
