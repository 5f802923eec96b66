import { materializeCustomerFeatures } from '../features/index.js';
import { ValidationError } from '../shared/errors.js';
import { ident, sql, type Sql } from '../sql/index.js';
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
import type { Audience } from './schema.js';

export const FEATURE_TABLE = 'customer_features';

export interface RunReport {
  as_of: string;
  customers: number;
  seconds: number;
  thresholds: Thresholds;
  audiences: Array<{ id: string; name: string; kind: string; size: number; revenue: number; rule_text: string | null }>;
}

interface RuleAudience {
  audience: Audience;
  text: string;
  rule: Rule;
}

/** The rule an audience runs with as of this run: a user's text, or a smart template filled with the store's numbers. */
function ruleOf(a: Audience, thresholds: Thresholds): RuleAudience | undefined {
  const d = a.definition;
  if (d.kind === 'rfm') return undefined;
  const text = d.kind === 'rule' ? d.text : resolveTemplate(d.template, thresholds);
  return { audience: a, text, rule: parseRule(text) };
}

/** Audiences in an order where every `in audience` reference is computed before the rule that reads it. */
function dependencyOrder(rules: RuleAudience[]): RuleAudience[] {
  const byName = new Map(rules.map((r) => [r.audience.name, r]));
  const done = new Set<string>();
  const out: RuleAudience[] = [];
  const visit = (r: RuleAudience, path: string[]): void => {
    if (done.has(r.audience.name)) return;
    if (path.includes(r.audience.name)) throw new ValidationError(`audiences depend on each other: ${[...path, r.audience.name].join(' -> ')}`);
    for (const ref of audienceReferences(r.rule)) {
      const dep = byName.get(ref);
      if (dep) visit(dep, [...path, r.audience.name]);
    }
    done.add(r.audience.name);
    out.push(r);
  };
  rules.forEach((r) => visit(r, []));
  return out;
}

/**
 * A pipeline run for one as-of date: the customer feature table, then every active audience, stored as that date's
 * snapshot (a rerun for the same date replaces it). Rules share one scan of the events for all their event clauses.
 */
export async function runAudiences(store: Store, asOf: string): Promise<RunReport> {
  const started = performance.now();
  const customers = await materializeCustomerFeatures(store, asOf, FEATURE_TABLE);
  const thresholds = await storeThresholds(store, FEATURE_TABLE);
  const active = (await listAudiences(store)).filter((a) => a.active);
  const rules = dependencyOrder(active.map((a) => ruleOf(a, thresholds)).filter((r): r is RuleAudience => r !== undefined));
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  const idByName = new Map(active.map((a) => [a.name, a.id]));
  const ctx: CompileContext = {
    asOf: at,
    aggregates: [],
    inAudience: (name) => sql`f.customer_id IN (SELECT customer_id FROM memberships WHERE audience_id = ${idByName.get(name) ?? ''} AND as_of = ${at})`,
  };
  const compiled = rules.map((r) => ({ ...r, predicate: compileRule(r.rule, ctx), ...explainSql(r.rule, ctx) }));
  const events = eventAggregatesRelation(ctx);
  const rfmIds = active.filter((a) => a.kind === 'rfm');

  await store.transaction(async () => {
    await store.run(sql`DELETE FROM memberships WHERE as_of = ${at}`);
    await store.run(sql`DELETE FROM audience_runs WHERE as_of = ${at}`);
    if (rfmIds.length) {
      await store.run(sql`INSERT INTO memberships
        SELECT a.id, r.customer_id, ${at}, (r.r + r.f + r.m) / 15.0, 'R ' || r.r || ', F ' || r.f || ', M ' || r.m || ' (FM ' || r.fm || ')'
        FROM (${rfmQuery(FEATURE_TABLE)}) r JOIN audiences a ON a.kind = 'rfm' AND a.active AND json_extract_string(a.definition, '$.segment') = r.segment`);
    }
    if (events) await store.run(sql`CREATE OR REPLACE TEMP TABLE run_events AS ${events}`);
    const joinEvents: Sql = events ? sql`LEFT JOIN run_events e ON e.customer_id = f.customer_id` : sql``;
    for (const c of compiled) {
      await store.run(sql`INSERT INTO memberships
        SELECT ${c.audience.id}, f.customer_id, ${at}, ${c.score}, ${c.reasons}
        FROM ${ident(FEATURE_TABLE)} f JOIN customers c ON c.id = f.customer_id ${joinEvents}
        WHERE ${c.predicate}`);
    }
    const texts = new Map(compiled.map((c) => [c.audience.id, c.text]));
    for (const a of active) {
      await store.run(sql`INSERT INTO audience_runs
        SELECT ${at}, ${a.id}, count(m.customer_id), coalesce(sum(f.revenue), 0), ${texts.get(a.id) ?? null}
        FROM memberships m JOIN customer_features f USING (customer_id) WHERE m.audience_id = ${a.id} AND m.as_of = ${at}`);
    }
    if (events) await store.run(sql`DROP TABLE run_events`);
    await store.run(sql`INSERT OR REPLACE INTO runs SELECT ${at}, now(), ${customers}, coalesce(sum(revenue), 0),
      ${(performance.now() - started) / 1000}, ${JSON.stringify(thresholds)} FROM ${ident(FEATURE_TABLE)}`);
  });
  const stats = await store.all<{ id: string; name: string; kind: string; size: number; revenue: number; rule_text: string | null }>(sql`
    SELECT a.id, a.name, a.kind, r.size, r.revenue, r.rule_text FROM audience_runs r JOIN audiences a ON a.id = r.audience_id
    WHERE r.as_of = ${at} ORDER BY CASE a.kind WHEN 'smart' THEN 0 WHEN 'rfm' THEN 1 ELSE 2 END, a.created_at, a.name`);
  return { as_of: asOf, customers, seconds: (performance.now() - started) / 1000, thresholds, audiences: stats };
}
