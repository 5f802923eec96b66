import { customerFeaturesQuery, FEATURE_TABLE, featureTableAsOf, findFeature } from '../features/index.js';
import { eventNeeds, featureReferences, parseRule } from '../segments/index.js';
import { asTimestamp, ident, join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

/**
 * Why rule audiences (smart segments and user rules) that selected nobody at a run could not have selected anyone:
 * a feature they compare has no value for any customer at that date (discount_share without discounts), or an event
 * type they count has no event before it (views on a store without browsing data). An empty audience with data
 * behind it gets no entry: it is merely small.
 */
export async function missingData(store: Store, at: string, audiences: ReadonlyArray<{ id: string; text: string }>): Promise<Map<string, string>> {
  const rules = audiences.map((a) => ({ id: a.id, rule: parseRule(a.text) }));
  const features = [...new Set(rules.flatMap((r) => featureReferences(r.rule)))];
  const types = [...new Set(rules.flatMap((r) => [...eventNeeds([r.rule]).types]))];
  // The run's own feature table when it holds this date, else the features computed as of it.
  const table = (await featureTableAsOf(store)) === at ? ident(FEATURE_TABLE) : sql`(${customerFeaturesQuery({ asOf: at })})`;
  const valued = features.length
    ? await store.one<Record<string, number>>(sql`SELECT ${join(features.map((f) => sql`count(${ident(f)}) AS ${ident(f)}`))} FROM ${table}`)
    : {};
  const seen = types.length
    ? new Set((await store.all<{ type: string }>(sql`SELECT DISTINCT type FROM events WHERE ts < ${asTimestamp(at)} AND type IN (${join(types.map((t) => sql`${t}`))})`)).map((r) => r.type))
    : new Set<string>();
  const out = new Map<string, string>();
  for (const { id, rule } of rules) {
    const reasons = [
      ...featureReferences(rule)
        .filter((f) => !valued?.[f])
        .map((f) => `no customer has a value of ${f} at this run (${findFeature('customer', f)?.description ?? f})`),
      ...[...eventNeeds([rule]).types].filter((t) => !seen.has(t)).map((t) => `the store has no ${t} events before this run`),
    ];
    if (reasons.length) out.set(id, reasons.join('; '));
  }
  return out;
}
