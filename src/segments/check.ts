import { CUSTOMER_FEATURES } from '../features/catalog.js';
import { assertNever } from '../shared/errors.js';
import { ENTITY_COLUMNS, EVENT_TYPES, type ColumnType } from '../store/schema.js';
import {
  COMPARE_OPS,
  EVENT_AGGREGATES,
  EVENT_FILTER_FIELDS,
  isComparison,
  MATCH_OPS,
  OCCASIONS,
  type Condition,
  type EventAggregate,
  type EventFilterField,
  type EventSelector,
  type Rule,
  type RuleKind,
  type Scalar,
  type TimeValue,
  type Window,
} from './ast.js';
import { IDENT, isPlainNumber } from './lexer.js';
import { formatValue, opText } from './printer.js';
import { orList, problemError, type Problem, type Site } from './rule-error.js';
import { suggest } from './suggest.js';

/*
 * Names and types of the rule language. The same checks run twice: while parsing (errors carry a text position)
 * and on ASTs that arrive as JSON (errors carry a path like `rules[1].condition`). They also describe what is
 * valid for the test arbitraries, so the generator and the checker cannot drift apart.
 */

export type ConditionOp = Condition['op'];
export type LeafRule = Exclude<Rule, { kind: 'and' | 'or' | 'not' }>;
/** What a left side holds; `json` is a custom attribute, whose type is only known per row. */
export type ValueType = 'number' | 'string' | 'boolean' | 'time' | 'json';
type ValueKind = 'number' | 'string' | 'boolean' | 'time';

/** The left side of a condition: what it is called in messages, what it holds, which comparisons it takes. */
export interface Operand {
  label: string;
  type: ValueType;
  unit: string | null;
  ops: readonly ConditionOp[];
}

/** Days in windows, `stopped` and `N days ago`: far beyond any real history, well inside date arithmetic. */
export const MAX_DAYS = 100_000;
/** Nesting of and/or/not (and of parentheses in text); bounds recursion for hostile input. */
export const MAX_DEPTH = 100;
/** `sum` and `share` read order lines (revenue, units); other event types have none. */
const SUM_EVENT_TYPES: readonly string[] = ['order', 'return'];
const LINE_AGGREGATES: readonly EventAggregate[] = ['sum', 'share'];

const NULL_CHECKS = ['is_null', 'is_not_null'] as const;
const ORDERING: readonly ConditionOp[] = ['<', '<=', '>', '>=', 'between'];
/*
 * Text takes no ordering: SQL compares strings by bytes and JavaScript by UTF-16 units, so `<` on text could give
 * the two evaluators different answers. Booleans take only equality.
 */
const OPS: Record<ValueType, readonly ConditionOp[]> = {
  number: [...COMPARE_OPS, 'in', 'not_in', 'between', ...NULL_CHECKS],
  string: ['=', '!=', 'in', 'not_in', 'contains', ...NULL_CHECKS],
  boolean: ['=', '!=', ...NULL_CHECKS],
  time: [...COMPARE_OPS, 'between', ...NULL_CHECKS],
  json: [...COMPARE_OPS, 'in', 'not_in', 'between', 'contains', ...NULL_CHECKS],
};
/** count and sum are 0, never null, without matching events. */
const AMOUNT_OPS: readonly ConditionOp[] = [...COMPARE_OPS, 'in', 'not_in', 'between'];

const operand = (label: string, type: ValueType, unit: string | null = null, ops = OPS[type]): Operand => ({ label, type, unit, ops });

export const FEATURE_OPERANDS: ReadonlyMap<string, Operand> = new Map(
  CUSTOMER_FEATURES.map((f) => [f.name, operand(f.name, f.type === 'string' ? 'string' : 'number', f.unit)]),
);

function columnValueType(type: ColumnType): ValueType | undefined {
  switch (type) {
    case 'string':
      return 'string';
    case 'double':
      return 'number';
    case 'timestamp':
      return 'time';
    case 'boolean':
      return 'boolean';
    case 'string_list':
    case 'json':
      return undefined;
    default:
      return assertNever(type, 'column type');
  }
}

/** `customer.<column>`: the customers columns, except the id (not a segment criterion) and the attributes object. */
export const ATTRIBUTE_COLUMNS: ReadonlyMap<string, Operand> = new Map(
  ENTITY_COLUMNS.customers.flatMap((c) => {
    const type = c.name === 'id' || c.name === 'attributes' ? undefined : columnValueType(c.type);
    return type ? [[c.name, operand(`customer.${c.name}`, type)] as const] : [];
  }),
);

export function attributeKeyOperand(key: string): Operand {
  return operand(`customer.attributes.${key}`, 'json');
}

export function filterOperand(field: EventFilterField): Operand {
  switch (field) {
    case 'price':
      return operand(field, 'number', 'currency');
    case 'quantity':
      return operand(field, 'number', 'count');
    case 'tag':
    case 'color':
    case 'material':
    case 'query':
      return operand(field, 'string', null, MATCH_OPS);
    case 'occasion':
      return operand(field, 'string', null, ['=', 'in']);
    case 'category':
    case 'brand':
    case 'product':
    case 'channel':
    case 'device':
    case 'country':
      return operand(field, 'string');
    default:
      return assertNever(field, 'event filter field');
  }
}

export function eventOperand(aggregate: EventAggregate, eventType: string): Operand {
  const label = `${aggregate}(${eventType})`;
  switch (aggregate) {
    case 'count':
      return operand(label, 'number', 'count', AMOUNT_OPS);
    case 'sum':
      return operand(label, 'number', 'currency', AMOUNT_OPS);
    case 'first':
    case 'last':
      return operand(label, 'time');
    case 'share':
      return operand(label, 'number', 'ratio');
    default:
      return assertNever(aggregate, 'aggregate');
  }
}

export function aggregatesFor(eventType: string): EventAggregate[] {
  return EVENT_AGGREGATES.filter((a) => !LINE_AGGREGATES.includes(a) || SUM_EVENT_TYPES.includes(eventType));
}

// ---------------------------------------------------------------------------------------------------------------
// Whole rules (ASTs from JSON)

const RULE_KINDS: Record<RuleKind, true> = {
  and: true,
  or: true,
  not: true,
  feature: true,
  attribute: true,
  event: true,
  stopped: true,
  in_audience: true,
};

/** Throws a RuleSyntaxError naming the AST path of the first problem; accepts exactly what the parser can produce. */
export function checkRule(rule: Rule): void {
  checkNode(rule, '', 0);
}

function checkNode(rule: Rule, path: string, depth: number): void {
  const fail = pathSite(path);
  if (!hasKind(rule, RULE_KINDS)) fail({ at: '', message: `expected a rule with kind ${orList(Object.keys(RULE_KINDS))}` });
  if (depth > MAX_DEPTH) fail({ at: '', message: `the rule nests deeper than ${MAX_DEPTH} levels` });
  switch (rule.kind) {
    case 'and':
    case 'or':
      // One-element and empty lists have no text form (`a` alone reads back as a leaf).
      if (!isList(rule.rules) || rule.rules.length < 2) fail({ at: 'rules', message: `"${rule.kind}" needs at least two rules` });
      rule.rules.forEach((r, i) => checkNode(r, joinPath(path, `rules[${i}]`), depth + 1));
      return;
    case 'not':
      checkNode(rule.rule, joinPath(path, 'rule'), depth + 1);
      return;
    case 'feature':
    case 'attribute':
    case 'event':
    case 'stopped':
    case 'in_audience':
      checkLeaf(rule, fail);
      return;
    default:
      assertNever(rule, 'rule kind');
  }
}

/** Array.isArray without narrowing to any[], so that typed code after it stays typed. */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** ASTs from JSON may be anything; this keeps a malformed one a RuleSyntaxError instead of a TypeError. */
function hasKind(value: unknown, kinds: Record<string, true>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === 'string' && Object.hasOwn(kinds, kind);
}

function pathSite(base: string): Site {
  return (problem: Problem) => {
    throw problemError(problem, { path: joinPath(base, problem.at) });
  };
}

function joinPath(base: string, rel: string): string {
  if (!base) return rel;
  if (!rel) return base;
  return rel.startsWith('[') ? base + rel : `${base}.${rel}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Leaves: names first, then types, in source order, so the first error is the leftmost one

export function checkLeaf(rule: LeafRule, fail: Site): void {
  switch (rule.kind) {
    case 'feature':
      checkCondition(featureOperand(rule.feature, fail, 'feature'), rule.condition, fail, 'condition');
      return;
    case 'attribute':
      checkCondition(attributeOperand(rule.path, fail), rule.condition, fail, 'condition');
      return;
    case 'event': {
      const aggregate = checkAggregate(rule.aggregate, rule.selector, fail);
      checkSelector(rule.selector, fail, 'selector');
      checkWindow(rule.window, fail, 'window');
      checkCondition(eventOperand(aggregate, rule.selector.eventType), rule.condition, fail, 'condition');
      if (aggregate === 'share') checkShare(rule.condition, fail);
      return;
    }
    case 'stopped':
      checkSelector(rule.selector, fail, 'selector');
      checkStopped(rule.within, rule.recent, fail);
      return;
    case 'in_audience':
      if (typeof rule.audience !== 'string' || rule.audience.trim() === '') {
        fail({ at: 'audience', message: 'in audience needs the name of an audience' });
      }
      return;
    default:
      assertNever(rule, 'rule kind');
  }
}

export function featureOperand(name: string, fail: Site, at: string): Operand {
  return (
    FEATURE_OPERANDS.get(name) ?? fail({ at, unknown: 'feature', name: String(name), suggestions: suggest(String(name), [...FEATURE_OPERANDS.keys()]) })
  );
}

export function attributeOperand(path: readonly string[], fail: Site): Operand {
  if (!isList(path) || path.length === 0) return fail({ at: 'path', message: 'expected a field after "customer."' });
  path.forEach((segment, i) => {
    if (typeof segment !== 'string' || !IDENT.test(segment)) {
      fail({ at: `path[${i}]`, message: `${JSON.stringify(segment)} is not a field name (letters, digits and _, not starting with a digit)` });
    }
  });
  const [head, key, ...rest] = path;
  if (head === 'attributes') {
    if (key === undefined) return fail({ at: 'path', message: 'customer.attributes needs a key, e.g. customer.attributes.gender' });
    if (rest.length > 0) return fail({ at: 'path[2]', message: `custom attributes are one level deep: customer.attributes.${key} has no fields` });
    return attributeKeyOperand(key);
  }
  const column =
    ATTRIBUTE_COLUMNS.get(head ?? '') ??
    fail({ at: 'path[0]', unknown: 'customer field', name: head ?? '', suggestions: suggest(head ?? '', [...ATTRIBUTE_COLUMNS.keys(), 'attributes']) });
  if (key !== undefined) return fail({ at: 'path[1]', message: `customer.${head ?? ''} has no fields` });
  return column;
}

export function checkEventType(eventType: string, fail: Site, at: string): void {
  if (!(EVENT_TYPES as readonly string[]).includes(eventType)) {
    fail({ at, unknown: 'event type', name: String(eventType), suggestions: suggest(String(eventType), EVENT_TYPES) });
  }
}

export function filterField(name: string, fail: Site, at: string): EventFilterField {
  const field = EVENT_FILTER_FIELDS.find((f) => f === name);
  return field ?? fail({ at, unknown: 'event field', name: String(name), suggestions: suggest(String(name), EVENT_FILTER_FIELDS) });
}

function checkAggregate(aggregate: EventAggregate, selector: EventSelector, fail: Site): EventAggregate {
  if (typeof selector !== 'object' || selector === null) fail({ at: 'selector', message: 'expected an event selector' });
  const known = EVENT_AGGREGATES.find((a) => a === aggregate) ?? fail({ at: 'aggregate', message: `expected an aggregate, ${orList(EVENT_AGGREGATES)}` });
  checkEventType(selector.eventType, fail, 'selector.eventType');
  if (!aggregatesFor(selector.eventType).includes(known)) {
    fail({ at: 'aggregate', message: `${known} reads order lines, so it takes ${orList(SUM_EVENT_TYPES)} events, not ${selector.eventType}` });
  }
  return known;
}

function checkSelector(selector: EventSelector, fail: Site, at: string): void {
  if (typeof selector !== 'object' || selector === null) fail({ at, message: 'expected an event selector' });
  checkEventType(selector.eventType, fail, `${at}.eventType`);
  if (!isList(selector.filters)) fail({ at: `${at}.filters`, message: 'expected a list of filters' });
  selector.filters.forEach((filter, i) => {
    if (typeof filter !== 'object' || filter === null) fail({ at: `${at}.filters[${i}]`, message: 'expected a filter' });
    const field = filterField(filter.field, fail, `${at}.filters[${i}].field`);
    checkCondition(filterOperand(field), filter.condition, fail, `${at}.filters[${i}].condition`);
    if (field === 'occasion') checkOccasions(filter.condition, fail, `${at}.filters[${i}].condition`);
  });
}

function checkOccasions(condition: Condition, fail: Site, at: string): void {
  const values = 'values' in condition ? condition.values.map((v, i) => [v, `${at}.values[${i}]`] as const) : 'value' in condition ? [[condition.value, `${at}.value`] as const] : [];
  for (const [value, where] of values) {
    if (!(OCCASIONS as readonly unknown[]).includes(value)) {
      const name = typeof value === 'string' ? value : JSON.stringify(value);
      fail({ at: where, unknown: 'occasion', name, suggestions: suggest(name, OCCASIONS) });
    }
  }
}

/** A share is a fraction; `share(...) >= 50` would select nobody without a word of why. */
function checkShare(condition: Condition, fail: Site): void {
  const values: Array<[unknown, string]> =
    'values' in condition
      ? condition.values.map((v, i) => [v, `condition.values[${i}]`])
      : 'low' in condition
        ? [[condition.low, 'condition.low'], [condition.high, 'condition.high']]
        : 'value' in condition
          ? [[condition.value, 'condition.value']]
          : [];
  for (const [value, at] of values) {
    if (typeof value === 'number' && (value < 0 || value > 1)) {
      fail({ at, message: `a share is a fraction of units from 0 to 1 (half is 0.5), found ${value}` });
    }
  }
}

const WINDOW_KINDS: Record<Window['kind'], true> = { all: true, last_days: true, between: true };

function checkWindow(window: Window, fail: Site, at: string): void {
  if (!hasKind(window, WINDOW_KINDS)) fail({ at, message: `expected a window of kind ${orList(Object.keys(WINDOW_KINDS))}` });
  switch (window.kind) {
    case 'all':
      return;
    case 'last_days':
      if (window.days === 0) fail({ at: `${at}.days`, message: 'the window "last 0 days" is empty; expected a positive whole number of days' });
      checkDays(window.days, 1, fail, `${at}.days`);
      return;
    case 'between':
      checkDate(window.from, fail, `${at}.from`);
      checkDate(window.to, fail, `${at}.to`);
      if (window.from > window.to) fail({ at: `${at}.to`, message: `the window ends (${window.to}) before it starts (${window.from})` });
      return;
    default:
      assertNever(window, 'window');
  }
}

function checkStopped(within: number, recent: number, fail: Site): void {
  checkDays(within, 1, fail, 'within');
  checkDays(recent, 1, fail, 'recent');
  if (within <= recent) {
    fail({ at: 'recent', message: `stopped needs the recent span shorter than the whole: ${recent} days is not less than ${within} days` });
  }
}

function checkDays(days: number, min: number, fail: Site, at: string): void {
  if (!Number.isSafeInteger(days) || days < min || days > MAX_DAYS) {
    fail({ at, message: `expected a whole number of days from ${min} to ${MAX_DAYS}, found ${JSON.stringify(days)}` });
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Proleptic Gregorian, as both DuckDB and JavaScript dates are. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A real calendar date in YYYY-MM-DD, years 0001 to 9999. */
function dateProblem(date: string): string | undefined {
  const match = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (!match) return `${JSON.stringify(date)} is not a date; dates are written YYYY-MM-DD`;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1) return `${date} is not a real date (years start at 0001)`;
  if (month < 1 || month > 12) return `${date} is not a real date (months run from 01 to 12)`;
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) return `${date} is not a real date (${MONTHS[month - 1] ?? ''} ${year} has ${last} days)`;
  return undefined;
}

function checkDate(date: string, fail: Site, at: string): void {
  const problem = dateProblem(date);
  if (problem) fail({ at, message: problem });
}

// ---------------------------------------------------------------------------------------------------------------
// Conditions

function checkCondition(left: Operand, condition: Condition, fail: Site, at: string): void {
  const op: unknown = typeof condition === 'object' && condition !== null ? (condition as { op?: unknown }).op : undefined;
  if (!OPS.json.includes(op as ConditionOp)) fail({ at, message: `expected a comparison, found ${JSON.stringify(op)}` });
  if (!left.ops.includes(condition.op)) {
    fail({
      at,
      message: `the left side ${left.label} is ${describeType(left)} and does not take ${opText(condition.op)} (use ${orList(left.ops.map(opText))})`,
    });
  }
  if (isComparison(condition)) {
    checkValue(left, condition.op, condition.value, fail, `${at}.value`);
    return;
  }
  switch (condition.op) {
    case 'in':
    case 'not_in': {
      const { values } = condition;
      if (!isList(values) || values.length === 0) fail({ at: `${at}.values`, message: `${opText(condition.op)} needs at least one value` });
      const kinds = values.map((v, i) => checkValue(left, condition.op, v, fail, `${at}.values[${i}]`));
      // A custom attribute holds one type per row; a list mixing types would match by type coercion in one evaluator only.
      const mixed = kinds.findIndex((k) => k !== kinds[0]);
      if (mixed > 0) {
        fail({ at: `${at}.values[${mixed}]`, message: `the values after ${opText(condition.op)} must all be of one type, but ${describeValue(values[0])} and ${describeValue(values[mixed])}` });
      }
      return;
    }
    case 'between':
      checkValue(left, 'between', condition.low, fail, `${at}.low`);
      checkValue(left, 'between', condition.high, fail, `${at}.high`);
      return;
    case 'contains':
      checkValue(left, 'contains', condition.value, fail, `${at}.value`);
      return;
    case 'is_null':
    case 'is_not_null':
      return;
    default:
      assertNever(condition, 'condition');
  }
}

/** Which kinds of value a left side takes after an operator. */
export function acceptedKinds(left: Operand, op: ConditionOp): readonly ValueKind[] {
  if (op === 'contains') return ['string'];
  switch (left.type) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'time':
      return [left.type];
    case 'json':
      return ORDERING.includes(op) ? ['number'] : ['number', 'string', 'boolean'];
    default:
      return assertNever(left.type, 'value type');
  }
}

function checkValue(left: Operand, op: ConditionOp, value: Scalar | TimeValue | undefined, fail: Site, at: string): ValueKind {
  const kind = valueKind(value);
  if (kind === undefined) return fail({ at, message: `expected a value, found ${JSON.stringify(value) ?? 'nothing'}` });
  const accepted = acceptedKinds(left, op);
  if (!accepted.includes(kind)) {
    const side = left.type === 'json' ? `${left.label} takes ${orList(accepted.map(kindName))} after ${opText(op)}` : `${left.label} is ${describeType(left)}`;
    fail({ at, message: `${side}, but the right side ${describeValue(value)}` });
  }
  if (typeof value === 'number' && !isPlainNumber(value)) {
    fail({ at, message: `${String(value)} cannot be written as a plain decimal number` });
  }
  if (typeof value === 'object') {
    if (value.kind === 'date') checkDate(value.date, fail, at);
    else checkDays(value.days, 0, fail, at);
  }
  return kind;
}

function valueKind(value: unknown): ValueKind | undefined {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  return kind === 'date' || kind === 'days_ago' ? 'time' : undefined;
}

function kindName(kind: ValueKind): string {
  switch (kind) {
    case 'number':
      return 'a number';
    case 'string':
      return 'text';
    case 'boolean':
      return 'a boolean';
    case 'time':
      return 'a date';
    default:
      return assertNever(kind, 'value kind');
  }
}

function describeType(left: Operand): string {
  switch (left.type) {
    case 'number':
      return left.unit ? `a number (${left.unit})` : 'a number';
    case 'string':
    case 'boolean':
    case 'time':
      return kindName(left.type);
    case 'json':
      return 'a custom attribute';
    default:
      return assertNever(left.type, 'value type');
  }
}

function describeValue(value: Scalar | TimeValue | undefined): string {
  const kind = valueKind(value);
  return kind === undefined || value === undefined ? 'is missing' : `${formatValue(value)} is ${kindName(kind)}`;
}

