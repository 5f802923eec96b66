import { z } from 'zod';
import { fitClustering, loadModels, storeClusterMemberships } from '../clusters/index.js';
import { FEATURE_TABLE, featureTableAsOf, materializeFeatureTable } from '../features/index.js';
import { storeRunScores } from '../models/clv/index.js';
import { ValidationError } from '../shared/errors.js';
import { ident, join, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import {
  audienceReferences,
  compileRule,
  eventAggregatesRelation,
  explainSql,
  parseRule,
  resolveTemplate,
  rfmQuery,
  storeThresholds,
  type CompileContext,
  type Rule,
  type Thresholds,
} from '../segments/index.js';
import { listAudiences } from './repository.js';
import { storeAudienceSizes } from './sizes.js';
import { AUDIENCE_KINDS, type Audience, type AudienceKind } from './schema.js';

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

export interface RuleAudience {
  audience: Audience;
  text: string;
  rule: Rule;
}

/** The rule an audience runs with as of this run: a user's text, or a smart template filled with the store's numbers. */
export function ruleOf(a: Audience, thresholds: Thresholds): RuleAudience | undefined {
  const d = a.definition;
  if (d.kind === 'rfm' || d.kind === 'cluster') return undefined;
  const text = d.kind === 'rule' ? d.text : resolveTemplate(d.template, thresholds);
  return { audience: a, text, rule: parseRule(text) };
}

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

const rulesOf = (audiences: readonly Audience[], thresholds: Thresholds): RuleAudience[] =>
  audiences.map((a) => ruleOf(a, thresholds)).filter((r): r is RuleAudience => r !== undefined);

/**
 * Stores the memberships of these rule audiences as of a run date from the feature table (as of that date): level
 * by level, one pass over the customers per level, with one scan of the events for all their event clauses. Their
 * rows of that date must be gone; `in audience` reads any audience's rows of that date.
 */
async function storeRuleMemberships(store: Store, asOf: string, rules: RuleAudience[], idByName: ReadonlyMap<string, string>): Promise<void> {
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  const ctx: CompileContext = {
    asOf: at,
    aggregates: [],
    inAudience: (name) => sql`f.customer_id IN (SELECT customer_id FROM memberships WHERE audience_id = ${idByName.get(name) ?? ''} AND as_of = ${at})`,
  };
  const levels = dependencyLevels(rules).map((level) =>
    level.map((r) => ({ ...r, predicate: compileRule(r.rule, ctx), ...explainSql(r.rule, ctx) })),
  );
  const events = eventAggregatesRelation(ctx);
  if (events) await store.run(sql`CREATE OR REPLACE TEMP TABLE run_events AS ${events}`);
  const joinEvents: Sql = events ? sql`LEFT JOIN run_events e ON e.customer_id = f.customer_id` : sql``;
  // One pass over the customers per level: each audience's test, and its score and reasons only where it held.
  for (const level of levels) {
    const tests = join(level.map((c) => sql`{'audience_id': ${c.audience.id}, 'held': ${c.predicate},
      'score': CASE WHEN ${c.predicate} THEN ${c.score} END, 'reasons': CASE WHEN ${c.predicate} THEN ${c.reasons} END}`));
    await store.run(sql`INSERT INTO memberships
      SELECT t.audience_id, customer_id, ${at}, t.score, t.reasons
      FROM (SELECT f.customer_id, unnest(list_filter([${tests}], x -> x.held)) AS t
            FROM ${ident(FEATURE_TABLE)} f JOIN customers c ON c.id = f.customer_id ${joinEvents})`);
  }
  if (events) await store.run(sql`DROP TABLE run_events`);
}

/**
 * A pipeline run for one as-of date: the customer feature table, then every active audience, stored as that date's
 * snapshot (a rerun for the same date replaces it). Rules share one scan of the events for all their event clauses.
 */
export async function runAudiences(store: Store, asOf: string): Promise<RunReport> {
  const started = performance.now();
  // CLV first: the feature table reads this run's scores (p_alive, expected_orders_90d, clv_365d).
  await storeRunScores(store, asOf);
  const customers = await materializeFeatureTable(store, asOf);
  const thresholds = await storeThresholds(store, FEATURE_TABLE);
  // Each stored clustering is refitted on this run's features with its k; matching keeps its clusters' ids and names.
  for (const m of await loadModels(store)) await fitClustering(store, m.method, { table: FEATURE_TABLE, asOf, k: m.clusters.length });
  const models = await loadModels(store);
  const active = (await listAudiences(store)).filter((a) => a.active);
  const rules = rulesOf(active, thresholds);
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  const rfmIds = active.filter((a) => a.kind === 'rfm');

  await store.transaction(async () => {
    await store.run(sql`DELETE FROM memberships WHERE as_of = ${at}`);
    await store.run(sql`DELETE FROM audience_runs WHERE as_of = ${at}`);
    if (rfmIds.length) {
      await store.run(sql`INSERT INTO memberships
        SELECT a.id, r.customer_id, ${at}, (r.r + r.f + r.m) / 15.0, 'R ' || r.r || ', F ' || r.f || ', M ' || r.m || ' (FM ' || r.fm || ')'
        FROM (${rfmQuery(FEATURE_TABLE)}) r JOIN audiences a ON a.kind = 'rfm' AND a.active AND json_extract_string(a.definition, '$.segment') = r.segment`);
    }
    for (const m of models) await storeClusterMemberships(store, m, FEATURE_TABLE, asOf);
    await storeRuleMemberships(store, asOf, rules, new Map(active.map((a) => [a.name, a.id])));
    const texts = new Map(rules.map((r) => [r.audience.id, r.text]));
    await storeAudienceSizes(store, asOf, FEATURE_TABLE, active.map((a) => ({ id: a.id, text: texts.get(a.id) ?? null })));
    await store.run(sql`INSERT OR REPLACE INTO runs SELECT ${at}, now(), ${customers}, coalesce(sum(revenue), 0),
      ${(performance.now() - started) / 1000}, ${JSON.stringify(thresholds)} FROM ${ident(FEATURE_TABLE)}`);
  });
  const stats = await store.all<{ id: string; name: string; kind: AudienceKind; size: number; revenue: number; rule_text: string | null }>(sql`
    SELECT a.id, a.name, a.kind, r.size, r.revenue, r.rule_text FROM audience_runs r JOIN audiences a ON a.id = r.audience_id
    WHERE r.as_of = ${at} ORDER BY CASE a.kind WHEN 'smart' THEN 0 WHEN 'rfm' THEN 1 ELSE 2 END, a.created_at, a.name`);
  return { as_of: asOf, customers, seconds: (performance.now() - started) / 1000, thresholds, audiences: stats };
}

/** These rules and every one that reads them through `in audience`, directly or through others. */
function withDependents(rules: readonly RuleAudience[], ids: readonly string[]): RuleAudience[] {
  const chosen = new Set(rules.filter((r) => ids.includes(r.audience.id)).map((r) => r.audience.name));
  for (let before = -1; chosen.size > before; ) {
    before = chosen.size;
    for (const r of rules) if (audienceReferences(r.rule).some((ref) => chosen.has(ref))) chosen.add(r.audience.name);
  }
  return rules.filter((r) => chosen.has(r.audience.name));
}

/**
 * Computes these rule or smart audiences into the latest run's snapshot, as that run would have (its features and
 * thresholds), with the active rule audiences that read them through `in audience`: a new or changed audience has
 * its members and size at once instead of waiting for the next run. RFM cells and clusters are positions in the
 * whole population, which only runs compute. Returns the run's date, or undefined before any run.
 */
export async function computeAtLatestRun(store: Store, audienceIds: readonly string[]): Promise<string | undefined> {
  const run = await store.one<{ as_of: string; thresholds: string }>(sql`
    SELECT strftime(as_of, '%Y-%m-%d %H:%M:%S') AS as_of, thresholds::VARCHAR AS thresholds FROM runs ORDER BY as_of DESC LIMIT 1`);
  if (!run) return undefined;
  const active = (await listAudiences(store)).filter((a) => a.active);
  const affected = withDependents(rulesOf(active, JSON.parse(run.thresholds) as Thresholds), audienceIds);
  if (affected.length === 0) return run.as_of;
  // The feature table is the latest run's unless an older date was run since; then it is made the latest's again.
  if ((await featureTableAsOf(store)) !== run.as_of) await materializeFeatureTable(store, run.as_of);
  const ids = join(affected.map((r) => sql`${r.audience.id}`));
  await store.transaction(async () => {
    await store.run(sql`DELETE FROM memberships WHERE as_of = CAST(${run.as_of} AS TIMESTAMP) AND audience_id IN (${ids})`);
    await storeRuleMemberships(store, run.as_of, affected, new Map(active.map((a) => [a.name, a.id])));
    await storeAudienceSizes(store, run.as_of, FEATURE_TABLE, affected.map((r) => ({ id: r.audience.id, text: r.text })));
  });
  return run.as_of;
}
