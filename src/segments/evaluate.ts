import { assertNever } from '../shared/errors.js';
import { printRule } from './printer.js';
import {
  clausesOf,
  comparedValue,
  isComparison,
  listCondition,
  type CompareOp,
  type Condition,
  type EventAggregate,
  type EventFilter,
  type EventSelector,
  type ListFilterField,
  type MatchCondition,
  type Rule,
  type Scalar,
  type TimeValue,
  type Window,
} from './ast.js';

/**
 * Evaluates rules for one customer in memory, for real-time classification. It must mean exactly what
 * sql-compiler.ts means (the conformance suite runs both over the same data): two-valued logic, a missing left side
 * fails every test but `is null`, times compare as instants, event windows end just before the as-of date.
 *
 * Rules are compiled once into closures (CompiledRules), with their constants resolved then (dates, a list filter's
 * condition, each clause's text for reasons), and every event aggregate of the rules computed in one pass over a
 * customer's events, each event tested only against the aggregates of its type: the live view evaluates the rules
 * for every customer it saves or looks up, and walking each rule's syntax tree (two passes over the events an event
 * clause, and the member's clauses evaluated again for reasons) was three quarters of that evaluation at 100k
 * (docs/benchmarks.md, issue 17).
 */

const DAY_MS = 86_400_000;

/** One of the customer's events before the as-of date, with its product's fields. */
export interface EventRecord {
  type: string;
  /** Epoch milliseconds. */
  ts: number;
  product_id: string | null;
  quantity: number | null;
  unit_price: number | null;
  channel: string | null;
  device: string | null;
  country: string | null;
  query: string | null;
  category: string | null;
  brand: string | null;
  style_tags: readonly string[] | null;
  colors: readonly string[] | null;
  materials: readonly string[] | null;
}

/**
 * A customer's events as the evaluator reads them, by position: an array of records, or a view of events held
 * otherwise whose `at` may give one object moved from event to event (the evaluator reads each before asking for the
 * next). Events of types no rule reads, or before every window, may be among them: the evaluator passes over them.
 */
export interface EventList {
  readonly length: number;
  at(i: number): EventRecord | undefined;
}

export interface CustomerContext {
  /** Epoch milliseconds of the as-of date. */
  asOf: number;
  features: Readonly<Record<string, unknown>>;
  /** The customers row: columns by name, `attributes` as an object (or its JSON text). */
  customer: Readonly<Record<string, unknown>>;
  events: EventList;
  inAudience: (name: string) => boolean;
}

type Value = number | string | boolean | null;

/** Dates arrive as Date objects from DuckDB; compared as instants. */
function normalise(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A right-hand side at an as-of instant: a date is resolved once, `N days ago` at each customer's instant. */
function rightSide(v: Scalar | TimeValue): (asOf: number) => Value {
  if (typeof v !== 'object') return () => v;
  if (v.kind === 'date') {
    const at = Date.parse(`${v.date}T00:00:00Z`);
    return () => at;
  }
  const ago = v.days;
  return (asOf) => asOf - ago * DAY_MS;
}

const HOLDS: Record<CompareOp, (order: number) => boolean> = {
  '=': (d) => d === 0,
  '!=': (d) => d !== 0,
  '<': (d) => d < 0,
  '<=': (d) => d <= 0,
  '>': (d) => d > 0,
  '>=': (d) => d >= 0,
};

/** A condition compiled: whether a left-side value passes it at an as-of instant. */
type ConditionTest = (raw: unknown, asOf: number) => boolean;

function conditionTest(c: Condition): ConditionTest {
  if (isComparison(c)) {
    const right = rightSide(c.value);
    const holds = HOLDS[c.op];
    return (raw, asOf) => {
      const left = normalise(raw);
      return left !== null && holds(compare(left, right(asOf)));
    };
  }
  switch (c.op) {
    case 'is_null':
      return (raw) => normalise(raw) === null;
    case 'is_not_null':
      return (raw) => normalise(raw) !== null;
    case 'in': {
      const values = c.values;
      return (raw) => {
        const left = normalise(raw);
        return left !== null && values.some((v) => compare(left, v) === 0);
      };
    }
    case 'not_in': {
      const values = c.values;
      return (raw) => {
        const left = normalise(raw);
        return left !== null && values.every((v) => compare(left, v) !== 0);
      };
    }
    case 'between': {
      const low = rightSide(c.low);
      const high = rightSide(c.high);
      return (raw, asOf) => {
        const left = normalise(raw);
        return left !== null && compare(left, low(asOf)) >= 0 && compare(left, high(asOf)) <= 0;
      };
    }
    case 'contains': {
      const text = c.value;
      return (raw) => {
        const left = normalise(raw);
        return left !== null && String(left).includes(text);
      };
    }
    default:
      return assertNever(c, 'condition');
  }
}

/** Mirrors the SQL compiler's list filter: membership for `=` and `in`, a substring of any item for `contains`. */
function listTest(condition: Condition): (tags: readonly string[] | null) => boolean {
  let c: MatchCondition;
  try {
    c = listCondition(condition);
  } catch (err) {
    // A stored rule the checker would refuse fails where one of its events is tested, as it always did, not at compiling.
    return () => {
      throw err;
    };
  }
  switch (c.op) {
    case '=': {
      const value = c.value as string;
      return (tags) => tags !== null && tags.includes(value);
    }
    case 'in': {
      const values = c.values as string[];
      return (tags) => tags !== null && values.some((v) => tags.includes(v));
    }
    case 'contains': {
      const text = c.value;
      return (tags) => tags !== null && tags.some((t) => t.includes(text));
    }
    default:
      return assertNever(c, 'condition');
  }
}

/**
 * What each filter field reads of an event, as a function a field: a record read at a property named by a variable
 * was a lookup by name each time (the view's records are getters, on a class of their own).
 */
const LIST_FIELDS: Record<ListFilterField, (e: EventRecord) => readonly string[] | null> = {
  tag: (e) => e.style_tags,
  occasion: (e) => e.style_tags,
  color: (e) => e.colors,
  material: (e) => e.materials,
};
const isListField = (field: EventFilter['field']): field is ListFilterField => Object.hasOwn(LIST_FIELDS, field);

const FILTER_FIELDS: Record<Exclude<EventFilter['field'], ListFilterField>, (e: EventRecord) => unknown> = {
  category: (e) => e.category,
  brand: (e) => e.brand,
  product: (e) => e.product_id,
  price: (e) => e.unit_price,
  quantity: (e) => e.quantity,
  channel: (e) => e.channel,
  device: (e) => e.device,
  country: (e) => e.country,
  query: (e) => e.query,
};

type EventTest = (e: EventRecord, asOf: number) => boolean;

/** A selector's filters (its type is matched before): all must hold. */
function filtersTest(s: EventSelector): EventTest {
  const tests = s.filters.map((f): EventTest => {
    if (isListField(f.field)) {
      const read = LIST_FIELDS[f.field];
      const test = listTest(f.condition);
      return (e) => test(read(e));
    }
    const read = FILTER_FIELDS[f.field];
    const test = conditionTest(f.condition);
    return (e, asOf) => test(read(e), asOf);
  });
  if (tests.length === 0) return () => true;
  return (e, asOf) => {
    for (const test of tests) if (!test(e, asOf)) return false;
    return true;
  };
}

/** Whether an event's instant is in a window, dates resolved once. */
function windowTest(w: Window): (ts: number, asOf: number) => boolean {
  switch (w.kind) {
    case 'all':
      return () => true;
    case 'last_days': {
      const days = w.days;
      return (ts, asOf) => ts >= asOf - days * DAY_MS;
    }
    case 'between': {
      const from = Date.parse(`${w.from}T00:00:00Z`);
      const to = Date.parse(`${w.to}T00:00:00Z`) + DAY_MS;
      return (ts) => ts >= from && ts < to;
    }
    default:
      return assertNever(w, 'window');
  }
}

/**
 * One event aggregate as a few running values a customer (slots of a Float64Array from `at`), added to in the events'
 * order (a sum's last bits depend on the order of its terms, and reasons print them): `add` takes an event of its
 * type before the as-of instant, `value` gives what the clause compares (null where SQL gives NULL).
 */
interface Accumulator {
  type: string;
  /** Its slots' values before any event. */
  initial: readonly number[];
  add(e: EventRecord, ts: number, asOf: number, acc: Float64Array, at: number): void;
  value(acc: Float64Array, at: number): number | null;
}

function aggregateOf(aggregate: EventAggregate, s: EventSelector, w: Window): Accumulator {
  const inWindow = windowTest(w);
  const picks = filtersTest(s);
  const type = s.eventType;
  switch (aggregate) {
    case 'count':
      return {
        type,
        initial: [0],
        add: (e, ts, asOf, acc, at) => {
          if (inWindow(ts, asOf) && picks(e, asOf)) acc[at] = acc[at]! + 1;
        },
        value: (acc, at) => acc[at]!,
      };
    case 'sum':
      return {
        type,
        initial: [0],
        add: (e, ts, asOf, acc, at) => {
          if (!inWindow(ts, asOf) || !picks(e, asOf)) return;
          const quantity = e.quantity;
          const price = e.unit_price;
          if (quantity !== null && price !== null) acc[at] = acc[at]! + quantity * price;
        },
        value: (acc, at) => acc[at]!,
      };
    case 'first':
    case 'last': {
      // Slot 0: the least (greatest) instant so far; slot 1: whether any event counted.
      const first = aggregate === 'first';
      return {
        type,
        initial: [first ? Infinity : -Infinity, 0],
        add: (e, ts, asOf, acc, at) => {
          if (!inWindow(ts, asOf) || !picks(e, asOf)) return;
          acc[at] = first ? Math.min(acc[at]!, ts) : Math.max(acc[at]!, ts);
          acc[at + 1] = 1;
        },
        value: (acc, at) => (acc[at + 1] ? acc[at]! : null),
      };
    }
    case 'share':
      // Slot 0: units of the picked lines; slot 1: units of every line of the type in the window.
      return {
        type,
        initial: [0, 0],
        add: (e, ts, asOf, acc, at) => {
          if (!inWindow(ts, asOf)) return;
          const units = e.quantity ?? 0;
          acc[at + 1] = acc[at + 1]! + units;
          if (picks(e, asOf)) acc[at] = acc[at]! + units;
        },
        value: (acc, at) => (acc[at + 1] === 0 ? null : acc[at]! / acc[at + 1]!),
      };
    default:
      return assertNever(aggregate, 'aggregate');
  }
}

/** `stopped`: slot 0 whether a picked event fell in the `within` days before the recent ones, slot 1 whether one fell in the recent ones. */
function stoppedOf(rule: Extract<Rule, { kind: 'stopped' }>): Accumulator {
  const picks = filtersTest(rule.selector);
  const { within, recent } = rule;
  return {
    type: rule.selector.eventType,
    initial: [0, 0],
    add: (e, ts, asOf, acc, at) => {
      if (!picks(e, asOf)) return;
      const cut = asOf - recent * DAY_MS;
      if (ts >= cut) acc[at + 1] = 1;
      else if (ts >= asOf - within * DAY_MS) acc[at] = 1;
    },
    value: (acc, at) => (acc[at] === 1 && acc[at + 1] === 0 ? 1 : 0),
  };
}

/** The event aggregates of compiled rules, each asked for once (the same clause in two rules shares one), and one pass that computes them. */
class EventAggregates {
  private readonly list: Array<{ accumulator: Accumulator; at: number }> = [];
  private readonly byKey = new Map<string, number>();
  private readonly byType = new Map<string, Array<{ accumulator: Accumulator; at: number }>>();
  private initial: number[] = [];

  /** The number of the aggregate `key` names, made by `make` when new. */
  add(key: string, make: () => Accumulator): number {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const accumulator = make();
    const entry = { accumulator, at: this.initial.length };
    this.initial.push(...accumulator.initial);
    this.list.push(entry);
    const ofType = this.byType.get(accumulator.type);
    if (ofType) ofType.push(entry);
    else this.byType.set(accumulator.type, [entry]);
    this.byKey.set(key, this.list.length - 1);
    return this.list.length - 1;
  }

  /** Every aggregate's value for the customer: one pass over their events before the as-of instant. */
  compute(ctx: CustomerContext): Array<number | null> {
    if (this.list.length === 0) return [];
    const acc = Float64Array.from(this.initial);
    const { asOf, events } = ctx;
    for (let i = 0; i < events.length; i++) {
      const e = events.at(i)!;
      const ofType = this.byType.get(e.type);
      if (!ofType) continue;
      const ts = e.ts;
      if (ts < asOf) for (const { accumulator, at } of ofType) accumulator.add(e, ts, asOf, acc, at);
    }
    return this.list.map(({ accumulator, at }) => accumulator.value(acc, at));
  }
}

/** One customer's evaluation: their context, and the rules' event aggregates, computed when the first is read. */
class CustomerRun {
  private values: Array<number | null> | undefined;
  constructor(
    readonly ctx: CustomerContext,
    private readonly aggregates: EventAggregates,
  ) {}
  aggregate(k: number): number | null {
    return (this.values ??= this.aggregates.compute(this.ctx))[k]!;
  }
}

type Test = (run: CustomerRun) => boolean;
/** A clause's own value, as explain and reasons show it (null where it has none). */
type OwnValue = (run: CustomerRun) => unknown;

/** A customers column, or a JSON attribute read as the type the condition compares with (as TRY_CAST would). */
function attributeValue(path: readonly string[], c: Condition, customer: Readonly<Record<string, unknown>>): unknown {
  if (path[0] !== 'attributes') return customer[path[0]!];
  let node: unknown = typeof customer.attributes === 'string' ? JSON.parse(customer.attributes) : customer.attributes;
  for (const key of path.slice(1)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  if (node === undefined || node === null) return null;
  const text = typeof node === 'string' ? node : JSON.stringify(node);
  const sample = comparedValue(c);
  if (typeof sample === 'number') {
    const n = text.trim() === '' ? NaN : Number(text);
    return Number.isFinite(n) ? n : null;
  }
  if (typeof sample === 'boolean') {
    const t = text.trim().toLowerCase();
    return ['true', 't', '1'].includes(t) ? true : ['false', 'f', '0'].includes(t) ? false : null;
  }
  return text;
}

const every =
  (tests: readonly Test[]): Test =>
  (run) => {
    for (const test of tests) if (!test(run)) return false;
    return true;
  };
const some =
  (tests: readonly Test[]): Test =>
  (run) => {
    for (const test of tests) if (test(run)) return true;
    return false;
  };

/** A rule as a test and its own value, its event aggregates registered in `aggregates`. */
function compile(rule: Rule, aggregates: EventAggregates): { test: Test; value: OwnValue } {
  const none: OwnValue = () => null;
  switch (rule.kind) {
    case 'and':
      return { test: every(rule.rules.map((r) => compile(r, aggregates).test)), value: none };
    case 'or':
      return { test: some(rule.rules.map((r) => compile(r, aggregates).test)), value: none };
    case 'not': {
      const test = compile(rule.rule, aggregates).test;
      return { test: (run) => !test(run), value: none };
    }
    case 'feature': {
      const { feature } = rule;
      const test = conditionTest(rule.condition);
      return { test: (run) => test(run.ctx.features[feature], run.ctx.asOf), value: (run) => run.ctx.features[feature] ?? null };
    }
    case 'attribute': {
      const { path, condition } = rule;
      const test = conditionTest(condition);
      return { test: (run) => test(attributeValue(path, condition, run.ctx.customer), run.ctx.asOf), value: (run) => attributeValue(path, condition, run.ctx.customer) };
    }
    case 'event': {
      const k = aggregates.add(JSON.stringify([rule.aggregate, rule.selector, rule.window]), () => aggregateOf(rule.aggregate, rule.selector, rule.window));
      const test = conditionTest(rule.condition);
      const instant = rule.aggregate === 'first' || rule.aggregate === 'last';
      return {
        test: (run) => test(run.aggregate(k), run.ctx.asOf),
        value: (run) => {
          const v = run.aggregate(k);
          return v !== null && instant ? new Date(v).toISOString() : v;
        },
      };
    }
    case 'stopped': {
      const k = aggregates.add(JSON.stringify(['stopped', rule.selector, rule.within, rule.recent]), () => stoppedOf(rule));
      return { test: (run) => run.aggregate(k) === 1, value: none };
    }
    case 'in_audience': {
      const { audience } = rule;
      return { test: (run) => run.ctx.inAudience(audience), value: none };
    }
    default:
      return assertNever(rule, 'rule');
  }
}

/** One clause of a rule (a part of its top-level and/or, or the rule itself) held against a customer. */
export interface ClauseOutcome {
  clause: Rule;
  /** The clause as text (printRule). */
  text: string;
  held: boolean;
  /** The customer's own value behind the clause, where it has one (a feature, a field, an event count or instant as ISO text); else null. */
  value: unknown;
}

interface CompiledRule {
  test: Test;
  clauses: ReadonlyArray<{ clause: Rule; text: string; test: Test; value: OwnValue }>;
}

/** Rules compiled together, to be evaluated for many customers: see above. */
export class CompiledRules {
  private readonly aggregates = new EventAggregates();
  private readonly rules: readonly CompiledRule[];

  constructor(rules: readonly Rule[]) {
    this.rules = rules.map((rule) => {
      const clauses = clausesOf(rule).map((clause) => ({ clause, text: printRule(clause), ...compile(clause, this.aggregates) }));
      const tests = clauses.map((c) => c.test);
      // A rule is its clauses' conjunction or disjunction (clausesOf), or its one clause.
      return { test: rule.kind === 'and' ? every(tests) : rule.kind === 'or' ? some(tests) : tests[0]!, clauses };
    });
  }

  /** A customer's evaluation of these rules (numbered as given): their event aggregates are computed once for all. */
  evaluation(ctx: CustomerContext): RulesEvaluation {
    return new RulesEvaluation(this.rules, new CustomerRun(ctx, this.aggregates));
  }
}

export class RulesEvaluation {
  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly run: CustomerRun,
  ) {}

  /** Whether rule `k` holds for the customer. */
  holds(k: number): boolean {
    return this.rules[k]!.test(this.run);
  }

  /** Each clause of rule `k` (clausesOf) held against the customer. */
  clauses(k: number): ClauseOutcome[] {
    return this.rules[k]!.clauses.map((c) => ({ clause: c.clause, text: c.text, held: c.test(this.run), value: c.value(this.run) }));
  }
}

/** A rule compiled alone, once, for the callers that evaluate one rule at a time (explain, tests). */
const alone = new WeakMap<Rule, CompiledRules>();
const compiledAlone = (rule: Rule): CompiledRules => {
  let compiled = alone.get(rule);
  if (!compiled) alone.set(rule, (compiled = new CompiledRules([rule])));
  return compiled;
};

export function evaluateRule(rule: Rule, ctx: CustomerContext): boolean {
  return compiledAlone(rule).evaluation(ctx).holds(0);
}

/** Each clause of a rule (clausesOf) held against one customer. */
export function ruleClauses(rule: Rule, ctx: CustomerContext): ClauseOutcome[] {
  return compiledAlone(rule).evaluation(ctx).clauses(0);
}
