import type { CategoryMedian, FeatureRow } from '../../features/index.js';
import type { EventList, EventNeeds } from '../../segments/index.js';
import type { Store, StoredEvent } from '../../store/index.js';

/** What the view tells its events when customers are worked out again. */
export interface WorkOutContext {
  /** The reference base at the view's build (see referenceBase). */
  base: string;
  /** Category medians as of the build, for `premium_index`. */
  medians: readonly CategoryMedian[];
  /** The customers the view holds as live (features of their own): those a store-wide change touches too. */
  liveIds: () => string[];
  /**
   * The customer's created_at as the store has it now (epoch ms; null when unset), undefined for a customer without a
   * customers row: whose features the feature query does not give.
   */
  createdAt: (customerId: string) => number | null | undefined;
}

/** Customers worked out again: each one's reference instant and features; those without features left the store. */
export interface WorkedOut {
  /** The customers asked about, and any others the work showed changed too. */
  ids: readonly string[];
  at: ReadonlyMap<string, string>;
  features: ReadonlyMap<string, FeatureRow>;
  /** The CLV scores are left null: the view keeps those it holds (the latest run's, which no event changes). */
  scoresHeld?: boolean;
}

/**
 * How a live view holds events (see LiveView): every event by column, or only the events its rules read. The view
 * builds the first mode of VIEW_MODES (live-view.ts) that fits the memory setting.
 */
export interface HeldEvents {
  /** What is held, as documented (docs/live-view.md). */
  readonly holds: 'every event' | "the rules' events";
  /** Of these event ids, those the store may hold (a filter of every stored id); absent where the view has none. */
  mayHold?(ids: readonly string[]): string[];
  /** Events a batch stored (ingestEventBatch's `stored`), as soon as they are. */
  take(stored: readonly StoredEvent[]): void;
  /** Features and reference instants of these customers (see realtime.ts), as of what is held and stored now. */
  workOut(store: Store, customerIds: readonly string[], context: WorkOutContext): Promise<WorkedOut>;
  /**
   * The customer's events as the rule evaluator reads them: every one of the needed types at or after the needs' bound
   * for `asOf`, and maybe others (of types no rule reads, or before every window), which the evaluator passes over.
   */
  records(customerId: string, needs: EventNeeds, asOf: number): EventList;
  /** Whether rules with these needs can be evaluated from what is held; if not, the view must be built again. */
  covers(needs: EventNeeds): boolean;
  forget(customerId: string): void;
  /** Events held, events folded into per-customer aggregates at the build, and their bytes outside the heap. */
  size(): { events: number; folded: number; bytes: number };
}
