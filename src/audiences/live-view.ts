import { categoryMedians, customerFeaturesQuery, FEATURE_TABLE, featureTableAsOf, type CategoryMedian, type FeatureRow } from '../features/index.js';
import { ident, sql, type Sql } from '../sql/index.js';
import { CONSENT_CHANNELS, consentColumns, type ConsentChannel, type KnownIds, type NewCustomer, type Row, type Store, type StoredEvent } from '../store/index.js';
import { customerFieldReferences, eventNeeds, type CustomerContext, type EventNeeds } from '../segments/index.js';
import { asOfMs, instantText } from './customer-context.js';
import { CustomerFields } from './customer-fields.js';
import { CustomerMemo } from './customer-memo.js';
import { customerRanges, eventsPerRange } from './customer-ranges.js';
import { EveryEvent, type EveryEventPlan } from './held/every-event.js';
import type { HeldEvents } from './held/held-events.js';
import { RulesEvents } from './held/rules-events.js';
import { classifyFeaturesWith, evaluateRules, liveRules, referenceBase, snapshotMemberRows, storeLiveMemberships, type LiveRules } from './realtime.js';
import type { CustomerAudiences, LiveAudience } from './schema.js';
import { FeatureColumns } from './feature-columns.js';
import { KnownProducts } from './stored-ids.js';
import { ViewCustomers } from './view-customers.js';
import { getHeapStatistics } from 'node:v8';
import { CLV_FEATURES } from '../models/clv/index.js';

/**
 * The server's in-memory view of a workspace for real-time answers: every customer's features, customers fields and events
 * (every event by column where the memory setting allows, else the rules' events: VIEW_MODES), with the rules themselves, so that "which audiences is this customer in" and
 * "classify this customer" are evaluated in memory (about 30 us a customer at 100k) instead of by store queries.
 *
 * A customer's data is as of the latest run (its feature table, `source: 'snapshot'`) until events newer than the run
 * arrive for them; from then on it is as of the day after their newest event (`source: 'live'`), with features
 * computed from their own events in memory where the view holds every event (each catalog entry's `live`, exact to
 * the feature query), so that a batch costs the work of its own customers whatever the store's size, and by the
 * feature query over the store's events in the other mode (see held/). These instants are the reference
 * instants of realtime.ts, so the view answers as `segmint classify` does, and as the latest run stored for every
 * customer without newer events, whatever the wall clock says. What is store-wide comes from the view's build (after
 * each run): live features compare prices with the category medians of then, which move little from one batch to
 * the next. Rules are evaluated at each question (tens of microseconds), and the
 * answer is not kept: kept answers made every first lookup of a customer leave objects for the old generation, whose
 * collections over a million customers' answers were the p99 (bench/view-gc.ts). What decide asks (`facts`: the
 * audiences' ids and the consent withdrawn, no reasons) is kept, as a number a customer into the few distinct answers.
 */

/**
 * Bounds on what the view holds. A customer apart from their events takes about 400 bytes, measured at 100k
 * (bench/view-memory.ts): about 100 of JS heap (their id and its place in the numbering) and 300 in typed arrays (36
 * features, instant, standing, RFM cells, consent); the bound counts 450, for the room the arrays gain an eighth at a
 * time as customers are added. Its customers must also fit 40% of the heap. Events: the first mode of VIEW_MODES whose
 * events fit the store's share for structures of the memory setting (src/shared/memory.ts) with the customers is
 * built; beyond the last, the view is not built and requests read the store, slower but within the memory given.
 */
export const BYTES_PER_CUSTOMER = 450;
/** Distinct answers `facts` keeps (a few hundred bytes each); customers with another are evaluated at each question. */
const MAX_DISTINCT_FACTS = 1 << 16;
/** The CLV scores: events do not change them, so a customer worked out from the view keeps those of the build's run. */
const CLV_SCORES: ReadonlySet<string> = new Set(CLV_FEATURES.map((f) => f.name));

/** What decide needs of a customer: the ids of their audiences, and the consent channels they withdrew (stated false). */
export interface CustomerFacts {
  memberships: ReadonlySet<string>;
  withdrawn: ReadonlySet<ConsentChannel>;
}
/** localeCompare's order (a collator of the default locale, as localeCompare without arguments uses), without its cost a call. */
const COLLATOR = new Intl.Collator();
const byKindAndName = (a: LiveAudience, b: LiveAudience): number => COLLATOR.compare(a.kind, b.kind) || COLLATOR.compare(a.name, b.name);
const MAX_VIEW_CUSTOMERS = Math.floor((getHeapStatistics().heap_size_limit * 0.4) / BYTES_PER_CUSTOMER);

/** The memory a view takes when built (appends add to it until the next build): its customers, and the bytes of its events' part (EveryEvent.plan). */
const bytesOf = (customers: number, eventBytes: number): number => customers * BYTES_PER_CUSTOMER + eventBytes;

interface StoreSize {
  customers: number;
  events: number;
}

/** What a view's build reads before its events: the store's size, the rules' needs, the reference base. */
interface BuildInputs {
  size: StoreSize;
  needs: EventNeeds;
  base: string;
  medians: readonly CategoryMedian[];
  /** The ranges of customers the store is read by (customer-ranges.ts). */
  ranges: readonly Sql[];
}

const storeSize = async (store: Store): Promise<StoreSize> => (await store.one<StoreSize>(sql`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM events) AS events`))!;

/** How every event would be held in this store (EveryEvent.plan), undefined where even its least would not fit the memory setting. */
async function everyEventPlan(store: Store, { size, needs, base }: Pick<BuildInputs, 'size' | 'needs' | 'base'>): Promise<EveryEventPlan | undefined> {
  // Its SQL (the columns' widths, the events' read by column) is DuckDB's; and the scans of every event are skipped
  // where even the ids' filter would not fit.
  if (store.dialect.name !== 'duckdb' || bytesOf(size.customers, size.events * EveryEvent.LEAST_BYTES_PER_EVENT) > store.memory.structures) return undefined;
  return EveryEvent.plan(store, size.events, size.customers, asOfMs(base), needs);
}

/** The memory a view holding every event (recent ones by column, the others folded) would take in this store when built. */
export async function viewBytes(store: Store): Promise<number> {
  const size = await storeSize(store);
  const needs = eventNeeds((await liveRules(store)).levels.flat().map((r) => r.rule));
  const plan = await EveryEvent.plan(store, size.events, size.customers, asOfMs(await referenceBase(store)), needs);
  return bytesOf(size.customers, plan.bytes);
}

/**
 * How the view may hold events, best first: every event by column (real-time ingest from the view), or, when that
 * does not fit, only the rules' events (lookups from memory, a batch's customers worked out by store queries;
 * RulesEvents bounds its events itself). Either needs the customers to fit (LiveView.build checks that first).
 */
const VIEW_MODES: ReadonlyArray<(store: Store, inputs: BuildInputs, customers: ViewCustomers) => Promise<HeldEvents | undefined> | undefined> = [
  async (store, inputs, customers) => {
    const plan = await everyEventPlan(store, inputs);
    if (!plan || bytesOf(inputs.size.customers, plan.bytes) > store.memory.structures) return undefined;
    return EveryEvent.load(store, plan, customers, inputs.medians, asOfMs(inputs.base), inputs.ranges);
  },
  (store, { needs, base }) => RulesEvents.load(store, needs, base),
];

/** How a build reads the store. */
export interface BuildOptions {
  /** Events a range of customers holds in the read of every event (customer-ranges.ts); by default sized from the memory setting. */
  eventsPerRange?: number;
}

export class LiveView {
  private readonly kept = new CustomerMemo<CustomerFacts>(MAX_DISTINCT_FACTS);
  /** The store's writes (Store.writes) after the last turn that found the store holding the view's count of events, and its tombstones (see settle). */
  private settled: { writes: number; tombstones: number } | undefined;
  /** The tombstones of the store when this turn's batches found it holding the view's count of events (KnownIds.matched). */
  private matched: number | undefined;
  /** The customers rows this turn's batches added (KnownIds.created): refresh puts them without reading them back. */
  private created = new Map<string, NewCustomer>();
  /** Customers worked out again whose live memberships the store does not have yet (refresh's `persist: 'later'`). */
  private readonly unsaved = new Set<string>();

  private constructor(
    private rules: LiveRules,
    private needs: EventNeeds,
    private readonly customers: ViewCustomers,
    private readonly features: FeatureColumns,
    private readonly fields: CustomerFields,
    private readonly events: HeldEvents,
    /** Whether customers as of the build are as of a run (`snapshot`) or of features the build computed (`live`). */
    private readonly built: 'snapshot' | 'live',
    private readonly medians: readonly CategoryMedian[],
    /** The reference base at the build (see referenceBase): the instant of every customer without newer events. */
    private readonly base: string,
    /** The store's events at the build and those batches stored since through the view: see KnownIds. */
    private storedEvents: number,
    private readonly products: KnownProducts,
  ) {}

  /** Reads the workspace into memory; undefined when no mode of VIEW_MODES fits the memory setting. */
  static async build(store: Store, options: BuildOptions = {}): Promise<LiveView | undefined> {
    const size = await storeSize(store);
    if (size.customers > MAX_VIEW_CUSTOMERS || size.customers * BYTES_PER_CUSTOMER > store.memory.structures) return undefined;
    const rules = await liveRules(store);
    const needs = eventNeeds(rules.levels.flat().map((r) => r.rule));
    const base = await referenceBase(store);
    // Events first: streamed after the feature table's read (whose values outlive young collections), the collector
    // took twice the time (7.3 s against 3.6 s of CPU at 100k).
    const customers = new ViewCustomers(asOfMs(base));
    const medians = await categoryMedians(store, base);
    const ranges = await customerRanges(store, size.events, options.eventsPerRange ?? eventsPerRange(store.memory));
    let events: HeldEvents | undefined;
    for (const mode of VIEW_MODES) if ((events = await mode(store, { size, needs, base, medians, ranges }, customers))) break;
    if (!events) return undefined;
    // The feature table is the latest run's unless an older date was run since; then features are computed for it, in
    // one query. The table and the RFM cells are read by the events' ranges of customers, by typed vectors: their
    // values as JavaScript values (a row object a cell, an array a feature) were about 1 GB of garbage at 1M, which V8
    // collected late enough to lift the build's peak above the memory setting.
    const fromTable = base === (await featureTableAsOf(store));
    const features = new FeatureColumns(customers.size);
    const parts = fromTable ? ranges.map((range) => ({ range, q: sql`SELECT * FROM ${ident(FEATURE_TABLE)} WHERE ${range}` })) : [{ range: sql`TRUE`, q: customerFeaturesQuery({ asOf: base }) }];
    for (const { range, q } of parts) {
      const cells = customers.cellNumbers((await store.vectors(snapshotMemberRows(range))) as Record<string, Array<string | null>>);
      const read = await store.vectors(q);
      features.put(read, customers.built((read.customer_id ?? []) as Array<string | null>, cells));
    }
    const fields = new CustomerFields(customerFieldReferences(rules.levels.flat().map((r) => r.rule)), customers.size);
    fields.put(await fields.fetch(store, 'all'), [], (id) => customers.held(id));
    // As of a run's date, a customer's answer is the run's, whichever table the features came from.
    const runs = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM runs`);
    const view = new LiveView(rules, needs, customers, features, fields, events, runs?.n ? 'snapshot' : 'live', medians, base, size.events, await KnownProducts.load(store));
    // Customers with events since the base are as of the day after their newest; those whose consent changed since
    // the base were re-read then, and are again.
    const touched = await store.all<{ customer_id: string }>(sql`
      SELECT customer_id FROM events WHERE ts >= CAST(${base} AS TIMESTAMP) AND customer_id IS NOT NULL
      UNION SELECT customer_id FROM live_memberships WHERE evaluated_at >= CAST(${base} AS TIMESTAMP)`);
    await view.refresh(store, touched.map((t) => t.customer_id), { persist: 'never' });
    return view;
  }

  /** What the view holds of the events (the mode it was built in). */
  get holds(): HeldEvents['holds'] {
    return this.events.holds;
  }

  /** The audiences a customer is in; undefined for a customer the view does not hold. */
  audiencesOf(customerId: string): CustomerAudiences | undefined {
    const i = this.customers.held(customerId);
    if (i === undefined) return undefined;
    const source = this.customers.hasOwn(i) ? 'live' : this.built;
    return { customer_id: customerId, source, as_of: instantText(this.customers.instant(i)), audiences: this.evaluate(customerId, i).sort(byKindAndName) };
  }

  /** The customer's audiences' ids and withdrawn consent, as audiencesOf and customerRow give them; kept until the customer or the rules change. */
  facts(customerId: string): CustomerFacts | undefined {
    const i = this.customers.held(customerId);
    if (i === undefined) return undefined;
    const kept = this.kept.get(i);
    if (kept) return kept;
    const ids = this.evaluate(customerId, i).sort(byKindAndName).map((a) => a.id);
    const row = this.fields.row(i);
    const withdrawn = CONSENT_CHANNELS.filter((c) => row[consentColumns(c).value] === false);
    return this.kept.keep(i, `${ids.join('\n')}\t${withdrawn.join(',')}`, { memberships: new Set(ids), withdrawn: new Set(withdrawn) });
  }

  /** The customer's features as the view holds them (the feature query's row); undefined for a customer it does not hold. */
  featuresOf(customerId: string): FeatureRow | undefined {
    const i = this.customers.held(customerId);
    return i === undefined ? undefined : this.features.row(i, customerId);
  }

  /**
   * The customer's stored fields the view holds (their consent values, and the columns the active rules read);
   * undefined for a customer it does not hold.
   */
  customerRow(customerId: string): Readonly<Row> | undefined {
    const i = this.customers.held(customerId);
    return i === undefined ? undefined : this.fields.row(i);
  }

  /** A customer not stored yet, from a feature object, as of the base: see classifyFeatures. */
  classifyFeatures(features: Readonly<Record<string, unknown>>, customer: Readonly<Record<string, unknown>> = {}): { as_of: string; audiences: LiveAudience[] } {
    return { as_of: this.base, audiences: classifyFeaturesWith(this.rules, features, customer, this.base) };
  }

  /** Takes the events a batch stored (ingestEventBatch's `stored`) as soon as they are; `refresh` then works the customers out. */
  take(stored: readonly StoredEvent[]): void {
    this.events.take(stored);
    this.storedEvents += stored.length;
    this.products.add(stored.flatMap((e) => (e.product_id === null ? [] : [e.product_id])));
  }

  /**
   * The stored ids, customers and products as far as the view knows them, for a batch's duplicate check and its new
   * customers and products (see KnownIds). A customer the view holds has a customers row: the build numbers those of
   * the feature table, and a customer worked out again without one leaves the view.
   */
  knownIds(): KnownIds {
    this.matched = undefined;
    this.created.clear();
    return {
      events: this.storedEvents,
      unchangedSince: this.settled,
      matched: (tombstones) => {
        this.matched = tombstones;
      },
      mayHold: this.events.mayHold?.bind(this.events),
      unheld: (customerIds) => customerIds.filter((id) => this.customers.held(id) === undefined),
      unknownProducts: (productIds) => this.products.unknown(productIds),
      created: (rows) => {
        for (const row of rows) this.created.set(row.id, row);
      },
    };
  }

  /**
   * Ends a turn of POST /v1/events, after its last write (`writes`: Store.writes then): when its batches found the
   * store holding the view's count of events, every write since was the turn's own (a workspace's store serves one
   * request at a time) and erased no one (an erasure is its own request), so until the store's writes move again the
   * next batches need not count its events or its tombstones.
   */
  settle(writes: number): void {
    this.settled = this.matched === undefined ? undefined : { writes, tombstones: this.matched };
    this.matched = undefined;
  }

  /**
   * Works these customers out again, each as of their reference instant (after their events or their consent changed)
   * and stores what they are in as their live memberships: `now` (the default), `later` (by saveUnsaved) or `never`.
   * With `eventsOnly` (only events arrived), only the customers rows the view lacks are read. Customers the store no
   * longer holds leave the view; the others are returned.
   */
  async refresh(store: Store, customerIds: readonly string[], options: { persist?: 'now' | 'later' | 'never'; eventsOnly?: boolean } = {}): Promise<ReadonlySet<string>> {
    if (customerIds.length === 0) return new Set();
    // Events change no stored customers row but a new one's (a batch adds the customers it names that the store lacks).
    // Read first: the live features read created_at, and a customer without a row has none.
    const unheld = options.eventsOnly ? customerIds.filter((id) => !this.fields.holds(this.customers.numberOf(id))) : customerIds;
    // The rows the turn's batches added are put as written (reading them back was a statement of 3-6 ms of CPU a
    // turn), only by the refresh that follows those batches: rows told to a turn that failed were never committed.
    const taken = options.eventsOnly ? this.created : new Map<string, NewCustomer>();
    this.created = new Map();
    const read = unheld.filter((id) => !taken.has(id));
    const added = this.fields.newRows(unheld.flatMap((id) => taken.get(id) ?? []));
    const rows = await this.fields.fetch(store, read);
    const fetched = new Map([...CustomerFields.createdAtOf(rows), ...CustomerFields.createdAtOf(added)]);
    const fresh = new Set(unheld);
    const worked = await this.events.workOut(store, customerIds, {
      base: this.base,
      medians: this.medians,
      liveIds: () => this.customers.ownIds(),
      createdAt: (id) => (fresh.has(id) ? fetched.get(id) : this.fields.createdAt(this.customers.numberOf(id))),
    });
    const known = [...worked.features.keys()];
    for (const id of worked.ids) {
      const f = worked.features.get(id);
      if (!f) {
        this.forget(id);
        continue;
      }
      const i = this.customers.own(id, asOfMs(worked.at.get(id)!));
      this.features.set(i, f, worked.scoresHeld ? CLV_SCORES : undefined);
      this.kept.forget(i);
    }
    const numberOf = (id: string): number | undefined => (worked.features.has(id) ? this.customers.numberOf(id) : undefined);
    this.fields.put(rows, read.filter((id) => worked.features.has(id)), numberOf);
    this.fields.put(added, [], numberOf);
    const persist = options.persist ?? 'now';
    if (persist === 'now') await this.storeMemberships(store, worked.ids);
    else if (persist === 'later') for (const id of worked.ids) this.unsaved.add(id);
    return new Set(known);
  }

  /** How many customers turns worked out whose live memberships are not stored yet. */
  get unsavedCount(): number {
    return this.unsaved.size;
  }

  /**
   * Stores the live memberships refresh left for later (at most `most` customers' of them), as the view holds them
   * now. The view answers every reader while it lives; the table is for readers without it (a server that cannot
   * build one, the next build's customers worked out since the base), so turns of event batches leave it to this,
   * which a server calls every half minute (Workspaces says why). A crash loses at most what was unsaved: the next build
   * works out again every customer with events dated from the base on (build's `touched`); one given only older events
   * (a backfill) keeps the run's answer until their next event or run.
   */
  async saveUnsaved(store: Store, most = Infinity): Promise<void> {
    if (this.unsaved.size === 0) return;
    const ids: string[] = [];
    for (const id of this.unsaved) {
      if (ids.length === most) break;
      ids.push(id);
    }
    for (const id of ids) this.unsaved.delete(id);
    try {
      await this.storeMemberships(store, ids);
    } catch (err) {
      for (const id of ids) this.unsaved.add(id);
      throw err;
    }
  }

  /** Replaces these customers' live memberships with the view's answers; those it no longer holds get none. */
  private async storeMemberships(store: Store, customerIds: readonly string[]): Promise<void> {
    const at = new Map<string, string>();
    // Stored as a set: unsorted.
    const live = new Map<string, LiveAudience[]>();
    for (const id of customerIds) {
      const i = this.customers.held(id);
      if (i === undefined) continue;
      at.set(id, instantText(this.customers.instant(i)));
      live.set(id, this.evaluate(id, i));
    }
    await storeLiveMemberships(store, customerIds, at, live);
  }

  forget(customerId: string): void {
    const i = this.customers.numberOf(customerId);
    if (i !== undefined) {
      this.customers.drop(i);
      this.fields.clear(i);
      this.kept.forget(i);
    }
    this.events.forget(customerId);
  }

  /** Events held, events folded at the build, and their bytes outside the heap. */
  eventsSize(): { events: number; folded: number; bytes: number } {
    return this.events.size();
  }

  /**
   * Takes the store's current rules. False when they read events or customers columns the view does not hold: the
   * caller then builds a new view.
   */
  async reloadRules(store: Store): Promise<boolean> {
    const rules = await liveRules(store);
    const read = rules.levels.flat().map((r) => r.rule);
    const needs = eventNeeds(read);
    if (!this.events.covers(needs) || !this.fields.covers(customerFieldReferences(read))) return false;
    this.rules = rules;
    this.needs = needs;
    this.kept.clear();
    return true;
  }

  /** The audiences customer `i` is in, in no order. */
  private evaluate(customerId: string, i: number): LiveAudience[] {
    const members = new Map<string, LiveAudience>();
    for (const cell of this.customers.cellsOf(i)) members.set(cell.id, cell);
    const asOf = this.customers.instant(i);
    const ctx: CustomerContext = {
      asOf,
      features: this.features.row(i, customerId),
      customer: this.fields.row(i),
      events: this.events.records(customerId, this.needs, asOf),
      inAudience: (name) => members.has(this.rules.idByName.get(name) ?? ''),
    };
    evaluateRules(this.rules, ctx, members);
    return [...members.values()];
  }
}
