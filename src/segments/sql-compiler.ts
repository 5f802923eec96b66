import { assertNever } from '../shared/errors.js';
import { asTimestamp, compile, contains, days, ident, join, jsonText, listAnyContains, listContains, listHasAny, raw, sql, tryCast, type Sql } from '../sql/index.js';
import { comparedValue, isComparison, listCondition, type Condition, type EventFilter, type EventSelector, type ListFilterField, type Rule, type Scalar, type TimeValue, type Window } from './ast.js';

/**
 * Compiles rules to SQL for batch runs. A rule becomes a boolean expression over three relations joined per
 * customer: `f` (the customer feature table as of the run date), `c` (customers) and `e` (one row per customer with
 * every event aggregate the rules of the run need, computed once for them all; see `eventAggregatesRelation`).
 * Logic is two-valued to match the in-memory evaluator: every comparison is `coalesce(..., false)`.
 */

/** One per-customer event aggregate a rule needs; `alias` is its column in `e`. */
export interface EventAggregateSpec {
  alias: string;
  /** SQL aggregate over the events scan (`ev`, joined with its product `p`). */
  expr: Sql;
  /**
   * The same aggregate over a scan of only its type's events (a group's: eventAggregateGroups): the call (`count(*)`,
   * `max(ev.ts)`...) and the conditions of its FILTER past the type test, none where it counts every event of its type.
   */
  call: Sql;
  conditions: Sql[];
  /** The compiled text and values, to share one column among rules asking the same thing. */
  key: string;
  /** The events it can count: those of one type, from `since` on (undefined: all history), with their product when it reads the product's fields. */
  reads: EventReads;
}

/** The events an aggregate reads (see eventAggregatesRelation). */
export interface EventReads {
  type: string;
  /** Whether it reads fields of the event's product (the catalog row `p`). */
  product: boolean;
  /**
   * The catalog rows whose events it can count, as a condition on `p`; undefined where it reads no product field, or
   * where an event whose product the catalog lacks can count too (its product filters are all `is null`).
   */
  catalog: Sql | undefined;
  since: Sql | undefined;
}

export interface CompileContext {
  /** The as-of timestamp, as SQL (a bound value cast to TIMESTAMP). */
  asOf: Sql;
  /** Collects the event aggregates; shared by all rules of a run so that the events are scanned once. */
  aggregates: EventAggregateSpec[];
  /** SQL that is true when the customer (`f.customer_id`) is in the named audience. */
  inAudience: (name: string) => Sql;
  /**
   * How a rule reads an aggregate's value: by default `e.<alias>`, the relation of every aggregate
   * (eventAggregatesRelation); a run reads each group's own table instead (eventAggregateGroups).
   */
  column?: (spec: EventAggregateSpec) => Sql;
}

const isTime = (v: unknown): v is TimeValue => typeof v === 'object' && v !== null && 'kind' in v;

function literal(v: Scalar | TimeValue, ctx: CompileContext): Sql {
  if (!isTime(v)) return sql`${v}`;
  return v.kind === 'date' ? asTimestamp(v.date) : sql`(${ctx.asOf} - ${days(v.days)})`;
}

const OPS: Record<string, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** `left` tested against a condition; NULL on the left makes every test but `is null` false. */
function conditionSql(left: Sql, c: Condition, ctx: CompileContext): Sql {
  const test = ((): Sql => {
    if (isComparison(c)) return sql`${left} ${raw(OPS[c.op]!)} ${literal(c.value, ctx)}`;
    switch (c.op) {
      case 'in':
        return sql`${left} IN (${join(c.values.map((v) => literal(v, ctx)))})`;
      case 'not_in':
        return sql`${left} NOT IN (${join(c.values.map((v) => literal(v, ctx)))})`;
      case 'between':
        return sql`${left} BETWEEN ${literal(c.low, ctx)} AND ${literal(c.high, ctx)}`;
      case 'contains':
        return contains(left, c.value);
      case 'is_null':
        return sql`${left} IS NULL`;
      case 'is_not_null':
        return sql`${left} IS NOT NULL`;
      default:
        return assertNever(c, 'condition');
    }
  })();
  return sql`coalesce(${test}, false)`;
}

/** Occasions are carried among the style tags (ast.ts OCCASIONS). */
const LIST_COLUMNS: Record<ListFilterField, string> = { tag: 'p.style_tags', occasion: 'p.style_tags', color: 'p.colors', material: 'p.materials' };
const isListField = (field: EventFilter['field']): field is ListFilterField => Object.hasOwn(LIST_COLUMNS, field);

/** Lists: `=` and `in` ask whether the product carries the value(s), `contains` whether any item holds the text. */
function listFilter(column: string, condition: Condition): Sql {
  const tags = raw(column);
  const c = listCondition(condition);
  switch (c.op) {
    case '=':
      return sql`coalesce(${listContains(tags, c.value as string)}, false)`;
    case 'in':
      return sql`coalesce(${listHasAny(tags, c.values)}, false)`;
    case 'contains':
      return sql`coalesce(${listAnyContains(tags, c.value)}, false)`;
    default:
      return assertNever(c, 'condition');
  }
}

const FILTER_COLUMNS: Record<Exclude<EventFilter['field'], ListFilterField>, string> = {
  category: 'p.category',
  brand: 'p.brand',
  product: 'ev.product_id',
  price: 'ev.unit_price',
  quantity: 'ev.quantity',
  channel: 'ev.channel',
  device: 'ev.device',
  country: 'ev.country',
  query: 'ev.query',
};

/** A window's conditions on `ev.ts` (none for all history); the first is `ev.ts >= <its start>`, as fromEarliest writes it. */
function windowConditions(w: Window, ctx: CompileContext): Sql[] {
  switch (w.kind) {
    case 'all':
      return [];
    case 'last_days':
      return [sql`ev.ts >= ${sql`${ctx.asOf} - ${days(w.days)}`}`];
    case 'between':
      return [sql`ev.ts >= ${asTimestamp(w.from)}`, sql`ev.ts < ${asTimestamp(w.to)} + INTERVAL 1 DAY`];
    default:
      return assertNever(w, 'window');
  }
}

/** The filter fields read from the event's product (`p`), which the scan joins only for the aggregates that read them. */
const PRODUCT_FIELDS = new Set<string>([...Object.keys(LIST_COLUMNS), ...Object.entries(FILTER_COLUMNS).flatMap(([field, column]) => (column.startsWith('p.') ? [field] : []))]);

/** The earliest instant a window reaches (undefined: all history). */
function windowSince(w: Window, ctx: CompileContext): Sql | undefined {
  switch (w.kind) {
    case 'all':
      return undefined;
    case 'last_days':
      return sql`${ctx.asOf} - ${days(w.days)}`;
    case 'between':
      return asTimestamp(w.from);
    default:
      return assertNever(w, 'window');
  }
}

/** What an aggregate over a selector's events reads, from `since` on. */
function readsOf(s: EventSelector, ctx: CompileContext, since: Sql | undefined, filtered = true): EventReads {
  const onProduct = filtered ? s.filters.filter((f) => PRODUCT_FIELDS.has(f.field)) : [];
  // Every condition but `is null` is false on a missing value (conditionSql, listFilter): one such filter keeps the
  // selector to events of products the catalog holds.
  const inCatalog = onProduct.some((f) => f.condition.op !== 'is_null');
  return { type: s.eventType, product: onProduct.length > 0, catalog: inCatalog ? join(onProduct.map((f) => filterSql(f, ctx)), ' AND ') : undefined, since };
}

/** One filter of a selector, over the event `ev` and its product `p`. */
function filterSql(f: EventFilter, ctx: CompileContext): Sql {
  return isListField(f.field) ? listFilter(LIST_COLUMNS[f.field], f.condition) : conditionSql(raw(FILTER_COLUMNS[f.field]), f.condition, ctx);
}

/** The events a selector picks, as a filter over the scan (which already keeps only events before the as-of date). */
export function selectorSql(s: EventSelector, ctx: CompileContext): Sql {
  return join([sql`ev.type = ${s.eventType}`, ...s.filters.map((f) => filterSql(f, ctx))], ' AND ');
}

/**
 * Registers an aggregate (or finds the same one already registered) and returns its column in `e`: `call` over the
 * events of its type that meet `conditions`.
 */
function aggregate(ctx: CompileContext, call: Sql, conditions: Sql[], reads: EventReads): Sql {
  const expr = sql`${call} FILTER (WHERE ${join([sql`ev.type = ${reads.type}`, ...conditions], ' AND ')})`;
  const key = sqlKey(expr);
  let spec = ctx.aggregates.find((a) => a.key === key);
  if (!spec) {
    spec = { alias: `a${ctx.aggregates.length}`, expr, key, reads, call, conditions };
    ctx.aggregates.push(spec);
  }
  return ctx.column ? ctx.column(spec) : sql`e.${ident(spec.alias)}`;
}

export function compileRule(rule: Rule, ctx: CompileContext): Sql {
  switch (rule.kind) {
    case 'and':
      return rule.rules.length ? sql`(${join(rule.rules.map((r) => compileRule(r, ctx)), ' AND ')})` : sql`TRUE`;
    case 'or':
      return rule.rules.length ? sql`(${join(rule.rules.map((r) => compileRule(r, ctx)), ' OR ')})` : sql`FALSE`;
    case 'not':
      return sql`(NOT ${compileRule(rule.rule, ctx)})`;
    case 'feature':
      return conditionSql(sql`f.${ident(rule.feature)}`, rule.condition, ctx);
    case 'attribute':
      return conditionSql(attributeSql(rule.path, rule.condition), rule.condition, ctx);
    case 'event':
      return conditionSql(eventValue(rule, ctx), rule.condition, ctx);
    case 'stopped': {
      const filters = rule.selector.filters.map((f) => filterSql(f, ctx));
      const within = sql`${ctx.asOf} - ${days(rule.within)}`;
      const recentSince = sql`${ctx.asOf} - ${days(rule.recent)}`;
      const beforeOnes = [sql`ev.ts >= ${within}`, sql`ev.ts < ${recentSince}`];
      const before = aggregate(ctx, sql`count(*)`, [...filters, ...beforeOnes], readsOf(rule.selector, ctx, within));
      const recentOnes = [sql`ev.ts >= ${recentSince}`];
      const recent = aggregate(ctx, sql`count(*)`, [...filters, ...recentOnes], readsOf(rule.selector, ctx, recentSince));
      return sql`(coalesce(${before}, 0) > 0 AND coalesce(${recent}, 0) = 0)`;
    }
    case 'in_audience':
      return ctx.inAudience(rule.audience);
    default:
      return assertNever(rule, 'rule');
  }
}

/** The value an event rule compares: a count or revenue (0 without events), a first/last time or a share (NULL without). */
export function eventValue(rule: Extract<Rule, { kind: 'event' }>, ctx: CompileContext): Sql {
  const inWindow = windowConditions(rule.window, ctx);
  const conditions = [...rule.selector.filters.map((f) => filterSql(f, ctx)), ...inWindow];
  const reads = readsOf(rule.selector, ctx, windowSince(rule.window, ctx));
  const over = (call: Sql): Sql => aggregate(ctx, call, conditions, reads);
  switch (rule.aggregate) {
    case 'count':
      return sql`coalesce(${over(sql`count(*)`)}, 0)`;
    case 'sum':
      return sql`coalesce(${over(sql`sum(ev.quantity * ev.unit_price)`)}, 0)`;
    case 'first':
      return over(sql`min(ev.ts)`);
    case 'last':
      return over(sql`max(ev.ts)`);
    case 'share': {
      const picks = over(sql`sum(ev.quantity)`);
      const all = aggregate(ctx, sql`sum(ev.quantity)`, inWindow, readsOf(rule.selector, ctx, reads.since, false));
      return sql`(coalesce(${picks}, 0) / NULLIF(coalesce(${all}, 0), 0))`;
    }
    default:
      return assertNever(rule.aggregate, 'aggregate');
  }
}

/** A customers column, or a key of its JSON attributes read as the type the condition compares with. */
export function attributeSql(path: string[], c: Condition): Sql {
  if (path[0] !== 'attributes') return sql`c.${ident(path[0]!)}`;
  const text = jsonText(sql`c.attributes`, path.slice(1));
  const sample = comparedValue(c);
  if (typeof sample === 'number') return tryCast(text, 'DOUBLE');
  if (typeof sample === 'boolean') return tryCast(text, 'BOOLEAN');
  return text;
}

/** The events one aggregate group scans: those of one type, with their product or not (see eventAggregatesRelation). */
export const aggregateGroup = (reads: EventReads): string => JSON.stringify([reads.type, reads.product]);

/** One scan of the events: the aggregates of one group, by customer (`group`, from aggregateGroup). */
export interface EventAggregateGroup {
  group: string;
  specs: EventAggregateSpec[];
  /** One row per customer with events of the group: customer_id and the group's aggregates. */
  relation: Sql;
}

/**
 * The aggregates grouped by what they read (an event type, with or without the product's fields); each group is one
 * scan of only its type's events from its widest window's start, joined with the products only where it reads them
 * (catalogJoin), so each event is tested against its own type's aggregates only. One scan of every event before the
 * date, each joined with its product and tested against every aggregate's filter, cost 1.4x to 1.8x as much CPU at 1M
 * customers with the audiences benchmark's rules (docs/benchmarks.md, issue 18). A run stores each group as its own
 * table and joins a rule only to the groups it reads (audiences/rules.ts): at 1M customers with the benchmark's
 * rules, merging them into one row per customer (eventAggregatesRelation) in the same statement cost 1.3x to 1.5x
 * the CPU of the scans alone (docs/benchmarks.md, issue 18).
 */
export function eventAggregateGroups(ctx: CompileContext): EventAggregateGroup[] {
  return groupsOf(ctx).map(([group, specs]) => ({ group, specs, relation: groupScan(ctx, specs, (columns) => specs.map((a) => sql`${columns(a)} AS ${ident(a.alias)}`)) }));
}

function groupsOf(ctx: CompileContext): Array<[string, EventAggregateSpec[]]> {
  const groups = new Map<string, EventAggregateSpec[]>();
  for (const a of ctx.aggregates) groups.set(aggregateGroup(a.reads), [...(groups.get(aggregateGroup(a.reads)) ?? []), a]);
  return [...groups.entries()];
}

/**
 * One group's scan, its columns written by `columns` from how it writes each of its aggregates. The scan keeps only
 * the group's type, so an aggregate tests only its other conditions; a condition every aggregate of the group tests
 * (the window of a group of one window, the filters of a group of one selector) is tested once, in the WHERE, and
 * the customers it drops are those whose aggregates would all be 0 or NULL, which every rule reads as no row (counts
 * and sums through coalesce). At 1M customers with the benchmark's rules, warm and alternated in one process, the 7
 * group tables took 0.96x the CPU of every aggregate testing its type and all its conditions in its FILTER (the
 * order group of all history 0.92x, the searches' 0.86x; docs/benchmarks.md, issue 18).
 */
function groupScan(ctx: CompileContext, specs: readonly EventAggregateSpec[], columns: (column: (spec: EventAggregateSpec) => Sql) => readonly Sql[]): Sql {
  const { type, product } = specs[0]!.reads;
  const shared = specs[0]!.conditions.filter((c) => specs.every((a) => a.conditions.some((d) => sameSql(c, d))));
  const column = (a: EventAggregateSpec): Sql => {
    const own = a.conditions.filter((c) => !shared.some((d) => sameSql(c, d)));
    return own.length ? sql`${a.call} FILTER (WHERE ${join(own, ' AND ')})` : a.call;
  };
  return sql`SELECT ev.customer_id AS customer_id, ${join(columns(column))}
      FROM events ev ${product ? catalogJoin(specs) : sql``}
      WHERE ${join([sql`ev.ts < ${ctx.asOf}`, sql`ev.customer_id IS NOT NULL`, sql`ev.type = ${type}`, ...distinct([...fromEarliest(specs), ...shared])], ' AND ')}
      GROUP BY ev.customer_id`;
}

/**
 * The relation `e`: every collected event aggregate per customer, one row a customer with events: the groups' scans
 * (eventAggregateGroups) merged per customer, for the statements that read a rule at once (previews). At 1M
 * customers with the benchmark's rules the merge cost 3.2 CPU s on top of the scans' 9.6 (docs/benchmarks.md, issue
 * 18), which is why a run reads the groups' tables instead. Undefined when no rule needs events.
 */
export function eventAggregatesRelation(ctx: CompileContext): Sql | undefined {
  if (ctx.aggregates.length === 0) return undefined;
  const scans = groupsOf(ctx).map(([, specs]) =>
    groupScan(ctx, specs, (column) => ctx.aggregates.map((a) => (specs.includes(a) ? sql`${column(a)} AS ${ident(a.alias)}` : sql`NULL AS ${ident(a.alias)}`))),
  );
  if (scans.length === 1) return scans[0];
  // Each scan gives a customer one row with its own aggregates and NULL for the others': max() keeps each one's value.
  return sql`SELECT customer_id, ${join(ctx.aggregates.map((a) => sql`max(${ident(a.alias)}) AS ${ident(a.alias)}`))}
    FROM (${join(scans, ' UNION ALL ')}) s GROUP BY customer_id`;
}

/**
 * The event's product for aggregates that read its fields: where each counts only events of some catalog rows, only
 * the rows any of them can count are joined, and the events of other products dropped by the join (at 1M customers,
 * `category = "shoes"` and `tag = "premium"` over a year of orders: 2.5-2.8 CPU s against 4.6-6.3 for joining every
 * order with its product); else every event with its product, if the catalog has it.
 */
function catalogJoin(specs: readonly EventAggregateSpec[]): Sql {
  const catalog = specs.flatMap((a) => (a.reads.catalog ? [a.reads.catalog] : []));
  if (catalog.length < specs.length) return sql`LEFT JOIN products p ON p.id = ev.product_id`;
  return sql`JOIN (SELECT * FROM products p WHERE ${join(distinct(catalog).map((c) => sql`(${c})`), ' OR ')}) p ON p.id = ev.product_id`;
}

/**
 * The events these aggregates can count by their time, as a condition (none where one reads all history): from the
 * earliest start of their windows; for one start, written as the window's own first condition (windowConditions), so
 * that a group of one window tests it once.
 */
function fromEarliest(specs: readonly EventAggregateSpec[]): Sql[] {
  const since = specs.every((a) => a.reads.since) ? distinct(specs.map((a) => a.reads.since!)) : [];
  if (since.length === 0) return [];
  return since.length === 1 ? [sql`ev.ts >= ${since[0]!}`] : [sql`(${join(since.map((s) => sql`ev.ts >= ${s}`), ' OR ')})`];
}

/** The expressions of `list` without repeats (by compiled text and values). */
function distinct(list: readonly Sql[]): Sql[] {
  const seen = new Map(list.map((q) => [sqlKey(q), q]));
  return [...seen.values()];
}

/** An expression's compiled text and values as one string: two expressions are the same where their keys are. */
const sqlKey = (q: Sql): string => JSON.stringify(compile(q));

const sameSql = (a: Sql, b: Sql): boolean => sqlKey(a) === sqlKey(b);
