import type { z } from 'zod';
import type { CustomerContext, Thresholds } from '../../segments/index.js';
import type { Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import type { ClauseExplanation } from '../clauses.js';

/**
 * An audience kind: one module says everything Segmint does differently for its audiences — how they are stored
 * (the definition), materialized as of a run date, evaluated live for one customer, explained and described. The
 * rest of the code asks the registry (kinds/index.ts) and never branches on a kind's name. docs/audience-kinds.md
 * says how to add one.
 */

/** A stored audience of the kind: schema.ts's Audience with the kind's own definition. */
export interface KindAudience<D> {
  id: string;
  name: string;
  kind: string;
  description: string | null;
  definition: D;
  active: boolean;
}

/** One audience a customer is in, as a live answer gives it. */
export interface LiveMember<K extends string = string> {
  id: string;
  name: string;
  kind: K;
  reasons: string | null;
}

/** What a run hands each kind: its date, the feature table as of that date, and the store's thresholds then. */
export interface RunContext {
  store: Store;
  /** `YYYY-MM-DD HH:MM:SS`. */
  asOf: string;
  /** The same date as a SQL timestamp. */
  at: Sql;
  /** The customer feature table as of the date (features/table.ts): one row per customer, one column per feature. */
  table: string;
  thresholds: Thresholds;
}

/**
 * A kind whose audiences are rules of the segments language. The rule engine (rules.ts) does the rest for every such
 * kind alike: a run evaluates them level by level (`in audience` sees the levels below and every other kind),
 * scores and explains them clause by clause, evaluates them live, previews them, and computes one at once when it
 * is created or changed.
 */
export interface ComputedByRule<D> {
  by: 'rule';
  /** The rule it runs with under these thresholds; undefined while it has none (a smart segment before any run). */
  rule(definition: D, thresholds: Thresholds | undefined): string | undefined;
}

/** Live answers for one customer at a time from the customer's features, events and customer row. */
export type LiveEvaluator<K extends string = string> = (ctx: CustomerContext) => Array<LiveMember<K>>;

/**
 * A kind computed by its own SQL over the feature table. Runs materialize these kinds first, so rules can read their
 * members through `in audience`.
 */
export interface ComputedBySql<K extends string, D> {
  by: 'sql';
  /**
   * The members as of the run: a relation with the columns audience_id, customer_id, score (how strongly, 0 to 1;
   * members are listed highest first) and reasons (text), or undefined when there are none to store. `audiences` are
   * the kind's active ones. A scored kind may first store what it needs beyond membership (every customer's score,
   * its signals) in tables of its own, in the run's transaction, and select its members from them.
   */
  materialize(run: RunContext, audiences: ReadonlyArray<KindAudience<D>>): Promise<Sql | undefined>;
  /**
   * How live answers (real time, the live view, classify) place a customer: 'snapshot' where membership is a
   * position in the whole population (an RFM cell), so the latest run's members stand; else an evaluator of one
   * customer at a time, loaded for the kind's active audiences as of the latest run (or the latest on or before
   * `bound`, for answers as of an earlier date).
   */
  live: 'snapshot' | { load(store: Store, audiences: ReadonlyArray<KindAudience<D>>, bound?: string): Promise<LiveEvaluator<K>> };
  /**
   * Why a customer is or is not in the audience as of a stored run, clause by clause (or signal by signal), from the
   * customer's context as of that run; none when left out.
   */
  explain?(audience: KindAudience<D>, ctx: CustomerContext, run: { store: Store; asOf: string }): Promise<ClauseExplanation[]>;
}

/** A built-in audience every store holds. */
export interface BuiltinAudience<D> {
  id: string;
  name: string;
  description: string;
  definition: D;
}

export interface AudienceKindSpec<K extends string, D> {
  kind: K;
  /** Its audiences as a group, in listings and the dashboard: "Smart segments". */
  label: string;
  /** One audience of the kind, in a message: "an RFM cell group". */
  noun: string;
  /** What its audiences are, in a sentence. */
  about: string;
  /** The stored definition: a strict object whose `kind` is the kind. */
  definition: z.ZodType<D>;
  /** Listings show kinds in ascending order, then by creation. */
  order: number;
  /** Users create, change and delete its audiences; the others are built in or made by a fit, and only (de)activated. */
  userDefined: boolean;
  /** A user-defined kind: its definition with a new rule the user wrote (canonical text), as a rule change stores it. */
  withRule?(definition: D, rule: string): D;
  /** Left out of listings while inactive (the clusters of an earlier fit: kept for their history). */
  hiddenWhenInactive: boolean;
  /** A ready-made grouping a new audience is placed against: a custom behavior's preview shows its overlap with them. */
  landmark: boolean;
  /** Audiences every store holds, added once (idempotent). */
  builtins?(): ReadonlyArray<BuiltinAudience<D>>;
  /** What it selects, in words; `ruleText` is the rule the latest run computed it with, if any. */
  describe(definition: D, ruleText: string | null): string;
  /** The audiences (names) it reads through `in audience`. */
  references?(definition: D): string[];
  /** A finer family inside the kind that movement can keep to (a clustering's method). */
  family?(definition: D): string;
  compute: ComputedByRule<D> | ComputedBySql<K, D>;
}

/** Declares a kind, its definition's type read from its schema; register it in kinds/index.ts. */
export const defineKind = <K extends string, S extends z.ZodObject>(spec: AudienceKindSpec<K, z.output<S>> & { definition: S }): AudienceKindSpec<K, z.output<S>> & { definition: S } =>
  spec;
