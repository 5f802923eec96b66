import { assertNever } from '../shared/errors.js';
import { comparedValue, listCondition, type Condition, type EventFilter, type EventSelector, type ListFilterField, type Rule, type Scalar, type TimeValue, type Window } from './ast.js';

/**
 * Evaluates a rule for one customer in memory, for real-time classification. It must mean exactly what
 * sql-compiler.ts means (the conformance suite runs both over the same data): two-valued logic, a missing left side
 * fails every test but `is null`, times compare as instants, event windows end just before the as-of date.
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

export interface CustomerContext {
  /** Epoch milliseconds of the as-of date. */
  asOf: number;
  features: Readonly<Record<string, unknown>>;
  /** The customers row: columns by name, `attributes` as an object (or its JSON text). */
  customer: Readonly<Record<string, unknown>>;
  events: readonly EventRecord[];
  inAudience: (name: string) => boolean;
}

type Value = number | string | boolean | null;

function timeOf(v: TimeValue, asOf: number): number {
  return v.kind === 'date' ? Date.parse(`${v.date}T00:00:00Z`) : asOf - v.days * DAY_MS;
}

function rightSide(v: Scalar | TimeValue, asOf: number): Value {
  return typeof v === 'object' ? timeOf(v, asOf) : v;
}

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

function testCondition(raw: unknown, c: Condition, asOf: number): boolean {
  const left = normalise(raw);
  if (c.op === 'is_null') return left === null;
  if (c.op === 'is_not_null') return left !== null;
  if (left === null) return false;
  switch (c.op) {
    case '=':
      return compare(left, rightSide(c.value, asOf)) === 0;
    case '!=':
      return compare(left, rightSide(c.value, asOf)) !== 0;
    case '<':
      return compare(left, rightSide(c.value, asOf)) < 0;
    case '<=':
      return compare(left, rightSide(c.value, asOf)) <= 0;
    case '>':
      return compare(left, rightSide(c.value, asOf)) > 0;
    case '>=':
      return compare(left, rightSide(c.value, asOf)) >= 0;
    case 'in':
      return c.values.some((v) => compare(left, v) === 0);
    case 'not_in':
      return c.values.every((v) => compare(left, v) !== 0);
    case 'between':
      return compare(left, rightSide(c.low, asOf)) >= 0 && compare(left, rightSide(c.high, asOf)) <= 0;
    case 'contains':
      return String(left).includes(c.value);
    default:
      return assertNever(c.op, 'condition');
  }
}

/** Mirrors the SQL compiler's list filter: membership for `=` and `in`, a substring of any item for `contains`. */
function listTest(tags: readonly string[] | null, condition: Condition): boolean {
  const c = listCondition(condition);
  switch (c.op) {
    case '=':
      return tags !== null && tags.includes(c.value as string);
    case 'in':
      return tags !== null && c.values.some((v) => tags.includes(v as string));
    case 'contains':
      return tags !== null && tags.some((t) => t.includes(c.value));
    default:
      return assertNever(c, 'condition');
  }
}

const LIST_FIELDS: Record<ListFilterField, 'style_tags' | 'colors' | 'materials'> = { tag: 'style_tags', occasion: 'style_tags', color: 'colors', material: 'materials' };
const isListField = (field: EventFilter['field']): field is ListFilterField => Object.hasOwn(LIST_FIELDS, field);

const FILTER_FIELDS: Record<Exclude<EventFilter['field'], ListFilterField>, keyof EventRecord> = {
  category: 'category',
  brand: 'brand',
  product: 'product_id',
  price: 'unit_price',
  quantity: 'quantity',
  channel: 'channel',
  device: 'device',
  country: 'country',
  query: 'query',
};

function picks(s: EventSelector, e: EventRecord, asOf: number): boolean {
  if (e.type !== s.eventType) return false;
  return s.filters.every((f) => (isListField(f.field) ? listTest(e[LIST_FIELDS[f.field]], f.condition) : testCondition(e[FILTER_FIELDS[f.field]], f.condition, asOf)));
}

function inWindow(w: Window, ts: number, asOf: number): boolean {
  switch (w.kind) {
    case 'all':
      return true;
    case 'last_days':
      return ts >= asOf - w.days * DAY_MS;
    case 'between':
      return ts >= Date.parse(`${w.from}T00:00:00Z`) && ts < Date.parse(`${w.to}T00:00:00Z`) + DAY_MS;
    default:
      return assertNever(w, 'window');
  }
}

/** Units of the lines: a line without a quantity counts for none, as SQL's sum skips NULL. */
const units = (events: readonly EventRecord[]): number => events.reduce((s, e) => s + (e.quantity ?? 0), 0);

/** The value an event rule compares, as the SQL compiler computes it. */
export function eventValue(rule: Extract<Rule, { kind: 'event' }>, ctx: CustomerContext): number | null {
  const inRange = ctx.events.filter((e) => e.ts < ctx.asOf && inWindow(rule.window, e.ts, ctx.asOf));
  const events = inRange.filter((e) => picks(rule.selector, e, ctx.asOf));
  switch (rule.aggregate) {
    case 'count':
      return events.length;
    case 'sum':
      return events.reduce((s, e) => (e.quantity === null || e.unit_price === null ? s : s + e.quantity * e.unit_price), 0);
    case 'first':
      return events.length ? Math.min(...events.map((e) => e.ts)) : null;
    case 'last':
      return events.length ? Math.max(...events.map((e) => e.ts)) : null;
    case 'share': {
      const all = units(inRange.filter((e) => e.type === rule.selector.eventType));
      return all === 0 ? null : units(events) / all;
    }
    default:
      return assertNever(rule.aggregate, 'aggregate');
  }
}

/** A customers column, or a JSON attribute read as the type the condition compares with (as TRY_CAST would). */
export function attributeValue(path: readonly string[], c: Condition, customer: Readonly<Record<string, unknown>>): unknown {
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

export function evaluateRule(rule: Rule, ctx: CustomerContext): boolean {
  switch (rule.kind) {
    case 'and':
      return rule.rules.every((r) => evaluateRule(r, ctx));
    case 'or':
      return rule.rules.some((r) => evaluateRule(r, ctx));
    case 'not':
      return !evaluateRule(rule.rule, ctx);
    case 'feature':
      return testCondition(ctx.features[rule.feature], rule.condition, ctx.asOf);
    case 'attribute':
      return testCondition(attributeValue(rule.path, rule.condition, ctx.customer), rule.condition, ctx.asOf);
    case 'event':
      return testCondition(eventValue(rule, ctx), rule.condition, ctx.asOf);
    case 'stopped': {
      const from = ctx.asOf - rule.within * DAY_MS;
      const cut = ctx.asOf - rule.recent * DAY_MS;
      const picked = ctx.events.filter((e) => e.ts < ctx.asOf && picks(rule.selector, e, ctx.asOf));
      return picked.some((e) => e.ts >= from && e.ts < cut) && !picked.some((e) => e.ts >= cut);
    }
    case 'in_audience':
      return ctx.inAudience(rule.audience);
    default:
      return assertNever(rule, 'rule');
  }
}
