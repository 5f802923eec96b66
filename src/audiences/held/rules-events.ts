import type { FeatureRow } from '../../features/index.js';
import { fromMillis, join, sql } from '../../sql/index.js';
import type { EventNeeds, EventRecord } from '../../segments/index.js';
import type { Store } from '../../store/index.js';
import { asOfMs, eventRecords, loadCustomerContexts } from '../customer-context.js';
import { byInstant, referenceTimes } from '../realtime.js';
import type { HeldEvents, WorkedOut, WorkOutContext } from './held-events.js';

/** Beyond this many events of the kinds and window the rules read, the view is not built in this mode. */
const MAX_VIEW_EVENTS = 5_000_000;

/**
 * Only the events the active rules read (their types, within their longest window), as records on the heap, a
 * customer's list at a time: the view main had before every event was held, for a store whose every event does not
 * fit the memory setting. Lookups are answered from memory as in the other mode; a batch's customers are worked out
 * by store queries (their features over the store's events), and the duplicate check joins every stored id.
 */
export class RulesEvents implements HeldEvents {
  readonly holds = "the rules' events";
  /** The latest instant a customer is as of; the earliest is the base, which every customer is as of or after. */
  private newest: number;

  private constructor(
    private readonly needs: EventNeeds,
    private readonly base: number,
    private readonly events: Map<string, EventRecord[]>,
  ) {
    this.newest = base;
  }

  /** The rules' events as of `base`; undefined beyond MAX_VIEW_EVENTS. */
  static async load(store: Store, needs: EventNeeds, base: string): Promise<RulesEvents | undefined> {
    const since = needs.since?.(asOfMs(base));
    if (!needs.since) return new RulesEvents(needs, asOfMs(base), new Map());
    const counted = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events
      WHERE type IN (${join([...needs.types].map((t) => sql`${t}`))}) AND ${Number.isFinite(since) ? sql`ts >= ${fromMillis(since!)}` : sql`TRUE`}`);
    if ((counted?.n ?? 0) > MAX_VIEW_EVENTS) return undefined;
    return new RulesEvents(needs, asOfMs(base), await eventRecords(store, 'all', { before: base, types: needs.types, since }));
  }

  /** The store checks every id: the view knows too few of them. */
  /** Batches' events are read back from the store when their customers are worked out. */
  take(): void {}

  async workOut(store: Store, customerIds: readonly string[], context: WorkOutContext): Promise<WorkedOut> {
    const at = await referenceTimes(store, customerIds, context.base);
    const features = new Map<string, FeatureRow>();
    for (const [instant, group] of byInstant(at)) {
      const loaded = await loadCustomerContexts(store, group, instant, () => () => false, {
        categoryMedians: context.medians,
        events: { types: this.needs.types, since: this.needs.since?.(asOfMs(instant)) },
      });
      for (const [id, ctx] of loaded) {
        features.set(id, ctx.features);
        this.events.set(id, [...ctx.events]);
        this.newest = Math.max(this.newest, ctx.asOf);
      }
    }
    return { ids: customerIds, at, features };
  }

  records(customerId: string, needs: EventNeeds, asOf: number): EventRecord[] {
    const since = needs.since?.(asOf) ?? Infinity;
    return (this.events.get(customerId) ?? []).filter((e) => needs.types.has(e.type) && e.ts >= since);
  }

  /** Rules reading other types, or further back than held for any instant a customer is at, need a new build. */
  covers(wants: EventNeeds): boolean {
    const had = this.needs;
    if (!wants.since) return true;
    if (!had.since || [...wants.types].some((t) => !had.types.has(t))) return false;
    return [this.base, this.newest].every((t) => wants.since!(t) >= had.since!(t));
  }

  forget(customerId: string): void {
    this.events.delete(customerId);
  }

  /** Records are on the heap (counted with the customers), none outside it. */
  size(): { events: number; folded: number; bytes: number } {
    let events = 0;
    for (const list of this.events.values()) events += list.length;
    return { events, folded: 0, bytes: 0 };
  }
}
