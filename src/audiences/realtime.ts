import { defaultAsOf } from '../features/index.js';
import { asTimestamp, days, formatTimestamp, jsonColumns, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { CompiledRules, type CustomerContext, type Thresholds } from '../segments/index.js';
import { asOfMs, idFilter, loadCustomerContexts, type CustomerSet } from './customer-context.js';
import type { LiveEvaluator } from './kinds/kind.js';
import { ALL_KINDS, isComputedBySql, kindIn, SNAPSHOT_KINDS, type AudienceKind } from './kinds/index.js';
import { listAudiences } from './repository.js';
import { dependencyLevels, ruleReasons, rulesOf, type RuleAudience } from './rules.js';
import type { CustomerAudiences, LiveAudience } from './schema.js';

/**
 * Real-time classification: every audience evaluated in memory for a few customers, each as its kind says
 * (kinds/kind.ts): rules clause by clause, clusters by their nearest centroid. Kinds that are positions in the whole
 * population (RFM cells) come from the latest run's snapshot; smart segments use the latest run's thresholds (before
 * any run there are none, and smart segments wait for one). Given a date, both come from
 * the latest run on or before it.
 *
 * Answers are as of the data, not the wall clock: a shop whose history ends in 2011 is scored as of its latest run,
 * or recency and "last 90 days" would be measured against today and put everyone among the lost. A customer's
 * reference instant is the latest run's date (before any run, the day after the last stored event: the date
 * `segmint run` takes), or, when later, the start of the day after their newest event (events that arrived since
 * the run, as through the API): the date a run would take by default after it. So a customer whose events did not
 * change since the latest run is in exactly the audiences it stored, one with newer events is as of them, and one
 * given events dated before the run (a backfill) stays at the run's date with those events counted, as the next run
 * at that date would count them (features included: see loadCustomerContexts); answers move with the
 * data and with runs, never with the clock. Whole days keep a batch's customers on one instant, so they are read in
 * one query (the feature query is store-wide work, which a query per customer would repeat).
 */

/** The instant every customer without newer events is as of: the latest run's date, or the default run date. */
export async function referenceBase(store: Store): Promise<string> {
  const run = await store.one<{ as_of: string | null }>(sql`SELECT ${formatTimestamp(sql`max(as_of)`)} AS as_of FROM runs`);
  return run?.as_of ?? (await defaultAsOf(store));
}

/** Each customer's reference instant (see above): `base` (default: referenceBase), or the day after their newest event at or after it. */
export async function referenceTimes(store: Store, customerIds: readonly string[], base?: string): Promise<Map<string, string>> {
  const from = base ?? (await referenceBase(store));
  const newer = customerIds.length
    ? await store.all<{ id: string; at: string }>(sql`
        SELECT customer_id AS id, ${formatTimestamp(sql`date_trunc('day', max(ts)) + ${days(1)}`)} AS at FROM events
        WHERE ${idFilter(sql`customer_id`, customerIds)} AND ts >= ${asTimestamp(from)} GROUP BY customer_id`)
    : [];
  const after = new Map(newer.map((r) => [r.id, r.at]));
  return new Map(customerIds.map((id) => [id, after.get(id) ?? from]));
}

/** Customers grouped by their instant, so that each group is loaded in one query. */
export function byInstant(at: ReadonlyMap<string, string>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [id, instant] of at) {
    const group = groups.get(instant);
    if (group) group.push(id);
    else groups.set(instant, [id]);
  }
  return groups;
}

/** The as-of date of the latest run on or before `bound` (of the latest run without one), as SQL. */
const runOnOrBefore = (bound?: string): Sql =>
  sql`(SELECT max(as_of) FROM runs WHERE ${bound === undefined ? sql`TRUE` : sql`as_of <= ${asTimestamp(bound)}`})`;

async function runThresholds(store: Store, bound?: string): Promise<Thresholds | undefined> {
  const row = await store.one<{ thresholds: string }>(sql`SELECT thresholds::VARCHAR AS thresholds FROM runs WHERE as_of = ${runOnOrBefore(bound)}`);
  return row ? (JSON.parse(row.thresholds) as Thresholds) : undefined;
}

/**
 * What live answers evaluate: the evaluators of the kinds computed by SQL, and the active rule audiences in
 * dependency levels (smart segments only once a run has set their thresholds).
 */
export interface LiveRules {
  evaluators: Array<LiveEvaluator<AudienceKind>>;
  levels: RuleAudience[][];
  /** The rules of `levels`, level after level, compiled once for every customer they are evaluated for. */
  compiled: CompiledRules;
  idByName: Map<string, string>;
}

/** The rules as of the latest run, or of the latest run on or before `bound`. */
export async function liveRules(store: Store, bound?: string): Promise<LiveRules> {
  const audiences = (await listAudiences(store)).filter((a) => a.active);
  const evaluators: Array<LiveEvaluator<AudienceKind>> = [];
  for (const kind of ALL_KINDS.filter(isComputedBySql)) {
    if (kind.compute.live !== 'snapshot') evaluators.push(await kind.compute.live.load(store, audiences.filter((a) => a.kind === kind.kind), bound));
  }
  const levels = dependencyLevels(rulesOf(audiences, await runThresholds(store, bound)));
  return { evaluators, levels, compiled: new CompiledRules(levels.flat().map((r) => r.rule)), idByName: new Map(audiences.map((a) => [a.name, a.id])) };
}

/**
 * Adds to `members` every audience the customer is in: the kinds computed by SQL first, then rules level by level
 * so `in audience` sees those and the levels below.
 */
export function evaluateRules(rules: LiveRules, ctx: CustomerContext, members: Map<string, LiveAudience>): void {
  for (const evaluate of rules.evaluators) for (const m of evaluate(ctx)) members.set(m.id, m);
  const evaluation = rules.compiled.evaluation(ctx);
  let k = 0;
  for (const level of rules.levels) {
    for (const { audience: a } of level) {
      if (evaluation.holds(k)) members.set(a.id, { id: a.id, name: a.name, kind: a.kind, reasons: ruleReasons(evaluation.clauses(k)) });
      k++;
    }
  }
}

/**
 * Each customer's memberships of the snapshot kinds (RFM cells) at the latest run, or the latest on or before
 * `bound`: positions in the whole population, so they come from the snapshot.
 */
async function snapshotMembers(store: Store, who: CustomerSet, bound?: string): Promise<Map<string, LiveAudience[]>> {
  const rows = await store.all<LiveAudience & { customer_id: string }>(snapshotMemberRows(idFilter(sql`m.customer_id`, who), bound));
  const out = new Map<string, LiveAudience[]>();
  for (const { customer_id, ...a } of rows) out.set(customer_id, [...(out.get(customer_id) ?? []), a]);
  return out;
}

/**
 * The rows snapshotMembers reads, of the customers `where` holds for (on memberships' columns): customer_id, id, name,
 * kind, reasons, ordered by customer and audience.
 */
export const snapshotMemberRows = (where: Sql, bound?: string): Sql => sql`
  SELECT m.customer_id, a.id, a.name, a.kind, m.reasons FROM memberships m JOIN audiences a ON a.id = m.audience_id
  WHERE ${kindIn(sql`a.kind`, SNAPSHOT_KINDS)} AND a.active AND m.as_of = ${runOnOrBefore(bound)} AND ${where}
  ORDER BY m.customer_id, a.id`;

/**
 * The audiences each customer is in, each as of their reference instant (see referenceTimes), or all as of `asOf`
 * when given (rules and RFM cells then from the latest run on or before it); customers unknown to the store are
 * absent from the result. Exported for tests, which hold the live view and runs against it for every customer of a
 * store: one query an instant, where classifyCustomer would make one a customer.
 */
export async function classifyCustomers(store: Store, customerIds: readonly string[], asOf?: string): Promise<Map<string, LiveAudience[]>> {
  const at = asOf === undefined ? await referenceTimes(store, customerIds) : new Map(customerIds.map((id) => [id, asOf]));
  return classifyAt(store, at, asOf);
}

/** One customer as classifyCustomers does, with the instant used; undefined for a customer the store does not hold. */
export async function classifyCustomer(store: Store, customerId: string, asOf?: string): Promise<{ as_of: string; audiences: LiveAudience[] } | undefined> {
  const at = asOf ?? (await referenceTimes(store, [customerId])).get(customerId)!;
  const audiences = (await classifyAt(store, new Map([[customerId, at]]), asOf)).get(customerId);
  return audiences && { as_of: at, audiences };
}

/** Each customer as of their own instant; `bound` as for liveRules. */
async function classifyAt(store: Store, at: ReadonlyMap<string, string>, bound?: string): Promise<Map<string, LiveAudience[]>> {
  const rules = await liveRules(store, bound);
  const ids = [...at.keys()];
  const members = new Map<string, Map<string, LiveAudience>>(ids.map((id) => [id, new Map()]));
  if (ids.length > 0) for (const [id, cells] of await snapshotMembers(store, ids, bound)) for (const cell of cells) members.get(id)?.set(cell.id, cell);
  const found = new Map<string, LiveAudience[]>();
  for (const [instant, group] of byInstant(at)) {
    const contexts = await loadCustomerContexts(store, group, instant, (id) => (name) => members.get(id)?.has(rules.idByName.get(name) ?? '') ?? false);
    for (const [id, ctx] of contexts) {
      evaluateRules(rules, ctx, members.get(id)!);
      found.set(id, [...members.get(id)!.values()]);
    }
  }
  return found;
}

/**
 * The rule and smart audiences a customer who is not stored yet would be in, from a feature object (catalog names)
 * and optional customer fields, as of the reference base (or `asOf`). Without events, event clauses see none; RFM
 * needs a place in the population, so there is none.
 */
export async function classifyFeatures(
  store: Store,
  features: Readonly<Record<string, unknown>>,
  customer: Readonly<Record<string, unknown>> = {},
  asOf?: string,
): Promise<{ as_of: string; audiences: LiveAudience[] }> {
  const at = asOf ?? (await referenceBase(store));
  return { as_of: at, audiences: classifyFeaturesWith(await liveRules(store, asOf), features, customer, at) };
}

export function classifyFeaturesWith(rules: LiveRules, features: Readonly<Record<string, unknown>>, customer: Readonly<Record<string, unknown>>, asOf: string): LiveAudience[] {
  const members = new Map<string, LiveAudience>();
  // Times arrive as text in JSON; the evaluator compares them as instants, as it does stored ones.
  const created = typeof customer.created_at === 'string' ? { created_at: new Date(customer.created_at) } : {};
  const ctx: CustomerContext = { asOf: asOfMs(asOf), features, customer: { ...customer, ...created }, events: [], inAudience: (name) => members.has(rules.idByName.get(name) ?? '') };
  evaluateRules(rules, ctx, members);
  return [...members.values()];
}

/**
 * Re-evaluates the customers a batch touched, each as of their reference instant, and keeps the result as their live
 * memberships; returns those the store holds.
 */
export async function refreshLiveMemberships(store: Store, customerIds: readonly string[]): Promise<ReadonlySet<string>> {
  if (customerIds.length === 0) return new Set();
  const at = await referenceTimes(store, customerIds);
  const live = await classifyAt(store, at);
  await storeLiveMemberships(store, customerIds, at, live);
  return new Set(live.keys());
}

/** Replaces the live memberships of these customers, each evaluated as of `at` (snapshot kinds stay with their run). */
export async function storeLiveMemberships(
  store: Store,
  customerIds: readonly string[],
  at: ReadonlyMap<string, string>,
  live: ReadonlyMap<string, readonly LiveAudience[]>,
): Promise<void> {
  const customer: string[] = [];
  const audience: string[] = [];
  const evaluated: bigint[] = [];
  const reasons: Array<string | null> = [];
  for (const [id, list] of live) {
    const micros = BigInt(asOfMs(at.get(id)!)) * 1000n;
    for (const a of list) {
      if (SNAPSHOT_KINDS.includes(a.kind)) continue;
      customer.push(id);
      audience.push(a.id);
      evaluated.push(micros);
      reasons.push(a.reasons);
    }
  }
  await store.transaction(async () => {
    // The ids as one bound list: a bound value each made this delete cost 7 ms of CPU for a turn's 400 customers.
    await store.run(sql`DELETE FROM live_memberships WHERE customer_id IN (${jsonColumns([{ name: 'id', json: JSON.stringify(customerIds), type: 'VARCHAR' }])})`);
    // Appended, not a bound value each: bound, this insert was a fifth of a turn's CPU at 100k (bench/events-turn.ts).
    await store.insertRows('live_memberships', [
      { name: 'customer_id', type: 'VARCHAR', values: customer },
      { name: 'audience_id', type: 'VARCHAR', values: audience },
      { name: 'evaluated_at', type: 'TIMESTAMP', values: evaluated },
      { name: 'reasons', type: 'VARCHAR', values: reasons },
    ]);
  });
}

/**
 * The audiences a customer is in: live memberships where they were evaluated as of the latest run's date or later
 * (their events arrived since it, or their consent changed), with that run's RFM cell; else the latest snapshot,
 * which supersedes older live memberships.
 */
export async function customerAudiences(store: Store, customerId: string): Promise<CustomerAudiences> {
  const live = await store.all<LiveAudience & { at: string }>(sql`
    SELECT a.id, a.name, a.kind, l.reasons, ${formatTimestamp(sql`l.evaluated_at`)} AS at
    FROM live_memberships l JOIN audiences a ON a.id = l.audience_id
    WHERE l.customer_id = ${customerId} AND l.evaluated_at >= coalesce((SELECT max(as_of) FROM runs), l.evaluated_at)
    ORDER BY a.kind, a.name`);
  const snapshotKinds = live.length ? kindIn(sql`a.kind`, SNAPSHOT_KINDS) : sql`TRUE`;
  const snap = await store.all<LiveAudience & { at: string }>(sql`
    SELECT a.id, a.name, a.kind, m.reasons, ${formatTimestamp(sql`m.as_of`)} AS at
    FROM memberships m JOIN audiences a ON a.id = m.audience_id
    WHERE m.customer_id = ${customerId} AND m.as_of = (SELECT max(as_of) FROM runs) AND ${snapshotKinds} ORDER BY a.kind, a.name`);
  const all = [...live, ...snap];
  const source = live.length ? 'live' : snap.length ? 'snapshot' : 'none';
  return { customer_id: customerId, source, as_of: all[0]?.at ?? null, audiences: all.map(({ id, name, kind, reasons }) => ({ id, name, kind, reasons })) };
}
