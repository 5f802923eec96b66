import { z } from 'zod';
import { AUDIENCE_KINDS, kindOrder, listAudiences, storeAudienceSizes, storeMemberships, type AudienceKind } from '../audiences/index.js';
import { FEATURE_TABLE, materializeFeatureTable } from '../features/index.js';
import { storeRunScores } from '../models/clv/index.js';
import { featureTableRfmGrid, storeThresholds } from '../segments/index.js';
import { asTimestamp, ident, sql, upsertInto } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { AFTER_RUN, runBefore } from './after-run.js';
import { refitClusterings } from './clusters.js';

/** What a run computed, as `segmint run` prints it and POST /v1/runs answers. */
export const runReportSchema = z.object({
  as_of: z.string(),
  customers: z.number().int(),
  seconds: z.number(),
  thresholds: z.record(z.string(), z.number()).describe("the store's yardsticks the smart segments ran with (cycle_days, loyal_orders, aov_p80, ...)"),
  audiences: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.enum(AUDIENCE_KINDS),
      size: z.number().int(),
      revenue: z.number(),
      rule_text: z.string().nullable().describe("the rule it ran with (a smart segment's with the thresholds); null for RFM cells and clusters"),
    }),
  ),
});
export type RunReport = z.infer<typeof runReportSchema>;

/** The stages of a run before the steps after it (after-run.ts), in order, as `onStage` names them. */
const STAGES = ['CLV scores', 'features', 'RFM map', 'thresholds', 'clusters', 'audiences'] as const;
/** Every stage a run reports, its own and the steps after it. */
export const RUN_STAGES: readonly string[] = [...STAGES, ...AFTER_RUN.map((s) => s.name)];

export interface RunOptions {
  /** Told each stage's name (RUN_STAGES) as it starts: a progress bar, the growth benchmark's time and memory per stage. */
  onStage?: ((stage: string) => void) | undefined;
}

/**
 * A pipeline run for one as-of date: CLV scores, the customer feature table, the store's thresholds, the cluster
 * refits, then every active audience of every kind, stored as that date's snapshot (a rerun for the same date
 * replaces it), then the steps that follow every run (after-run.ts).
 */
export async function runPipeline(store: Store, asOf: string, options: RunOptions = {}): Promise<RunReport> {
  const started = performance.now();
  const stage = (name: (typeof STAGES)[number]) => options.onStage?.(name);
  // CLV first: the feature table reads this run's scores (p_alive, expected_orders_90d, clv_365d).
  stage('CLV scores');
  await storeRunScores(store, asOf);
  stage('features');
  const customers = await materializeFeatureTable(store, asOf);
  // The RFM map of the new table, kept for the dashboard's visits rather than ranked again at each.
  stage('RFM map');
  await featureTableRfmGrid(store);
  stage('thresholds');
  const thresholds = await storeThresholds(store, FEATURE_TABLE);
  stage('clusters');
  await refitClusterings(store, asOf);
  stage('audiences');
  const active = (await listAudiences(store)).filter((a) => a.active);
  const at = asTimestamp(asOf);

  await store.transaction(async () => {
    await store.run(sql`DELETE FROM memberships WHERE as_of = ${at}`);
    await store.run(sql`DELETE FROM audience_runs WHERE as_of = ${at}`);
    const computed = await storeMemberships({ store, asOf, at, table: FEATURE_TABLE, thresholds }, active);
    await storeAudienceSizes(store, asOf, FEATURE_TABLE, computed);
    await store.run(sql`${upsertInto(sql`runs`)} SELECT ${at}, now(), ${customers}, coalesce(sum(revenue), 0),
      ${(performance.now() - started) / 1000}, ${JSON.stringify(thresholds)} FROM ${ident(FEATURE_TABLE)}`);
  });
  const before = await runBefore(store, asOf);
  for (const { name, step } of AFTER_RUN) {
    options.onStage?.(name);
    await step({ store, asOf, before });
  }
  const stats = await store.all<{ id: string; name: string; kind: AudienceKind; size: number; revenue: number; rule_text: string | null }>(sql`
    SELECT a.id, a.name, a.kind, r.size, r.revenue, r.rule_text FROM audience_runs r JOIN audiences a ON a.id = r.audience_id
    WHERE r.as_of = ${at} ORDER BY ${kindOrder(sql`a.kind`)}, a.created_at, a.name`);
  return { as_of: asOf, customers, seconds: (performance.now() - started) / 1000, thresholds, audiences: stats };
}
