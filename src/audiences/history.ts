import { z } from 'zod';
import { FEATURE_TABLE, featureTableAsOf } from '../features/index.js';
import { formatTimestamp, ident, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

/** Every stored run, oldest first, with each audience's size and revenue at it: trends over time. */
export const runHistorySchema = z.object({
  runs: z.array(
    z.object({
      as_of: z.string().describe('YYYY-MM-DD HH:MM:SS'),
      run_at: z.string().describe('when the run was computed (UTC)'),
      customers: z.number(),
      revenue: z.number().describe('net revenue of all customers as of the run'),
      seconds: z.number(),
      audiences: z.array(
        z.object({
          id: z.string(),
          size: z.number(),
          revenue: z.number(),
          rule_text: z.string().nullable().describe('the rule it ran with (smart thresholds filled in); null for RFM cells and clusters'),
        }),
      ),
    }),
  ),
  latest: z
    .object({
      as_of: z.string(),
      customers: z.number(),
      buyers: z.number().describe('customers with at least one order'),
      revenue: z.number(),
    })
    .nullable()
    .describe('the feature table of the run computed last (what rules and clusters read now); null before the first run'),
});
export type RunHistory = z.infer<typeof runHistorySchema>;

export async function runHistory(store: Store): Promise<RunHistory> {
  const runs = await store.all<{ as_of: string; run_at: string; customers: number; revenue: number; seconds: number }>(sql`
    SELECT ${formatTimestamp(sql`as_of`)} AS as_of, ${formatTimestamp(sql`run_at`)} AS run_at, customers, revenue, seconds FROM runs ORDER BY runs.as_of`);
  const sizes = await store.all<{ as_of: string; id: string; size: number; revenue: number; rule_text: string | null }>(sql`
    SELECT ${formatTimestamp(sql`as_of`)} AS as_of, audience_id AS id, size, revenue, rule_text FROM audience_runs ORDER BY as_of, audience_id`);
  const byRun = new Map<string, Array<Omit<(typeof sizes)[number], 'as_of'>>>();
  for (const { as_of, ...size } of sizes) byRun.set(as_of, [...(byRun.get(as_of) ?? []), size]);
  const asOf = await featureTableAsOf(store);
  const latest = asOf
    ? await store.one<{ customers: number; buyers: number; revenue: number }>(sql`
        SELECT count(*) AS customers, count(*) FILTER (WHERE orders > 0) AS buyers, coalesce(sum(revenue), 0) AS revenue FROM ${ident(FEATURE_TABLE)}`)
    : undefined;
  return {
    runs: runs.map((r) => ({ ...r, audiences: byRun.get(r.as_of) ?? [] })),
    latest: asOf && latest ? { as_of: asOf, ...latest } : null,
  };
}
