import { asTimestamp, formatTimestamp, ident, sql, valuesOf } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { NOT_COMPUTED, type Audience, type SizedAudience } from './schema.js';

/**
 * Each audience's size and revenue at a run date, counted from its stored memberships, with the rule text it ran
 * with (null for RFM cells and clusters); earlier rows of these audiences for that date are replaced.
 */
export async function storeAudienceSizes(store: Store, asOf: string, featureTable: string, audiences: ReadonlyArray<{ id: string; text: string | null }>): Promise<void> {
  if (audiences.length === 0) return;
  const at = asTimestamp(asOf);
  const list = valuesOf('t', [['id', 'VARCHAR'], ['text', 'VARCHAR']], audiences.map((a) => [a.id, a.text]));
  await store.run(sql`DELETE FROM audience_runs WHERE as_of = ${at} AND audience_id IN (SELECT id FROM ${list})`);
  await store.run(sql`INSERT INTO audience_runs
    SELECT ${at}, t.id, count(m.customer_id), coalesce(sum(f.revenue), 0), any_value(t.text)
    FROM ${list}
    LEFT JOIN memberships m ON m.audience_id = t.id AND m.as_of = ${at}
    LEFT JOIN ${ident(featureTable)} f ON f.customer_id = m.customer_id
    GROUP BY t.id`);
}

/** Audiences with their size and revenue share at the latest run, or a note saying why they have none. */
export async function withLatestSizes(store: Store, audiences: readonly Audience[]): Promise<SizedAudience[]> {
  const rows = await store.all<{ audience_id: string; as_of: string; size: number; rule_text: string | null; share: number | null }>(sql`
    SELECT r.audience_id, ${formatTimestamp(sql`r.as_of`)} AS as_of, r.size, r.rule_text, r.revenue / NULLIF(runs.revenue, 0) AS share
    FROM audience_runs r JOIN runs USING (as_of) WHERE r.as_of = (SELECT max(as_of) FROM runs)`);
  const byId = new Map(rows.map((r) => [r.audience_id, r]));
  return audiences.map((a) => {
    const run = byId.get(a.id);
    return {
      ...a,
      as_of: run?.as_of ?? null,
      size: run?.size ?? null,
      revenue_share: run?.share ?? null,
      rule_text: run?.rule_text ?? null,
      note: run ? null : a.active ? NOT_COMPUTED : 'inactive',
    };
  });
}
