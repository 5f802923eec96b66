import { z } from 'zod';
import { customerScored, CUSTOMER_BEHAVIORS, DEFAULT_MIN_ORDERS, loadSignalStats, materializeCustomerBehaviors, memberOne, reasonsOne, scoreOne, storeSignalStats, type BehaviorSpec, type OneScore, type SignalStats } from '../../behaviors/index.js';
import { findFeature } from '../../features/index.js';
import { ident, join, sql } from '../../sql/index.js';
import type { ClauseExplanation } from '../clauses.js';
import { defineKind } from './kind.js';

const BEHAVIOR_IDS = CUSTOMER_BEHAVIORS.map((b) => b.id) as [string, ...string[]];
const specOf = new Map(CUSTOMER_BEHAVIORS.map((b) => [b.id, b]));
const unit = (signal: string) => findFeature('customer', signal)?.unit ?? null;

/** The audience id of a suggested behavior. */
export const behaviorAudienceId = (spec: BehaviorSpec): string => `behavior-${spec.id}`;

/** Whether the spec scores a customer (yardsticks stored by a run, enough orders, a value of its leading signal). */
const scored = (spec: BehaviorSpec, stats: ReadonlyMap<string, SignalStats>, features: Readonly<Record<string, unknown>>): boolean => stats.size > 0 && customerScored(spec, features);

/** A customer's score for a spec from their features, or undefined when the spec does not score them (too few orders). */
function scoreOf(spec: BehaviorSpec, stats: ReadonlyMap<string, SignalStats>, features: Readonly<Record<string, unknown>>): OneScore | undefined {
  return scored(spec, stats, features) ? scoreOne(spec, stats, features) : undefined;
}

/**
 * A suggested customer behavior (src/behaviors/specs.ts) as an audience: every run scores all of them over the
 * feature table (customer_behaviors, with each signal's yardsticks kept per run date), and the members are the
 * customers scoring 0.5 or more, with the signals that pull them most as reasons. Live answers and explain score one
 * customer from their own features against the latest run's yardsticks, as the run scored everyone.
 */
export const behaviorKind = defineKind({
  kind: 'behavior',
  label: 'Suggested behaviors',
  noun: 'a suggested behavior',
  about: 'A built-in behavior (Comfort Seekers, Value Hunters, ...): weighted, standardised signals giving each customer a 0..1 score; members score 0.5 or more.',
  definition: z.strictObject({ kind: z.literal('behavior'), behavior: z.enum(BEHAVIOR_IDS) }),
  order: 3,
  userDefined: false,
  hiddenWhenInactive: false,
  landmark: false,
  builtins: () =>
    CUSTOMER_BEHAVIORS.map((b) => ({ id: behaviorAudienceId(b), name: `Behavior: ${b.name}`, description: b.description, definition: { kind: 'behavior' as const, behavior: b.id } })),
  describe: (d) => {
    const spec = specOf.get(d.behavior)!;
    return `score >= 0.5: a lean of at least ${spec.cutoff} on ${spec.signals.map((s) => `${s.signal} (${s.weight})`).join(', ')}`;
  },
  compute: {
    by: 'sql',
    // Every behavior is scored, active or not: the behaviors listing reads the scores of them all.
    materialize: async (run, audiences) => {
      const { table, stats } = await materializeCustomerBehaviors(run.store, { featureTable: run.table, asOf: run.asOf });
      await storeSignalStats(run.store, run.asOf, stats);
      if (audiences.length === 0) return undefined;
      // Each audience's id from its behavior by a CASE over one scan, not a join with the ids: DuckDB inserts a join's
      // rows on one thread (INSERT) and a scan's in parallel (BATCH_INSERT); at 1M customers the join's insert of
      // 1.5M members took 2.29 s wall for 2.50 CPU s (docs/benchmarks.md, issue 18). One scan per audience sharing a
      // behavior with an earlier one (none among the built-ins, one audience each).
      const scans: Array<Array<(typeof audiences)[number]>> = [];
      for (const a of audiences) {
        const free = scans.find((s) => s.every((b) => b.definition.behavior !== a.definition.behavior));
        if (free) free.push(a);
        else scans.push([a]);
      }
      return join(
        scans.map((s) => {
          const id = sql`CASE behavior ${join(s.map((a) => sql`WHEN ${a.definition.behavior} THEN ${a.id}`), ' ')} END`;
          return sql`SELECT audience_id, customer_id, score, reasons FROM (SELECT ${id} AS audience_id, customer_id, score, reasons FROM ${ident(table)}) b WHERE audience_id IS NOT NULL`;
        }),
        ' UNION ALL ',
      );
    },
    live: {
      async load(store, audiences, bound) {
        const stats = await loadSignalStats(store, bound);
        const specs = audiences.map((a) => ({ a, spec: specOf.get(a.definition.behavior)! }));
        return (ctx) =>
          specs.flatMap(({ a, spec }) => {
            // Scored in full (parts and reasons) only for a member.
            if (!scored(spec, stats, ctx.features) || !memberOne(spec, stats, ctx.features)) return [];
            return [{ id: a.id, name: a.name, kind: 'behavior' as const, reasons: reasonsOne(scoreOne(spec, stats, ctx.features), unit) }];
          });
      },
    },
    async explain(audience, ctx, run) {
      const spec = specOf.get(audience.definition.behavior)!;
      const stats = await loadSignalStats(run.store, run.asOf);
      const s = scoreOf(spec, stats, ctx.features);
      const lead = spec.signals[0]!.signal;
      if (!s) {
        // Not scored at all: too few orders for a habit to show, or no value of the leading signal.
        const orders = Number(ctx.features.orders ?? 0);
        const min = spec.min_orders ?? DEFAULT_MIN_ORDERS;
        return [{ clause: `scored: orders >= ${min} and ${lead} known`, held: false, value: orders, gap: orders < min ? min - orders : null }];
      }
      // Each signal with the customer's value and its pull on the lean (weight × robust z), then the lean against the cutoff.
      const signals: ClauseExplanation[] = s.parts.map((p) => ({
        clause: `${p.signal} (weight ${p.weight}, store median ${p.median ?? 'none'}): pull ${p.pull.toFixed(2)}`,
        held: p.pull > 0,
        value: p.value,
        gap: null,
      }));
      return [...signals, { clause: `lean >= ${spec.cutoff} (score ${s.score.toFixed(2)})`, held: s.member, value: s.lean, gap: s.member ? null : spec.cutoff - s.lean }];
    },
  },
});
