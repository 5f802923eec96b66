import { RunningAggregates, type CustomerEvents, type PartialAggregates } from '../../features/index.js';

/**
 * The partial aggregates of the held events of the customers worked out last (RunningAggregates), kept by customer
 * number between work-outs, so that a customer's features cost the events appended since rather than all their held
 * events: recurring customers pile events up, and recounting them all at each refresh was the largest function of the
 * server's CPU at 1M (docs/benchmarks.md, issue 17). A kept one is used only where adding the new events to it is the
 * recount: as of the same instant (the windows are counted from it; a new day or a newer event moves it) and
 * medians, over the same events at the same positions (EventColumns.events: appends only add positions at the end).
 * Whoever changes a customer's held events otherwise forgets theirs (EveryEvent: an erasure, a customer sent to the
 * store path); a new build starts with none.
 *
 * They live in the JS heap, 1.2 to 1.6 KB a customer on the 100k demo store (docs/live-view.md), so at most `limit`
 * customers' are kept, the least recently worked out dropped first.
 */
export class KeptAggregates {
  /** Customers kept by default: 40 to 52 MB of heap at the demo store's sizes (docs/live-view.md). */
  static readonly MAX_CUSTOMERS = 1 << 15;
  /** By customer number, the least recently worked out first (a Map keeps the order of insertion). */
  private readonly kept = new Map<number, RunningAggregates>();

  constructor(private readonly limit = KeptAggregates.MAX_CUSTOMERS) {}

  /**
   * Customer `c`'s held `events`' partial aggregates before `asOf`: those kept with the events appended since added,
   * where kept as of this instant and these medians, else a recount; kept either way. Valid until the next call.
   */
  of(c: number, events: CustomerEvents, asOf: number, medians: ReadonlyMap<string, number>): PartialAggregates {
    let kept = this.kept.get(c);
    if (kept !== undefined) this.kept.delete(c);
    if (kept === undefined || kept.asOf !== asOf || kept.medians !== medians) kept = new RunningAggregates(asOf, medians);
    this.kept.set(c, kept.add(events));
    if (this.kept.size > this.limit) this.kept.delete(this.kept.keys().next().value!);
    return kept.partial();
  }

  /** Drops customer `c`'s, whose held events changed otherwise than by appends. */
  forget(c: number): void {
    this.kept.delete(c);
  }
}
