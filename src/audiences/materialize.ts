import { sql } from '../sql/index.js';
import type { RunContext } from './kinds/kind.js';
import { ALL_KINDS, isComputedBySql } from './kinds/index.js';
import { rulesOf, storeRuleMemberships } from './rules.js';
import type { Audience } from './schema.js';

/**
 * Stores the members of these active audiences as of a run, every kind from the feature table: the kinds computed
 * by their own SQL first, in registry order, then the rules level by level, which may read any of them through
 * `in audience`. The date's earlier rows must be gone. Returns each audience with the rule text it ran with (null
 * without a rule), as audience_runs keeps it.
 */
export async function storeMemberships(run: RunContext, active: readonly Audience[]): Promise<Array<{ id: string; text: string | null }>> {
  for (const kind of ALL_KINDS.filter(isComputedBySql)) {
    const members = await kind.compute.materialize(run, active.filter((a) => a.kind === kind.kind));
    if (members) {
      await run.store.run(sql`INSERT INTO memberships
        SELECT m.audience_id, m.customer_id, ${run.at}, m.score, m.reasons FROM (${members}) m`);
    }
  }
  const rules = rulesOf(active, run.thresholds);
  await storeRuleMemberships(run.store, run.asOf, rules, new Map(active.map((a) => [a.name, a.id])));
  const texts = new Map(rules.map((r) => [r.audience.id, r.text]));
  return active.map((a) => ({ id: a.id, text: texts.get(a.id) ?? null }));
}
