import { assertNever } from '../shared/errors.js';
import { isComparison, type Condition, type EventFilter, type EventSelector, type Rule, type Scalar, type TimeValue, type Window } from './ast.js';

/*
 * The canonical text of a rule: lower-case keywords, single spaces, parentheses only where precedence
 * (or < and < not) needs them. Printing is the inverse of parsing for every rule checkRule accepts, which is why
 * a nested and/or of the same kind keeps its parentheses: `a and (b and c)` must not flatten into `a and b and c`.
 */

const PRECEDENCE = { or: 1, and: 2, not: 3, leaf: 4 } as const;

export function printRule(rule: Rule): string {
  return print(rule).text;
}

function print(rule: Rule): { text: string; precedence: number } {
  switch (rule.kind) {
    case 'or':
      return { text: rule.rules.map((r) => operand(r, PRECEDENCE.and)).join(' or '), precedence: PRECEDENCE.or };
    case 'and':
      return { text: rule.rules.map((r) => operand(r, PRECEDENCE.not)).join(' and '), precedence: PRECEDENCE.and };
    case 'not':
      return { text: `not ${operand(rule.rule, PRECEDENCE.not)}`, precedence: PRECEDENCE.not };
    case 'feature':
      return leaf(`${rule.feature} ${printCondition(rule.condition)}`);
    case 'attribute':
      return leaf(`customer.${rule.path.join('.')} ${printCondition(rule.condition)}`);
    case 'event':
      return leaf(`${rule.aggregate}(${printSelector(rule.selector)}${printWindow(rule.window)}) ${printCondition(rule.condition)}`);
    case 'stopped':
      return leaf(`stopped(${printSelector(rule.selector)}, ${rule.within} days, ${rule.recent} days)`);
    case 'in_audience':
      return leaf(`in audience ${quote(rule.audience)}`);
    default:
      return assertNever(rule, 'rule kind');
  }
}

function leaf(text: string): { text: string; precedence: number } {
  return { text, precedence: PRECEDENCE.leaf };
}

/** A sub-rule, parenthesised when it binds less tightly than its position requires. */
function operand(rule: Rule, minPrecedence: number): string {
  const { text, precedence } = print(rule);
  return precedence >= minPrecedence ? text : `(${text})`;
}

function printCondition(condition: Condition): string {
  const op = opText(condition.op);
  if (isComparison(condition)) return `${op} ${formatValue(condition.value)}`;
  switch (condition.op) {
    case 'in':
    case 'not_in':
      return `${op} ${printList(condition.values)}`;
    case 'between':
      return `${op} ${formatValue(condition.low)} and ${formatValue(condition.high)}`;
    case 'contains':
      return `${op} ${quote(condition.value)}`;
    case 'is_null':
    case 'is_not_null':
      return op;
    default:
      return assertNever(condition, 'condition');
  }
}

/** Each operator as a rule writes it (and errors name it). */
const OP_TEXT: Record<Condition['op'], string> = {
  '=': '=',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  in: 'in',
  between: 'between',
  contains: 'contains',
  not_in: 'not in',
  is_null: 'is null',
  is_not_null: 'is not null',
};

export const opText = (op: Condition['op']): string => OP_TEXT[op];

function printList(values: readonly Scalar[]): string {
  return `[${values.map(formatValue).join(', ')}]`;
}

function printSelector(selector: EventSelector): string {
  if (selector.filters.length === 0) return selector.eventType;
  return `${selector.eventType} where ${selector.filters.map(printFilter).join(' and ')}`;
}

function printFilter(filter: EventFilter): string {
  return `${filter.field} ${printCondition(filter.condition)}`;
}

/** The part after the selector, with its comma; the default window (all events) is left out. */
function printWindow(window: Window): string {
  switch (window.kind) {
    case 'all':
      return '';
    case 'last_days':
      return `, last ${window.days} days`;
    case 'between':
      return `, between ${window.from} and ${window.to}`;
    default:
      return assertNever(window, 'window');
  }
}

export function formatValue(value: Scalar | TimeValue): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return quote(value);
  return formatTime(value);
}

function formatTime(value: TimeValue): string {
  switch (value.kind) {
    case 'date':
      return value.date;
    case 'days_ago':
      return `${value.days} days ago`;
    default:
      return assertNever(value, 'time value');
  }
}

/** Only `"` and `\` are escaped, matching the lexer: every other character, newlines included, stands for itself. */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
