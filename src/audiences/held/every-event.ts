import { eventFlagsSeen, liveFeatures, mediansByCategory, storeFlags, type FeatureRow, type StoreFlags } from '../../features/index.js';
import { sql } from '../../sql/index.js';
import type { EventNeeds, EventRecord } from '../../segments/index.js';
import type { Store, StoredEvent } from '../../store/index.js';
import { asOfMs, instantText } from '../customer-context.js';
import { EventColumns, type ColumnPlan, type CustomerNumbers } from '../event-columns.js';
import { StoredIds } from '../stored-ids.js';
import type { HeldEvents, WorkedOut, WorkOutContext } from './held-events.js';

const DAY_MS = 86_400_000;

/**
 * Every customer's events by column (EventColumns) and a filter of every stored id (StoredIds): a batch's customers
 * get their features computed in memory from their own events (each catalog entry's `live`, over the aggregates of
 * live-aggregates.ts), with no query, so a batch costs the work of its own customers whatever the store's size; the
 * duplicate check asks the store only about ids the filter may hold. What the store tracks at all (storeFlags) is
 * kept up to date from each batch's events, since a first view or discount changes every customer's features from
 * null to zero.
 */
export class EveryEvent implements HeldEvents {
  readonly holds = 'every event';
  /** Whether the events taken since the last work-out turned a store flag on: every live customer is then worked out. */
  private tracksMore = false;

  private constructor(
    private readonly columns: EventColumns,
    /** Every stored id (a filter). */
    private readonly ids: StoredIds,
    private flags: StoreFlags,
  ) {}

  /** Bytes an event held with every column at its narrowest. */
  static readonly LEAST_BYTES_PER_EVENT = EventColumns.LEAST_BYTES_PER_EVENT + StoredIds.BYTES_PER_ID;

  /** Bytes an event held in this store: its columns (EventColumns.plan) and its share of the ids' filter. */
  static async bytesPerEvent(store: Store): Promise<{ plan: ColumnPlan; bytes: number }> {
    const plan = await EventColumns.plan(store);
    return { plan, bytes: plan.bytesPerEvent + StoredIds.BYTES_PER_ID };
  }

  /** The store's events, each customer's in the slot of their number. */
  static async load(store: Store, storedEvents: number, plan: ColumnPlan, customers: CustomerNumbers): Promise<EveryEvent> {
    const ids = new StoredIds(storedEvents);
    const columns = await EventColumns.load(store, ids, plan, customers);
    const flags = (await store.one<StoreFlags>(storeFlags(sql`CAST('infinity' AS TIMESTAMP)`)))!;
    return new EveryEvent(columns, ids, flags);
  }

  mayHold(ids: readonly string[]): string[] {
    return ids.filter((id) => this.ids.mayHold(id));
  }

  take(stored: readonly StoredEvent[]): void {
    for (const e of stored) {
      this.ids.add(e.id);
      this.columns.append(e);
    }
    const more = [...eventFlagsSeen(stored)].filter((flag) => !this.flags[flag]);
    if (more.length) {
      this.flags = { ...this.flags, ...Object.fromEntries(more.map((flag) => [flag, true])) };
      this.tracksMore = true;
    }
  }

  workOut(_store: Store, customerIds: readonly string[], context: WorkOutContext): Promise<WorkedOut> {
    // A kind of event the store never had (a first view, say) turns null features into zeros for every customer.
    const ids = this.tracksMore ? [...new Set([...customerIds, ...context.liveIds()])] : customerIds;
    this.tracksMore = false;
    const inputs = { flags: this.flags, medians: mediansByCategory(context.medians), styleTagsPresent: this.columns.styleTagsPresent };
    const baseMs = asOfMs(context.base);
    const at = new Map<string, string>();
    const features = new Map<string, FeatureRow>();
    for (const id of ids) {
      const newest = this.columns.newest(id);
      const instant = newest >= baseMs ? Math.floor(newest / DAY_MS) * DAY_MS + DAY_MS : baseMs;
      at.set(id, newest >= baseMs ? instantText(instant) : context.base);
      const row = liveFeatures(this.columns.events(id), instant, context.createdAt(id), inputs);
      if (row) features.set(id, { customer_id: id, ...row });
    }
    return Promise.resolve({ ids, at, features, scoresHeld: true });
  }

  records(customerId: string, needs: EventNeeds, asOf: number): EventRecord[] {
    return this.columns.records(customerId, needs.types, needs.since?.(asOf) ?? Infinity);
  }

  /** Every event is held, so whatever rules read is at hand. */
  covers(): boolean {
    return true;
  }

  forget(customerId: string): void {
    this.columns.forget(customerId);
  }

  size(): { events: number; bytes: number } {
    const held = this.columns.size();
    return { events: held.events, bytes: held.bytes + this.ids.bytes };
  }

}
