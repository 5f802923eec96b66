import { z } from 'zod';
import { ident, join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import type { ScoringSource } from './score.js';
import { BEHAVIOR_ENTITIES, BEHAVIOR_SPECS, DEFAULT_MIN_ORDERS, type BehaviorEntity } from './specs.js';
import { scoredBy, signalsOf } from './score.js';

export const behaviorDescriptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  entity: z.enum(BEHAVIOR_ENTITIES),
  description: z.string(),
  action: z.string(),
  cutoff: z.number().describe('the lean (weighted mean of standardised signals) from which one is a member; the score is 0.5 there'),
  min_orders: z.number().int().nullable().describe('customers: the fewest orders to be scored; null for products'),
  scored: z.number().int().describe('customers (or products) scored: enough orders and a value of the leading signal'),
  size: z.number().int().describe('members: score >= 0.5'),
  share: z.number().nullable().describe('members per scored'),
  lift: z
    .number()
    .nullable()
    .describe("how far members lean on the leading signal: their mean over the store's (the store's buyers, or every product), or its inverse for a signal weighted down; above 1 when members lean the behavior's way"),
  signals: z.array(
    z.object({
      signal: z.string(),
      weight: z.number(),
      store_mean: z.number().nullable(),
      members_mean: z.number().nullable(),
      lift: z.number().nullable().describe('members_mean / store_mean: above 1 for a signal weighted up, below 1 for one weighted down'),
    }),
  ),
});
export type BehaviorDescription = z.infer<typeof behaviorDescriptionSchema>;

const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);

/**
 * Every suggested behavior of an entity with its size and lift, from its scores in `table` and the source they were
 * computed from (the feature table, or the product signals table).
 */
export async function describeBehaviors(store: Store, entity: BehaviorEntity, source: ScoringSource, table: string): Promise<BehaviorDescription[]> {
  const specs = BEHAVIOR_SPECS[entity];
  const names = signalsOf(specs);
  const col = (n: string) => sql`CAST(${ident(n)} AS DOUBLE)`;
  // The store's means and how many rows each spec scores, from the source; the members' means from the members kept.
  const store_ = (await store.one<Record<string, number | null>>(sql`SELECT ${join([
    ...names.map((n, i) => sql`avg(${col(n)}) FILTER (WHERE ${source.population}) AS ${ident(`m${i}`)}`),
    ...specs.map((spec, i) => sql`count(*) FILTER (WHERE ${scoredBy(source, spec)}) AS ${ident(`scored${i}`)}`),
  ])}
    FROM ${ident(source.table)}`))!;
  const rows = await store.all<Record<string, number | null> & { behavior: string; size: number }>(sql`
    SELECT s.behavior, count(*) AS size, ${join(names.map((n, i) => sql`avg(${col(n)}) AS ${ident(`m${i}`)}`))}
    FROM ${ident(table)} s JOIN ${ident(source.table)} f USING (${ident(source.id)}) GROUP BY s.behavior`);
  const byBehavior = new Map(rows.map((r) => [r.behavior, r]));
  return specs.map((spec, k) => {
    const r = byBehavior.get(spec.id);
    const signals = spec.signals.map((x) => {
      const i = names.indexOf(x.signal);
      const storeMean = store_[`m${i}`] ?? null;
      const membersMean = r?.[`m${i}`] ?? null;
      return { signal: x.signal, weight: x.weight, store_mean: storeMean, members_mean: membersMean, lift: ratio(membersMean, storeMean) };
    });
    const scored = Number(store_[`scored${k}`] ?? 0);
    const size = r?.size ?? 0;
    return {
      id: spec.id,
      name: spec.name,
      entity,
      description: spec.description,
      action: spec.action,
      cutoff: spec.cutoff,
      min_orders: entity === 'customers' ? (spec.min_orders ?? DEFAULT_MIN_ORDERS) : null,
      scored,
      size,
      share: scored ? size / scored : null,
      lift: spec.signals[0]!.weight < 0 ? ratio(signals[0]!.store_mean, signals[0]!.members_mean) : signals[0]!.lift,
      signals,
    };
  });
}
