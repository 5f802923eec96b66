/**
 * The rule language's syntax tree. Every audience a user writes (and every built-in smart segment) is a `Rule`;
 * the text form (parser.ts / printer.ts) round-trips with it, and two evaluators give it one meaning: compiled to
 * SQL for batch runs (sql-compiler.ts), evaluated in memory for one customer in real time (evaluate.ts).
 *
 * Logic is two-valued: a comparison whose left side is missing (NULL) is false, and `not` of it is true.
 */

export const COMPARE_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** A point in time: a calendar date, or a number of days before the as-of date. */
export type TimeValue = { kind: 'date'; date: string /* YYYY-MM-DD */ } | { kind: 'days_ago'; days: number };

export type Scalar = number | string | boolean;

/** The right-hand side of a comparison. */
export type Condition =
  | { op: CompareOp; value: Scalar | TimeValue }
  | { op: 'in' | 'not_in'; values: Scalar[] }
  | { op: 'between'; low: Scalar | TimeValue; high: Scalar | TimeValue }
  | { op: 'contains'; value: string }
  | { op: 'is_null' | 'is_not_null' };

/** A comparison with one value on the right: `=`, `!=`, `<`, `<=`, `>`, `>=`. */
export type Comparison = Extract<Condition, { op: CompareOp }>;
export const isComparison = (c: Condition): c is Comparison => (COMPARE_OPS as readonly string[]).includes(c.op);

/**
 * What product tags and search queries take: they are matched (`=`, `in`) or searched (`contains`), never ordered or
 * negated; `tag = "premium"` means "has the tag".
 */
export const MATCH_OPS = ['=', 'contains', 'in'] as const;
export type MatchCondition = Condition & { op: (typeof MATCH_OPS)[number] };
const isMatchCondition = (c: Condition): c is MatchCondition => (MATCH_OPS as readonly string[]).includes(c.op);

/** A condition on a list field as both evaluators take it: the checker allows only the match operators there. */
export function listCondition(c: Condition): MatchCondition {
  if (!isMatchCondition(c)) throw new Error(`a list filter does not take ${c.op}`);
  return c;
}

/** Product fields that hold a list (colors, materials, style tags): matched like tags. */
export const LIST_FILTER_FIELDS = ['tag', 'color', 'material', 'occasion'] as const;
export type ListFilterField = (typeof LIST_FILTER_FIELDS)[number];

/**
 * Occasions a product is made for. Stores carry them among the style tags (the demo's `party`, `work`...), so
 * `occasion = "party"` tests the same list as `tag = "party"`, but only takes these words: a misspelt occasion is an
 * error with a suggestion instead of an empty audience.
 */
export const OCCASIONS = [
  'work', 'office', 'party', 'evening', 'casual', 'sport', 'gym', 'travel', 'holiday', 'vacation', 'beach', 'wedding', 'formal',
  'outdoor', 'lounge', 'festival', 'date', 'everyday',
] as const;

/** Event fields a filter may test: product fields through the event's product, and the event's own fields. */
export const EVENT_FILTER_FIELDS = [
  'category',
  'brand',
  'tag',
  'color',
  'material',
  'occasion',
  'product',
  'price',
  'quantity',
  'channel',
  'device',
  'country',
  'query',
] as const;
export type EventFilterField = (typeof EVENT_FILTER_FIELDS)[number];

export interface EventFilter {
  field: EventFilterField;
  condition: Condition;
}

/** Which events count: all before the as-of date, the last N days before it, or between two dates (inclusive). */
export type Window = { kind: 'all' } | { kind: 'last_days'; days: number } | { kind: 'between'; from: string; to: string };

/**
 * count: matching events; sum: revenue of matching order/return lines (quantity x unit_price); first/last: timestamps;
 * share: units (quantity) of the matching lines over the units of all lines of that event type in the window, from 0
 * to 1 (null without any).
 */
export const EVENT_AGGREGATES = ['count', 'sum', 'first', 'last', 'share'] as const;
export type EventAggregate = (typeof EVENT_AGGREGATES)[number];

export interface EventSelector {
  /** An event type of the store (schema.ts EVENT_TYPES). */
  eventType: string;
  /** All must hold (a conjunction). */
  filters: EventFilter[];
}

export type Rule =
  | { kind: 'and'; rules: Rule[] }
  | { kind: 'or'; rules: Rule[] }
  | { kind: 'not'; rule: Rule }
  /** A catalog feature, e.g. `recency_days <= 30`. */
  | { kind: 'feature'; feature: string; condition: Condition }
  /** A customer column or attribute: `customer.country = "DE"`, `customer.attributes.gender = "f"`. */
  | { kind: 'attribute'; path: string[]; condition: Condition }
  /** An aggregate over the customer's events: `count(order where category = "shoes", last 90 days) >= 2`. */
  | { kind: 'event'; aggregate: EventAggregate; selector: EventSelector; window: Window; condition: Condition }
  /** Did it in the `within` days before the as-of date, but not in the most recent `recent` days of them. */
  | { kind: 'stopped'; selector: EventSelector; within: number; recent: number }
  | { kind: 'in_audience'; audience: string };

export type RuleKind = Rule['kind'];

/** The clauses a membership is explained by: the parts of a top-level `and`/`or`, or the rule itself. */
export function clausesOf(rule: Rule): Rule[] {
  return rule.kind === 'and' || rule.kind === 'or' ? rule.rules : [rule];
}

/** A value the condition compares with, which tells the type to read an untyped left side (a JSON attribute) as. */
export function comparedValue(c: Condition): Scalar | TimeValue | undefined {
  if ('value' in c) return c.value;
  if ('values' in c) return c.values[0];
  if ('low' in c) return c.low;
  return undefined;
}
