import { categoryMedians, customerFeaturesQuery, FEATURE_TABLE, featureTableAsOf, storeFlags, type CategoryMedian, type FeatureRow, type StoreFlags } from '../features/index.js';
import { ident, sql } from '../sql/index.js';
import type { KnownIds, Row, Store, StoredEvent } from '../store/index.js';
import { eventNeeds, type CustomerContext, type EventNeeds } from '../segments/index.js';
import { asOfMs, customerRows } from './customer-context.js';
import { EventColumns, type FeatureEventRow } from './event-columns.js';
import { byInstant, classifyFeaturesWith, evaluateRules, liveRules, referenceBase, snapshotMembers, storeLiveMemberships, type LiveRules } from './realtime.js';
import type { CustomerAudiences, LiveAudience } from './schema.js';
import { FeatureColumns } from './feature-columns.js';
import { StoredIds } from './stored-ids.js';
import { getHeapStatistics } from 'node:v8';

/**
 * The server's in-memory view of a workspace for real-time answers: every customer's features, customers row and events
 * (by column, EventColumns), with the rules themselves, so that "which audiences is this customer in" and
 * "classify this customer" are evaluated in memory (about 0.1 ms) instead of by store queries.
 *
 * A customer's data is as of the latest run (its feature table, `source: 'snapshot'`) until events newer than the run
 * arrive for them; from then on it is as of the day after their newest event (`source: 'live'`), with features
 * computed by the feature query itself over their events as the view holds them, never over the store's: a batch
 * costs the work of its own customers, whatever the store's size. These instants are the reference
 * instants of realtime.ts, so the view answers as `segmint classify` does, and as the latest run stored for every
 * customer without newer events, whatever the wall clock says. What is store-wide comes from the view's build (after
 * each run): live features compare prices with the category medians of then, which move little from one batch to
 * the next; what the store tracks at all (storeFlags) is kept up to date, since a first view or discount changes
 * every customer's features from null to zero. Rules are evaluated at each question (tens of microseconds), and the
 * answer is not kept: kept answers made every first lookup of a customer leave objects for the old generation, whose
 * collections over a million customers' answers were the p99 (bench/view-gc.ts).
 */

/**
 * Bounds on what the view holds. Beyond them the view is not built and requests read the store, slower but within
 * the memory given. The view takes the measured 1.2 KB a customer on the heap (features by column, the customers
 * row, the entry) and, outside it, its event columns and the stored ids' filter a stored event: all of it must fit the
 * store's share for structures of the memory setting (src/shared/memory.ts), and the customers 40% of the heap.
 */
const BYTES_PER_CUSTOMER = 1200;
const BYTES_PER_EVENT = EventColumns.BYTES_PER_EVENT + StoredIds.BYTES_PER_ID;
const MAX_VIEW_CUSTOMERS = Math.floor((getHeapStatistics().heap_size_limit * 0.4) / BYTES_PER_CUSTOMER);

/** The memory a view of a store of this size takes when built (appends add to it until the next build). */
export const viewBytes = (customers: number, events: number): number => customers * BYTES_PER_CUSTOMER + events * BYTES_PER_EVENT;

/** The temporary table a refresh puts its customers' events in for the feature query. */
const LIVE_EVENTS = 'live_view_events';
const LIVE_EVENTS_STRUCTURE = JSON.stringify([
  {
    id: 'VARCHAR', type: 'VARCHAR', ts: 'DOUBLE', customer_id: 'VARCHAR', session_id: 'VARCHAR', product_id: 'VARCHAR', order_id: 'VARCHAR',
    quantity: 'DOUBLE', unit_price: 'DOUBLE', discount: 'DOUBLE', device: 'VARCHAR',
  } satisfies Record<keyof FeatureEventRow, string>,
]);
const DAY_MS = 86_400_000;
/** `YYYY-MM-DD HH:MM:SS` of an instant. */
const instantText = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

interface Entry {
  asOf: number;
  asOfText: string;
  source: 'snapshot' | 'live';
  /** The customer's row of the view's feature columns, or their features since events arrived. */
  features: number | FeatureRow;
  customer: Row;
}

export class LiveView {
  private constructor(
    private rules: LiveRules,
    private needs: EventNeeds,
    private readonly entries: Map<string, Entry>,
    private readonly columns: FeatureColumns,
    private readonly events: EventColumns,
    /** Every stored id (a filter), and how many events the store held at the build and since through the view. */
    private readonly ids: StoredIds,
    private storedEvents: number,
    /** Each customer's memberships of the snapshot kinds (RFM cells), which only runs compute. */
    private readonly snapshot: ReadonlyMap<string, readonly LiveAudience[]>,
    private readonly medians: readonly CategoryMedian[],
    private flags: StoreFlags,
    /** The reference base at the build (see referenceBase): the instant of every customer without newer events. */
    private readonly base: string,
  ) {}

  /** Reads the workspace into memory; undefined when it would not fit the memory setting (see viewBytes). */
  static async build(store: Store): Promise<LiveView | undefined> {
    const size = (await store.one<{ customers: number; events: number }>(sql`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM events) AS events`))!;
    if (size.customers > MAX_VIEW_CUSTOMERS || viewBytes(size.customers, size.events) > store.memory.structures) return undefined;
    const rules = await liveRules(store);
    const base = await referenceBase(store);
    // The feature table is the latest run's unless an older date was run since; then features are computed for it.
    const fromTable = base === (await featureTableAsOf(store));
    const columns = FeatureColumns.from(await store.columns(fromTable ? sql`SELECT * FROM ${ident(FEATURE_TABLE)}` : customerFeaturesQuery({ asOf: base })));
    const customers = await customerRows(store, 'all');
    const stored = size.events;
    const ids = new StoredIds(stored);
    const events = await EventColumns.load(store, ids);
    const flags = (await store.one<StoreFlags>(storeFlags(sql`CAST('infinity' AS TIMESTAMP)`)))!;
    const entries = new Map<string, Entry>();
    // As of a run's date, a customer's answer is the run's, whichever table the features came from.
    const runs = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM runs`);
    const source = runs?.n ? 'snapshot' : 'live';
    const ms = asOfMs(base);
    columns.ids.forEach((id, row) => {
      entries.set(id, { asOf: ms, asOfText: base, source, features: row, customer: customers.get(id) ?? {} });
    });
    const needs = eventNeeds(rules.levels.flat().map((r) => r.rule));
    const view = new LiveView(rules, needs, entries, columns, events, ids, stored, await snapshotMembers(store, 'all'), await categoryMedians(store, base), flags, base);
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
    return { customer_id: customerId, source: entry.source, as_of: entry.asOfText, audiences: this.evaluate(customerId, entry) };
  }

  /** The customer's features as the view holds them (the feature query's row); undefined for a customer it does not hold. */
  featuresOf(customerId: string): FeatureRow | undefined {
    const entry = this.entries.get(customerId);
    return entry && this.features(entry);
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
   * Takes the events a batch stored (ingestEventBatch's `stored`) as soon as they are: their ids join the known ones
   * (the next batch's duplicate check), their customers' events the columns; `refresh` then works the customers out.
   */
  take(stored: readonly StoredEvent[]): void {
    for (const e of stored) {
      this.ids.add(e.id);
      this.events.append(e);
    }
    this.storedEvents += stored.length;
  }

  /** The stored ids as far as the view knows them, for a batch's duplicate check (see KnownIds). */
  knownIds(): KnownIds {
    return { events: this.storedEvents, mayHold: (ids) => ids.filter((id) => this.ids.mayHold(id)) };
  }

  /**
   * Works these customers out again from what the view holds, each as of their reference instant (after their events
   * or their consent changed) and, unless told otherwise, stores what they are in as their live memberships.
   * Customers the store no longer holds leave the view; the others are returned.
   */
  async refresh(store: Store, customerIds: readonly string[], options: { persist?: boolean } = {}): Promise<ReadonlySet<string>> {
    if (customerIds.length === 0) return new Set();
    const baseMs = asOfMs(this.base);
    const at = new Map<string, string>();
    for (const id of customerIds) {
      const newest = this.events.newest(id);
      at.set(id, newest >= baseMs ? instantText(Math.floor(newest / DAY_MS) * DAY_MS + DAY_MS) : this.base);
    }
    const rows = this.events.featureRows(customerIds);
    await store.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(LIVE_EVENTS)} AS
      SELECT e.id, e.type, make_timestamp(CAST(round(e.ts * 1000) AS BIGINT)) AS ts, e.customer_id, e.session_id, e.product_id, e.order_id,
        e.quantity, e.unit_price, e.discount, e.device
      FROM (SELECT unnest(from_json(CAST(${JSON.stringify(rows)} AS JSON), ${LIVE_EVENTS_STRUCTURE})) AS e)`);
    try {
      // A kind of event the store never had (a first view, say) turns null features into zeros for every customer.
      if (await this.tracksMore(store)) return await this.refresh(store, [...new Set([...customerIds, ...this.liveIds()])], options);
      const features = new Map<string, FeatureRow>();
      for (const [instant, group] of byInstant(at)) {
        const q = customerFeaturesQuery({ asOf: instant, customerIds: group, categoryMedians: this.medians, events: LIVE_EVENTS, flags: this.flags });
        for (const row of await store.all<FeatureRow>(q)) features.set(String(row.customer_id), row);
      }
      const customers = features.size ? await customerRows(store, [...features.keys()]) : new Map<string, Row>();
      for (const id of customerIds) {
        const f = features.get(id);
        if (f) this.entries.set(id, { asOf: asOfMs(at.get(id)!), asOfText: at.get(id)!, source: 'live', features: f, customer: customers.get(id) ?? {} });
        else this.forget(id);
      }
      if (options.persist ?? true) {
        const live = new Map([...features.keys()].map((id) => [id, this.audiencesOf(id)!.audiences]));
        await storeLiveMemberships(store, customerIds, at, live);
      }
      return new Set(features.keys());
    } finally {
      await store.run(sql`DROP TABLE IF EXISTS ${ident(LIVE_EVENTS)}`);
    }
  }

  forget(customerId: string): void {
    this.entries.delete(customerId);
    this.events.forget(customerId);
  }

  /** Events held by column, and their bytes (with the stored ids' filter). */
  eventsSize(): { events: number; bytes: number } {
    const held = this.events.size();
    return { events: held.events, bytes: held.bytes + this.ids.bytes };
  }

  /** Takes the store's current rules; the view holds every event, so whatever they read is at hand. */
  async reloadRules(store: Store): Promise<void> {
    this.rules = await liveRules(store);
    this.needs = eventNeeds(this.rules.levels.flat().map((r) => r.rule));
  }

  /** Adds what the refreshed customers' events show the store tracks; true when that is more than before. */
  private async tracksMore(store: Store): Promise<boolean> {
    const seen = (await store.one<StoreFlags>(storeFlags(sql`CAST('infinity' AS TIMESTAMP)`, LIVE_EVENTS)))!;
    const more = (Object.keys(seen) as Array<keyof StoreFlags>).filter((k) => seen[k] && !this.flags[k]);
    if (more.length) this.flags = { ...this.flags, ...Object.fromEntries(more.map((k) => [k, true])) };
    return more.length > 0;
  }

  private liveIds(): string[] {
    return [...this.entries].filter(([, e]) => e.source === 'live' && typeof e.features !== 'number').map(([id]) => id);
  }

  private features(entry: Entry): FeatureRow {
    return typeof entry.features === 'number' ? this.columns.row(entry.features) : entry.features;
  }

  private evaluate(customerId: string, entry: Entry): LiveAudience[] {
    const members = new Map<string, LiveAudience>();
    for (const cell of this.snapshot.get(customerId) ?? []) members.set(cell.id, cell);
    const ctx: CustomerContext = {
      asOf: entry.asOf,
      features: this.features(entry),
      customer: entry.customer,
      events: this.events.records(customerId, this.needs.types, this.needs.since?.(entry.asOf) ?? Infinity),
      inAudience: (name) => members.has(this.rules.idByName.get(name) ?? ''),
    };
    evaluateRules(this.rules, ctx, members);
    return [...members.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }
}
