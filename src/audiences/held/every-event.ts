import { customerFeaturesQuery, eventFlagsSeen, liveFeatures, mediansByCategory, partialAggregates, storeFlags, type CategoryMedian, type FeatureRow, type PartialAggregates, type StoreFlags } from '../../features/index.js';
import { sql, type Sql } from '../../sql/index.js';
import type { EventList, EventNeeds } from '../../segments/index.js';
import type { Store, StoredEvent } from '../../store/index.js';
import { asOfMs, instantText } from '../customer-context.js';
import { EventColumns, key52, type ColumnPlan, type CustomerNumbers } from '../event-columns.js';
import { FoldBoundary, FoldedAggregates, type FoldEstimate } from '../folded-aggregates.js';
import { byInstant } from '../realtime.js';
import { StoredIds } from '../stored-ids.js';
import type { HeldEvents, WorkedOut, WorkOutContext } from './held-events.js';
import { KeptAggregates } from './kept-aggregates.js';

const DAY_MS = 86_400_000;

/** How a store's events are held, worked out before the build: the columns' widths, the fold's boundary and estimate, and the bytes they take. */
export interface EveryEventPlan {
  columns: ColumnPlan;
  boundary: FoldBoundary;
  fold: FoldEstimate;
  /** Events in the store: the ids' filter holds every one. */
  stored: number;
  /** The events' part of the view as built: the held events' columns, the ids' filter, the folded aggregates. */
  bytes: number;
}

/**
 * Every customer's events, the recent ones by column (EventColumns) and the older ones folded into per-customer
 * aggregates (FoldedAggregates), and a filter of every stored id (StoredIds): a batch's customers get their features
 * computed in memory from their own events and their folded aggregates (each catalog entry's `live`, over the merged
 * aggregates of live-aggregates.ts), with no query, so a batch costs the work of its own customers whatever the
 * store's size; the duplicate check asks the store only about ids the filter may hold. A customer given an event of an
 * order or session folded at the build is worked out by the feature query until the next build (counting that event
 * in memory would count the order or session twice). What the store tracks at all (storeFlags) is kept up to date
 * from each batch's events, since a first view or discount changes every customer's features from null to zero.
 * The aggregates of a customer's held events are kept between work-outs (KeptAggregates), so that a recurring
 * customer's features cost the events appended since.
 */
export class EveryEvent implements HeldEvents {
  readonly holds = 'every event';
  /** Whether the events taken since the last work-out turned a store flag on: every live customer is then worked out. */
  private tracksMore = false;
  /** Customers (by number) given an event of a folded order or session: worked out from the store until the next build. */
  private readonly fromStore = new Set<number>();
  /** The work-outs' category medians, as a map: the same map while they are the same, which the kept aggregates were counted with. */
  private medians: { of: readonly CategoryMedian[]; byCategory: ReadonlyMap<string, number> } | undefined;

  private constructor(
    private readonly columns: EventColumns,
    private readonly folded: FoldedAggregates,
    /** Every stored id (a filter). */
    private readonly ids: StoredIds,
    private flags: StoreFlags,
    private readonly customers: CustomerNumbers,
    private readonly boundary: FoldBoundary,
    private readonly kept: KeptAggregates,
  ) {}

  /** The least bytes the events' part can take: the ids' filter, which holds every stored id. */
  static readonly LEAST_BYTES_PER_EVENT = StoredIds.BYTES_PER_ID;

  /**
   * How this store's events would be held, and their bytes (see EveryEventPlan): the columns' widths and the fold's
   * counts, each one aggregate over the events. `base` is the instant every customer is as of or after; `needs` the
   * active rules'.
   */
  static async plan(store: Store, stored: number, customers: number, base: number, needs: EventNeeds): Promise<EveryEventPlan> {
    const columns = await EventColumns.plan(store);
    const boundary = new FoldBoundary(base, needs);
    const fold = await FoldedAggregates.estimate(store, boundary);
    const bytes = fold.held * columns.bytesPerEvent + stored * StoredIds.BYTES_PER_ID + customers * FoldedAggregates.bytesPerCustomer(columns) +
      fold.categories * FoldedAggregates.BYTES_PER_CATEGORY + fold.keys * FoldedAggregates.BYTES_PER_KEY;
    return { columns, boundary, fold, stored, bytes };
  }

  /**
   * The store's events as planned, each customer's held ones in the slot of their number and the others folded: read
   * by `ranges` of customers in turn (customer-ranges.ts). The aggregates of `keep` customers' held events are kept
   * between work-outs (KeptAggregates).
   */
  static async load(
    store: Store,
    plan: EveryEventPlan,
    customers: CustomerNumbers & { size: number },
    medians: readonly CategoryMedian[],
    base: number,
    ranges: readonly Sql[],
    keep = KeptAggregates.MAX_CUSTOMERS,
  ): Promise<EveryEvent> {
    const ids = new StoredIds(plan.stored);
    const folded = new FoldedAggregates(plan.boundary, mediansByCategory(medians), base, plan.fold, plan.columns, customers.size);
    const columns = await EventColumns.load(store, ids, plan.columns, customers, { events: plan.fold.held, ranges, fold: (c, events) => folded.fold(c, events) });
    const flags = (await store.one<StoreFlags>(storeFlags(sql`CAST('infinity' AS TIMESTAMP)`)))!;
    return new EveryEvent(columns, folded, ids, flags, customers, plan.boundary, new KeptAggregates(keep));
  }

  mayHold(ids: readonly string[]): string[] {
    return ids.filter((id) => this.ids.mayHold(id));
  }

  take(stored: readonly StoredEvent[]): void {
    for (const e of stored) {
      this.ids.add(e.id);
      this.columns.append(e);
      const c = e.customer_id === null ? undefined : this.customers.numberOf(e.customer_id);
      if (c === undefined) continue;
      const session = e.session_id === null ? NaN : key52(e.session_id);
      if (this.folded.mayHoldKey(c, session) || (e.type === 'order' && this.folded.mayHoldKey(c, key52(e.order_id ?? e.id)))) {
        this.fromStore.add(c);
        this.kept.forget(c);
      }
    }
    const more = [...eventFlagsSeen(stored)].filter((flag) => !this.flags[flag]);
    if (more.length) {
      this.flags = { ...this.flags, ...Object.fromEntries(more.map((flag) => [flag, true])) };
      this.tracksMore = true;
    }
  }

  async workOut(store: Store, customerIds: readonly string[], context: WorkOutContext): Promise<WorkedOut> {
    // A kind of event the store never had (a first view, say) turns null features into zeros for every customer.
    const ids = this.tracksMore ? [...new Set([...customerIds, ...context.liveIds()])] : customerIds;
    this.tracksMore = false;
    if (this.medians?.of !== context.medians) this.medians = { of: context.medians, byCategory: mediansByCategory(context.medians) };
    const medians = this.medians.byCategory;
    const inputs = { flags: this.flags, styleTagsPresent: this.columns.styleTagsPresent };
    const baseMs = asOfMs(context.base);
    const at = new Map<string, string>();
    const features = new Map<string, FeatureRow>();
    const fromStore = new Map<string, string>();
    for (const id of ids) {
      const newest = this.columns.newest(id);
      const instant = newest >= baseMs ? Math.floor(newest / DAY_MS) * DAY_MS + DAY_MS : baseMs;
      at.set(id, newest >= baseMs ? instantText(instant) : context.base);
      const c = this.customers.numberOf(id);
      if (c !== undefined && this.fromStore.has(c)) {
        fromStore.set(id, at.get(id)!);
        continue;
      }
      const row = liveFeatures(this.heldAggregates(id, c, instant, medians), instant, context.createdAt(id), inputs, c === undefined ? undefined : this.folded.of(c));
      if (!row) continue;
      // Added, not spread into a new row: a copy of 36 features a customer.
      row.customer_id = id;
      features.set(id, row);
    }
    // The same features by the feature query over the store's events, at the same instants and medians.
    for (const [instant, group] of byInstant(fromStore)) {
      for (const row of await store.all<FeatureRow>(customerFeaturesQuery({ asOf: instant, customerIds: group, categoryMedians: context.medians }))) {
        features.set(String(row.customer_id), row);
      }
    }
    return { ids, at, features, scoresHeld: true };
  }

  /** The partial aggregates of the customer's held events before `instant`: kept between work-outs where they have a number (KeptAggregates). */
  private heldAggregates(id: string, c: number | undefined, instant: number, medians: ReadonlyMap<string, number>): PartialAggregates {
    const events = this.columns.events(id);
    return c === undefined ? partialAggregates(events, instant, medians) : this.kept.of(c, events, instant, medians);
  }

  records(customerId: string): EventList {
    return this.columns.eventList(customerId);
  }

  /** Rules reading events older than their type's boundary (folded at the build) need a new build, which keeps them. */
  covers(needs: EventNeeds): boolean {
    return this.boundary.covers(needs);
  }

  forget(customerId: string): void {
    this.columns.forget(customerId);
    const c = this.customers.numberOf(customerId);
    if (c === undefined) return;
    this.folded.clear(c);
    this.kept.forget(c);
  }

  size(): { events: number; folded: number; bytes: number } {
    const held = this.columns.size();
    const folded = this.folded.size();
    return { events: held.events, folded: folded.folded, bytes: held.bytes + folded.bytes + this.ids.bytes };
  }

}
