import { join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { assign, loadModels, reasonsOf as clusterReasons, type ClusteringModel } from '../clusters/index.js';
import { evaluateRule, type CustomerContext, type Thresholds } from '../segments/index.js';
import { idFilter, loadCustomerContexts, type CustomerSet } from './customer-context.js';
import { explainClauses } from './explain.js';
import { listAudiences } from './repository.js';
import { dependencyLevels, ruleOf, type RuleAudience } from './run.js';

/**
 * Real-time classification: the rule and smart audiences evaluated in memory for a few customers, as of now.
 * RFM cells are positions in the whole population, so they come from the latest run's snapshot; smart segments
 * use the latest run's thresholds (before any run there are none, and smart segments wait for one).
 */

export interface LiveAudience {
  id: string;
  name: string;
  kind: string;
  reasons: string | null;
}

/**
 * "Now" for live classification, to the millisecond and one second ahead: an event stamped by a client whose clock
 * runs slightly fast, or within the current second, still counts.
 */
export function now(): string {
  return new Date(Date.now() + 1000).toISOString().slice(0, 23).replace('T', ' ');
}

function reasonsOf(r: RuleAudience, ctx: CustomerContext): string {
  const shown = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v));
  return explainClauses(r.rule, ctx)
    .filter((c) => c.held)
    .map((c) => (c.value === null ? c.clause : `${c.clause} [${shown(c.value)}]`))
    .join('; ');
}

async function latestThresholds(store: Store): Promise<Thresholds | undefined> {
  const row = await store.one<{ thresholds: string }>(sql`SELECT thresholds::VARCHAR AS thresholds FROM runs ORDER BY as_of DESC LIMIT 1`);
  return row ? (JSON.parse(row.thresholds) as Thresholds) : undefined;
}

/** The active rule and smart audiences in dependency levels, smart ones only once a run has set their thresholds. */
export interface LiveRules {
  levels: RuleAudience[][];
  idByName: Map<string, string>;
  /** The stored clusterings whose clusters are active audiences. */
  clusterings: ClusteringModel[];
  nameById: Map<string, string>;
}

export async function liveRules(store: Store): Promise<LiveRules> {
  const audiences = (await listAudiences(store)).filter((a) => a.active);
  const thresholds = await latestThresholds(store);
  const rules = audiences.flatMap((a) => (a.kind === 'smart' && !thresholds ? [] : [ruleOf(a, thresholds ?? {})].filter((r) => r !== undefined)));
  return {
    levels: dependencyLevels(rules),
    idByName: new Map(audiences.map((a) => [a.name, a.id])),
    clusterings: await loadModels(store),
    nameById: new Map(audiences.map((a) => [a.id, a.name])),
  };
}

/** The customer's nearest cluster in each clustering, when that cluster is an active audience. */
function addClusters(rules: LiveRules, features: Readonly<Record<string, unknown>>, members: Map<string, LiveAudience>): void {
  for (const model of rules.clusterings) {
    const a = assign(model, features);
    const name = a && rules.nameById.get(a.cluster.id);
    if (a && name) members.set(a.cluster.id, { id: a.cluster.id, name, kind: 'cluster', reasons: clusterReasons(a) });
  }
}

/**
 * Adds to `members` every audience the customer is in: clusters first, then rules level by level so `in audience`
 * sees clusters and the levels below.
 */
export function evaluateRules(rules: LiveRules, ctx: CustomerContext, members: Map<string, LiveAudience>): void {
  addClusters(rules, ctx.features, members);
  for (const level of rules.levels) {
    for (const r of level) {
      if (evaluateRule(r.rule, ctx)) members.set(r.audience.id, { id: r.audience.id, name: r.audience.name, kind: r.audience.kind, reasons: reasonsOf(r, ctx) });
    }
  }
}

/** Each customer's RFM cell at the latest run: a position in the whole population, so it comes from the snapshot. */
export async function rfmCells(store: Store, who: CustomerSet): Promise<Map<string, LiveAudience>> {
  const rows = await store.all<{ customer_id: string; id: string; name: string; reasons: string | null }>(sql`
    SELECT m.customer_id, a.id, a.name, m.reasons FROM memberships m JOIN audiences a ON a.id = m.audience_id
    WHERE a.kind = 'rfm' AND a.active AND m.as_of = (SELECT max(as_of) FROM runs) AND ${idFilter(sql`m.customer_id`, who)}`);
  return new Map(rows.map((r) => [r.customer_id, { id: r.id, name: r.name, kind: 'rfm', reasons: r.reasons }]));
}

/** The audiences each customer is in now; customers unknown to the store are absent from the result. */
export async function classifyCustomers(store: Store, customerIds: readonly string[], asOf: string = now()): Promise<Map<string, LiveAudience[]>> {
  const rules = await liveRules(store);
  const members = new Map<string, Map<string, LiveAudience>>(customerIds.map((id) => [id, new Map()]));
  if (customerIds.length > 0) for (const [id, cell] of await rfmCells(store, customerIds)) members.get(id)?.set(cell.id, cell);
  const contexts = await loadCustomerContexts(store, customerIds, asOf, (id) => (name) => members.get(id)?.has(rules.idByName.get(name) ?? '') ?? false);
  for (const [id, ctx] of contexts) evaluateRules(rules, ctx, members.get(id)!);
  return new Map([...contexts.keys()].map((id) => [id, [...members.get(id)!.values()]]));
}

/**
 * The rule and smart audiences a customer who is not stored yet would be in, from a feature object (catalog names)
 * and optional customer fields. Without events, event clauses see none; RFM needs a place in the population, so
 * there is none.
 */
export async function classifyFeatures(store: Store, features: Readonly<Record<string, unknown>>, customer: Readonly<Record<string, unknown>> = {}): Promise<LiveAudience[]> {
  return classifyFeaturesWith(await liveRules(store), features, customer);
}

export function classifyFeaturesWith(rules: LiveRules, features: Readonly<Record<string, unknown>>, customer: Readonly<Record<string, unknown>> = {}): LiveAudience[] {
  const members = new Map<string, LiveAudience>();
  // Times arrive as text in JSON; the evaluator compares them as instants, as it does stored ones.
  const created = typeof customer.created_at === 'string' ? { created_at: new Date(customer.created_at) } : {};
  const ctx: CustomerContext = { asOf: Date.now(), features, customer: { ...customer, ...created }, events: [], inAudience: (name) => members.has(rules.idByName.get(name) ?? '') };
  evaluateRules(rules, ctx, members);
  return [...members.values()];
}

/** Re-evaluates the customers a batch touched and keeps the result as their live memberships. */
export async function refreshLiveMemberships(store: Store, customerIds: readonly string[]): Promise<number> {
  if (customerIds.length === 0) return 0;
  const at = now();
  const live = await classifyCustomers(store, customerIds, at);
  await storeLiveMemberships(store, customerIds, at, live);
  return live.size;
}

/** Replaces the live memberships of these customers (RFM cells stay with their run). */
export async function storeLiveMemberships(store: Store, customerIds: readonly string[], at: string, live: ReadonlyMap<string, readonly LiveAudience[]>): Promise<void> {
  const rows = [...live].flatMap(([id, list]) => list.filter((a) => a.kind !== 'rfm').map((a) => sql`(${id}, ${a.id}, CAST(${at} AS TIMESTAMP), ${a.reasons})`));
  await store.transaction(async () => {
    await store.run(sql`DELETE FROM live_memberships WHERE ${idFilter(sql`customer_id`, customerIds)}`);
    if (rows.length) await store.run(sql`INSERT INTO live_memberships VALUES ${join(rows)}`);
  });
}

/**
 * The audiences a customer is in: live memberships where their events arrived since the latest run (with that run's
 * RFM cell), else the latest snapshot.
 */
export async function customerAudiences(store: Store, customerId: string): Promise<{ customer_id: string; source: 'live' | 'snapshot' | 'none'; as_of: string | null; audiences: LiveAudience[] }> {
  const live = await store.all<LiveAudience & { at: string }>(sql`
    SELECT a.id, a.name, a.kind, l.reasons, strftime(l.evaluated_at, '%Y-%m-%d %H:%M:%S') AS at
    FROM live_memberships l JOIN audiences a ON a.id = l.audience_id WHERE l.customer_id = ${customerId} ORDER BY a.kind, a.name`);
  const snapshotKinds = live.length ? sql`a.kind = 'rfm'` : sql`TRUE`;
  const snap = await store.all<LiveAudience & { at: string }>(sql`
    SELECT a.id, a.name, a.kind, m.reasons, strftime(m.as_of, '%Y-%m-%d %H:%M:%S') AS at
    FROM memberships m JOIN audiences a ON a.id = m.audience_id
    WHERE m.customer_id = ${customerId} AND m.as_of = (SELECT max(as_of) FROM runs) AND ${snapshotKinds} ORDER BY a.kind, a.name`);
  const all = [...live, ...snap];
  const source = live.length ? 'live' : snap.length ? 'snapshot' : 'none';
  return { customer_id: customerId, source, as_of: all[0]?.at ?? null, audiences: all.map(({ id, name, kind, reasons }) => ({ id, name, kind, reasons })) };
}
