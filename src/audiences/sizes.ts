import { ident, join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

/**
 * Each audience's size and revenue at a run date, counted from its stored memberships, with the rule text it ran
 * with (null for RFM cells and clusters); earlier rows of these audiences for that date are replaced.
 */
export async function storeAudienceSizes(store: Store, asOf: string, featureTable: string, audiences: ReadonlyArray<{ id: string; text: string | null }>): Promise<void> {
  if (audiences.length === 0) return;
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  const list = sql`(VALUES ${join(audiences.map((a) => sql`(${a.id}, CAST(${a.text} AS VARCHAR))`))}) t(id, text)`;
  await store.run(sql`DELETE FROM audience_runs WHERE as_of = ${at} AND audience_id IN (SELECT id FROM ${list})`);
  await store.run(sql`INSERT INTO audience_runs
    SELECT ${at}, t.id, count(m.customer_id), coalesce(sum(f.revenue), 0), any_value(t.text)
    FROM ${list}
    LEFT JOIN memberships m ON m.audience_id = t.id AND m.as_of = ${at}
    LEFT JOIN ${ident(featureTable)} f ON f.customer_id = m.customer_id
    GROUP BY t.id`);
}
