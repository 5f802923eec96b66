import { customerFeaturesQuery, storeFlags, type FeatureRow, type StoreFlags } from '../../features/index.js';
import { ident, join, raw, sql } from '../../sql/index.js';
import type { EventNeeds, EventRecord } from '../../segments/index.js';
import type { KnownIds, Store, StoredEvent } from '../../store/index.js';
import { asOfMs, instantText } from '../customer-context.js';
import { EventColumns, FEATURE_EVENT_COLUMNS, type ColumnPlan, type CustomerNumbers } from '../event-columns.js';
import { byInstant } from '../realtime.js';
import { StoredIds } from '../stored-ids.js';
import type { HeldEvents, WorkedOut, WorkOutContext } from './held-events.js';

/** The temporary table a refresh puts its customers' events in for the feature query, kept (empty) between refreshes. */
const LIVE_EVENTS = 'live_view_events';
const LIVE_EVENTS_TABLE = sql`CREATE TEMP TABLE IF NOT EXISTS ${ident(LIVE_EVENTS)} (${join(FEATURE_EVENT_COLUMNS.map(([name, type]) => sql`${ident(name)} ${raw(type)}`))})`;
const DAY_MS = 86_400_000;

/**
 * Every customer's events by column (EventColumns) and a filter of every stored id (StoredIds): a batch's customers
 * get their features from the feature query itself over their own events in a temporary table, never over the
 * store's events, so a batch costs the work of its own customers whatever the store's size; the duplicate check asks
 * the store only about ids the filter may hold. What the store tracks at all (storeFlags) is kept up to date, since
 * a first view or discount changes every customer's features from null to zero.
 */
export class EveryEvent implements HeldEvents {
  readonly holds = 'every event';

  private constructor(
    private readonly columns: EventColumns,
    /** Every stored id (a filter), and how many events the store held at the build and since through the view. */
    private readonly ids: StoredIds,
    private storedEvents: number,
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
    return new EveryEvent(columns, ids, storedEvents, flags);
  }

  knownIds(): KnownIds {
    return { events: this.storedEvents, mayHold: (ids) => ids.filter((id) => this.ids.mayHold(id)) };
  }

  take(stored: readonly StoredEvent[]): void {
    for (const e of stored) {
      this.ids.add(e.id);
      this.columns.append(e);
    }
    this.storedEvents += stored.length;
  }

  async workOut(store: Store, customerIds: readonly string[], context: WorkOutContext): Promise<WorkedOut> {
    const baseMs = asOfMs(context.base);
    const at = new Map<string, string>();
    for (const id of customerIds) {
      const newest = this.columns.newest(id);
      at.set(id, newest >= baseMs ? instantText(Math.floor(newest / DAY_MS) * DAY_MS + DAY_MS) : context.base);
    }
    await store.run(LIVE_EVENTS_TABLE);
    const features = new Map<string, FeatureRow>();
    let more: boolean;
    try {
      // Inside the try: the table outlives the turn, and an append that fails partway must not leave its rows for the next.
      await store.insertRows(LIVE_EVENTS, this.columns.featureRows(customerIds));
      // A kind of event the store never had (a first view, say) turns null features into zeros for every customer.
      more = await this.tracksMore(store);
      if (!more) {
        for (const [instant, group] of byInstant(at)) {
          const q = customerFeaturesQuery({ asOf: instant, customerIds: group, categoryMedians: context.medians, events: LIVE_EVENTS, flags: this.flags, withoutScores: true });
          for (const row of await store.all<FeatureRow>(q)) features.set(String(row.customer_id), row);
        }
      }
    } finally {
      await store.run(sql`DELETE FROM ${ident(LIVE_EVENTS)}`);
    }
    return more ? this.workOut(store, [...new Set([...customerIds, ...context.liveIds()])], context) : { ids: customerIds, at, features, scoresHeld: true };
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

  /** Adds what the refreshed customers' events show the store tracks; true when that is more than before. */
  private async tracksMore(store: Store): Promise<boolean> {
    if (Object.values(this.flags).every(Boolean)) return false;
    const seen = (await store.one<StoreFlags>(storeFlags(sql`CAST('infinity' AS TIMESTAMP)`, LIVE_EVENTS)))!;
    const more = (Object.keys(seen) as Array<keyof StoreFlags>).filter((k) => seen[k] && !this.flags[k]);
    if (more.length) this.flags = { ...this.flags, ...Object.fromEntries(more.map((k) => [k, true])) };
    return more.length > 0;
  }
}
