import { FEATURE_TABLE } from '../features/index.js';
import { ValidationError } from '../shared/errors.js';
import { aggregateGroup, audienceReferences, compileRule, eventAggregateGroups, explainSql, parseRule, readsCustomer, type ClauseOutcome, type CompileContext, type Rule, type Thresholds } from '../segments/index.js';
import { asTimestamp, castTo, createTableAs, ident, join, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { isComputedByRule, kindOf } from './kinds/index.js';
import type { Audience } from './schema.js';

/*
 * The rule engine: what every kind computed by a rule (kinds/kind.ts ComputedByRule) shares. Rules are evaluated
 * level by level, so `in audience` sees the levels below, and every other kind's members of the date.
 */

export interface RuleAudience {
  audience: Audience;
  text: string;
  rule: Rule;
}

/** The rule an audience runs with under these thresholds; undefined for a kind without rules, or one waiting for thresholds. */
export function ruleOf(a: Audience, thresholds: Thresholds | undefined): RuleAudience | undefined {
  const kind = kindOf(a.kind);
  const text = isComputedByRule(kind) ? kind.compute.rule(a.definition, thresholds) : undefined;
  return text === undefined ? undefined : { audience: a, text, rule: parseRule(text) };
}

export const rulesOf = (audiences: readonly Audience[], thresholds: Thresholds | undefined): RuleAudience[] =>
  audiences.map((a) => ruleOf(a, thresholds)).filter((r): r is RuleAudience => r !== undefined);

/**
 * Rule audiences in levels: level 0 reads no other rule audience, level n reads only lower levels; each level is
 * computed in one statement once the levels below are stored.
 */
export function dependencyLevels(rules: RuleAudience[]): RuleAudience[][] {
  const byName = new Map(rules.map((r) => [r.audience.name, r]));
  const level = new Map<string, number>();
  const visit = (r: RuleAudience, path: string[]): number => {
    const known = level.get(r.audience.name);
    if (known !== undefined) return known;
    if (path.includes(r.audience.name)) throw new ValidationError(`audiences depend on each other: ${[...path, r.audience.name].join(' -> ')}`);
    const deps = audienceReferences(r.rule).flatMap((ref) => {
      const dep = byName.get(ref);
      return dep ? [visit(dep, [...path, r.audience.name]) + 1] : [];
    });
    const l = Math.max(0, ...deps);
    level.set(r.audience.name, l);
    return l;
  };
  rules.forEach((r) => visit(r, []));
  const levels: RuleAudience[][] = [];
  for (const r of rules) (levels[level.get(r.audience.name)!] ??= []).push(r);
  return levels;
}

/** These rules and every one that reads them through `in audience`, directly or through others. */
export function withDependents(rules: readonly RuleAudience[], ids: readonly string[]): RuleAudience[] {
  const chosen = new Set(rules.filter((r) => ids.includes(r.audience.id)).map((r) => r.audience.name));
  for (let before = -1; chosen.size > before; ) {
    before = chosen.size;
    for (const r of rules) if (audienceReferences(r.rule).some((ref) => chosen.has(ref))) chosen.add(r.audience.name);
  }
  return rules.filter((r) => chosen.has(r.audience.name));
}

/** Rules compiled as of a run date, `in audience` reading the members stored for that date (f is the feature table). */
export function compileContextAt(asOf: string, idByName: ReadonlyMap<string, string>): CompileContext {
  const at = asTimestamp(asOf);
  return {
    asOf: at,
    aggregates: [],
    inAudience: (name) => sql`f.customer_id IN (SELECT customer_id FROM memberships WHERE audience_id = ${idByName.get(name) ?? ''} AND as_of = ${at})`,
  };
}

/** A relation of event aggregates a rule reads, by customer_id, and the name its columns are read by. */
export interface EventsJoin {
  relation: Sql;
  alias: string;
}

/**
 * The rows rules are evaluated on: the feature table f, the customers row c where a rule reads it, and the event
 * aggregates they read (none where they read no events). Every row of the feature table is a customer's
 * (features/customer-sql.ts builds it from the customers table, and an erasure removes both), so leaving c out
 * selects the same customers: a join of every customer saved where no rule reads their row (two thirds of the smart
 * segments' statement on the demo store).
 */
export const ruleRows = (events: readonly EventsJoin[], rules: readonly Rule[]): Sql =>
  sql`${ident(FEATURE_TABLE)} f ${rules.some(readsCustomer) ? sql`JOIN customers c ON c.id = f.customer_id` : sql``} ${join(
    events.map((e) => sql`LEFT JOIN ${e.relation} ${ident(e.alias)} ON ${ident(e.alias)}.customer_id = f.customer_id`),
    ' ',
  )}`;

/**
 * Stores the memberships of these rule audiences as of a run date from the feature table (as of that date): level
 * by level, with the event aggregates of every level computed once beforehand, each group of them (one type of event,
 * with its product or not: eventAggregateGroups) in its own table, joined to a rule only where it reads that group.
 * Their rows of that date must be gone; `in audience` reads any audience's rows of that date.
 */
export async function storeRuleMemberships(store: Store, asOf: string, rules: RuleAudience[], idByName: ReadonlyMap<string, string>): Promise<void> {
  const at = asTimestamp(asOf);
  const ctx = compileContextAt(asOf, idByName);
  // A group's table is run_events_<n> and read as e<n>, numbered as rules first read it.
  const numbers = new Map<string, number>();
  const numberOf = (group: string): number => numbers.get(group) ?? numbers.set(group, numbers.size).get(group)!;
  const levels = dependencyLevels(rules).map((level) =>
    level.map((r) => {
      const read = new Set<number>();
      const ruleCtx: CompileContext = {
        ...ctx,
        column: (spec) => {
          const n = numberOf(aggregateGroup(spec.reads));
          read.add(n);
          return sql`${ident(`e${n}`)}.${ident(spec.alias)}`;
        },
      };
      const compiled = { predicate: compileRule(r.rule, ruleCtx), ...explainSql(r.rule, ruleCtx) };
      // The groups are known once the rule is compiled.
      const events = [...read].sort((a, b) => a - b).map((n) => ({ relation: ident(`run_events_${n}`), alias: `e${n}` }));
      return { ...r, ...compiled, events };
    }),
  );
  const groups = eventAggregateGroups(ctx).map((g) => ({ ...g, table: ident(`run_events_${numberOf(g.group)}`) }));
  // Each group is its own table, and a rule joins the few it reads: merging them into one row per customer for every
  // rule cost 1.3x to 1.5x the CPU of the scans alone at 1M customers (docs/benchmarks.md, issue 18).
  for (const g of groups) await store.run(createTableAs(g.table, g.relation, true));
  // Per level, one SELECT per audience over only the rows it reads (the event aggregates joined only to a rule that
  // reads events), keeping the customers it holds for: at 1M customers with 30 rules, 10.1 CPU s against 15.4 s for
  // one pass building every customer a list of each audience's test, score and reasons to unnest (docs/benchmarks.md).
  for (const level of levels) {
    await store.run(sql`INSERT INTO memberships ${join(
      level.map((c) => sql`SELECT ${c.audience.id} AS audience_id, f.customer_id AS customer_id, ${at} AS as_of, ${castTo(c.score, 'DOUBLE')} AS score,
          ${castTo(c.reasons, 'VARCHAR')} AS reasons
        FROM ${ruleRows(c.events, [c.rule])} WHERE ${c.predicate}`),
      ' UNION ALL ',
    )}`);
  }
  for (const g of groups) await store.run(sql`DROP TABLE ${g.table}`);
}

/** A live member's reasons, from their rule's clauses: those that held, each with the customer's value where it has one. */
export function ruleReasons(clauses: readonly ClauseOutcome[]): string {
  const shown = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v));
  return clauses
    .filter((c) => c.held)
    .map((c) => (c.value === null ? c.text : `${c.text} [${shown(c.value)}]`))
    .join('; ');
}
