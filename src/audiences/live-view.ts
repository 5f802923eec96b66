import { categoryMedians, customerFeaturesQuery, FEATURE_TABLE, featureTableAsOf, type CategoryMedian, type FeatureRow } from '../features/index.js';
import { ident, join, sql } from '../sql/index.js';
import type { Row, Store } from '../store/index.js';
import { eventNeeds, type CustomerContext, type EventNeeds, type EventRecord } from '../segments/index.js';
import { asOfMs, customerRows, eventRecords, loadCustomerContexts } from './customer-context.js';
import { byInstant, classifyFeaturesWith, evaluateRules, liveRules, referenceBase, referenceTimes, snapshotMembers, storeLiveMemberships, type LiveRules } from './realtime.js';
import type { CustomerAudiences, LiveAudience } from './schema.js';
import { FeatureColumns } from './feature-columns.js';
import { getHeapStatistics } from 'node:v8';

/**
 * The server's in-memory view of a workspace for real-time answers: every customer's features, customers row and the
 * events the active rules read, with the rules themselves, so that "which audiences is this customer in" and
 * "classify this customer" are evaluated in memory (about 0.1 ms) instead of by store queries.
 *
 * A customer's data is as of the latest run (its feature table, `source: 'snapshot'`) until events newer than the run
 * arrive for them; from then on it is as of the day after their newest event (`source: 'live'`): the reference
 * instants of realtime.ts, so the view answers as `segmint classify` does, and as the latest run stored for every
 * customer without newer events, whatever the wall clock says. Live features compare prices with the category
 * medians as of the view's build, which move little from one batch to the next. Rules are evaluated when asked and
 * the answer kept until the rules change.
 */

/**
 * Bounds on what the view holds. Beyond them the view is not built and requests read the store, slower but within
 * the memory given. Customers: as many as fit, at the measured 1.2 KB each (features by column, the customers row,
 * the entry; events come on top, bounded by MAX_VIEW_EVENTS), in the store's share for structures of the memory
 * setting (src/shared/memory.ts) and in 40% of the heap: about 1M with the default setting on a 16 GB machine or more
 * (`--memory` and `node --max-old-space-size` raise it).
 */
const MAX_VIEW_EVENTS = 5_000_000;
const BYTES_PER_CUSTOMER = 1200;
const MAX_VIEW_CUSTOMERS = Math.floor((getHeapStatistics().heap_size_limit * 0.4) / BYTES_PER_CUSTOMER);
const mostCustomers = (store: Store): number => Math.min(MAX_VIEW_CUSTOMERS, Math.floor(store.memory.structures / BYTES_PER_CUSTOMER));

interface Entry {
  asOf: number;
  asOfText: string;
  source: 'snapshot' | 'live';
  /** The customer's row of the view's feature columns, or their features since events arrived. */
  features: number | FeatureRow;
  customer: Row;
  events: readonly EventRecord[];
  answer?: { generation: number; audiences: LiveAudience[] };
}

function covers(had: EventNeeds, wants: EventNeeds, instants: number[]): boolean {
  if (!wants.since) return true;
  if (!had.since || [...wants.types].some((t) => !had.types.has(t))) return false;
  return instants.every((t) => wants.since!(t) >= had.since!(t));
}

export class LiveView {
  private generation = 0;
  /** The latest instant an entry is as of; the earliest is the base, which every entry is as of or after. */
  private newest: number;

  private constructor(
    private rules: LiveRules,
    private needs: EventNeeds,
    private readonly entries: Map<string, Entry>,
    private readonly columns: FeatureColumns,
    /** Each customer's memberships of the snapshot kinds (RFM cells), which only runs compute. */
    private readonly snapshot: ReadonlyMap<string, readonly LiveAudience[]>,
    private readonly medians: readonly CategoryMedian[],
    /** The reference base at the build (see referenceBase): the instant of every customer without newer events. */
    private readonly base: string,
  ) {
    this.newest = asOfMs(base);
  }

  /** Reads the workspace into memory; undefined beyond the customers the memory setting allows, or MAX_VIEW_EVENTS. */
  static async build(store: Store): Promise<LiveView | undefined> {
    const known = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM customers`);
    if ((known?.n ?? 0) > mostCustomers(store)) return undefined;
    const rules = await liveRules(store);
    const needs = eventNeeds(rules.levels.flat().map((r) => r.rule));
    const base = await referenceBase(store);
    // The feature table is the latest run's unless an older date was run since; then features are computed for it.
    const fromTable = base === (await featureTableAsOf(store));
    const columns = FeatureColumns.from(await store.columns(fromTable ? sql`SELECT * FROM ${ident(FEATURE_TABLE)}` : customerFeaturesQuery({ asOf: base })));
    const since = needs.since?.(asOfMs(base));
    if (needs.since) {
      const counted = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events
        WHERE type IN (${join([...needs.types].map((t) => sql`${t}`))}) AND ${Number.isFinite(since) ? sql`ts >= make_timestamp(${since! * 1000})` : sql`TRUE`}`);
      if ((counted?.n ?? 0) > MAX_VIEW_EVENTS) return undefined;
    }
    const customers = await customerRows(store, 'all');
    const events = needs.since ? await eventRecords(store, 'all', { before: base, types: needs.types, since }) : new Map<string, EventRecord[]>();
    const entries = new Map<string, Entry>();
    // As of a run's date, a customer's answer is the run's, whichever table the features came from.
    const runs = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM runs`);
    const source = runs?.n ? 'snapshot' : 'live';
    const ms = asOfMs(base);
    columns.ids.forEach((id, row) => {
      entries.set(id, { asOf: ms, asOfText: base, source, features: row, customer: customers.get(id) ?? {}, events: events.get(id) ?? [] });
    });
    const view = new LiveView(rules, needs, entries, columns, await snapshotMembers(store, 'all'), await categoryMedians(store, base), base);
    // Customers with events since the base are as of the day after their newest; those whose consent changed since
    // the base were re-read then, and are again.
    const touched = await store.all<{ customer_id: string }>(sql`
      SELECT customer_id FROM events WHERE ts >= CAST(${base} AS TIMESTAMP) AND customer_id IS NOT NULL
      UNION SELECT customer_id FROM live_memberships WHERE evaluated_at >= CAST(${base} AS TIMESTAMP)`);
    await view.refresh(store, touched.map((t) => t.customer_id), { persist: false });
    return view;
  }

  /** The audiences a customer is in; undefined for a customer the view does not hold. */
  audiencesOf(customerId: string): CustomerAudiences | undefined {
    const entry = this.entries.get(customerId);
    if (!entry) return undefined;
    if (entry.answer?.generation !== this.generation) entry.answer = { generation: this.generation, audiences: this.evaluate(customerId, entry) };
    return { customer_id: customerId, source: entry.source, as_of: entry.asOfText, audiences: entry.answer.audiences };
  }

  /** The customer's stored row (their consent among it) as the view holds it; undefined for a customer it does not hold. */
  customerRow(customerId: string): Readonly<Row> | undefined {
    return this.entries.get(customerId)?.customer;
  }

  /** A customer not stored yet, from a feature object, as of the base: see classifyFeatures. */
  classifyFeatures(features: Readonly<Record<string, unknown>>, customer: Readonly<Record<string, unknown>> = {}): { as_of: string; audiences: LiveAudience[] } {
    return { as_of: this.base, audiences: classifyFeaturesWith(this.rules, features, customer, this.base) };
  }

  /**
   * Re-reads these customers, each as of their reference instant (after their events or their consent changed) and,
   * unless told otherwise, stores what they are in as their live memberships. Customers the store no longer holds
   * leave the view.
   */
  async refresh(store: Store, customerIds: readonly string[], options: { persist?: boolean } = {}): Promise<number> {
    if (customerIds.length === 0) return 0;
    const at = await referenceTimes(store, customerIds, this.base);
    const contexts = new Map<string, CustomerContext>();
    for (const [instant, group] of byInstant(at)) {
      const loaded = await loadCustomerContexts(store, group, instant, () => () => false, {
        categoryMedians: this.medians,
        events: { types: this.needs.types, since: this.needs.since?.(asOfMs(instant)) },
      });
      for (const [id, ctx] of loaded) contexts.set(id, ctx);
    }
    for (const id of customerIds) {
      const ctx = contexts.get(id);
      if (ctx) {
        this.entries.set(id, { asOf: ctx.asOf, asOfText: at.get(id)!, source: 'live', features: ctx.features, customer: ctx.customer, events: ctx.events });
        this.newest = Math.max(this.newest, ctx.asOf);
      } else this.entries.delete(id);
    }
    if (options.persist ?? true) {
      const live = new Map([...contexts.keys()].map((id) => [id, this.audiencesOf(id)!.audiences]));
      await storeLiveMemberships(store, customerIds, at, live);
    }
    return contexts.size;
  }

  forget(customerId: string): void {
    this.entries.delete(customerId);
  }

  /**
   * Takes the store's current rules. False when they read events the view does not hold (another type, further
   * back): the caller then builds a new view.
   */
  async reloadRules(store: Store): Promise<boolean> {
    const rules = await liveRules(store);
    const needs = eventNeeds(rules.levels.flat().map((r) => r.rule));
    if (!covers(this.needs, needs, [asOfMs(this.base), this.newest])) return false;
    this.rules = rules;
    this.generation++;
    return true;
  }

  private evaluate(customerId: string, entry: Entry): LiveAudience[] {
    const members = new Map<string, LiveAudience>();
    for (const cell of this.snapshot.get(customerId) ?? []) members.set(cell.id, cell);
    const ctx: CustomerContext = {
      asOf: entry.asOf,
      features: typeof entry.features === 'number' ? this.columns.row(entry.features) : entry.features,
      customer: entry.customer,
      events: entry.events,
      inAudience: (name) => members.has(this.rules.idByName.get(name) ?? ''),
    };
    evaluateRules(this.rules, ctx, members);
    return [...members.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }
}
