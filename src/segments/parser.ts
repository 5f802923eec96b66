import { assertNever } from '../shared/errors.js';
import { EVENT_AGGREGATES, type Condition, type EventAggregate, type EventFilter, type EventSelector, type Rule, type Scalar, type TimeValue, type Window } from './ast.js';
import { MAX_DEPTH, attributeOperand, checkEventType, checkLeaf, featureOperand, filterField, type LeafRule } from './check.js';
import { Lexer, isCompareOp, integerValue, type SymbolText, type Token } from './lexer.js';
import { RuleSyntaxError, formatPosition, orList, problemError, type Position, type Site } from './rule-error.js';

/**
 * Parses the text form of a rule (grammar in DESIGN.md "Rule language" and the module comment below) and checks
 * names and types leaf by leaf, so the first error in the text is the one reported, with its line and column.
 * Throws RuleSyntaxError.
 */
export function parseRule(text: string): Rule {
  return new Parser(text).parse();
}

/*
 * rule      := or_expr
 * or_expr   := and_expr ('or' and_expr)*
 * and_expr  := unary ('and' unary)*
 * unary     := 'not' unary | primary
 * primary   := '(' rule ')' | 'in' 'audience' STRING | 'stopped' '(' selector ',' INT 'days' ',' INT 'days' ')'
 *            | AGG '(' selector [',' window] ')' condition | 'customer' '.' IDENT ('.' IDENT)* condition
 *            | IDENT condition
 *
 * Keywords are case-insensitive and contextual: `count`, `sum`, `first`, `last`, `share`, `stopped`, `customer`, `in` and
 * `not` start their own forms at the start of a leaf, so they cannot name a feature; after `customer.` any word is
 * a field name. A parenthesised and/or stays one node (`a and (b and c)`), which is what lets printRule round-trip.
 */

const VALUE_EXPECTED = ['a number', 'a string', 'true', 'false', 'a date', '"N days ago"'];
const LIST_VALUE_EXPECTED = ['a number', 'a string', 'true', 'false'];
const CONDITION_EXPECTED = ['=', '!=', '<', '<=', '>', '>=', '"in"', '"not in"', '"between"', '"contains"', '"is null"', '"is not null"'];
const RULE_EXPECTED = ['a feature', '"customer."', 'count(', 'sum(', 'first(', 'last(', 'share(', 'stopped(', '"in audience"', '"not"', '"("'];
/** Words that continue or close a form; at the start of a leaf they are a missing rule, not an unknown feature. */
const NOT_A_FEATURE = new Set(['and', 'or', 'between', 'contains', 'is', 'null', 'true', 'false', 'where', 'days', 'ago', 'audience']);

/** Positions of the parts of one leaf, keyed by the relative paths the checks report (`condition.value`). */
type Spans = Map<string, Position>;

class Parser {
  private readonly lexer: Lexer;
  private previous: Token | undefined;
  private depth = 0;

  constructor(text: string) {
    this.lexer = new Lexer(text);
  }

  parse(): Rule {
    const rule = this.orExpr();
    if (this.peek().kind !== 'eof') {
      const stray = this.isSymbol(')') ? 'there is no "(" for it to close' : undefined;
      throw this.expected(['"and"', '"or"', 'end of input'], stray);
    }
    return rule;
  }

  // --- boolean structure --------------------------------------------------------------------------------------

  private orExpr(): Rule {
    const first = this.andExpr();
    const rules = [first];
    while (this.isWord('or')) {
      this.take();
      rules.push(this.andExpr());
    }
    return rules.length === 1 ? first : { kind: 'or', rules };
  }

  private andExpr(): Rule {
    const first = this.unary();
    const rules = [first];
    while (this.isWord('and')) {
      this.take();
      rules.push(this.unary());
    }
    return rules.length === 1 ? first : { kind: 'and', rules };
  }

  private unary(): Rule {
    if (!this.isWord('not')) return this.primary();
    this.take();
    return this.nested(() => ({ kind: 'not', rule: this.unary() }));
  }

  private primary(): Rule {
    const token = this.peek();
    if (this.isSymbol('(')) return this.nested(() => this.group());
    const word = token.kind === 'word' ? token.text.toLowerCase() : undefined;
    if (word === undefined || NOT_A_FEATURE.has(word)) throw this.expected(RULE_EXPECTED);
    const spans: Spans = new Map([['', token.pos]]);
    const rule = this.leaf(word, spans);
    checkLeaf(rule, this.site(spans));
    return rule;
  }

  private group(): Rule {
    const open = this.take();
    const rule = this.orExpr();
    if (!this.isSymbol(')')) throw this.expected(['"and"', '"or"', '")"'], `the "(" at ${formatPosition(open.pos)} is not closed`);
    this.take();
    return rule;
  }

  /** Bounds recursion so that `((((...` or `not not not ...` fails cleanly instead of overflowing the stack. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw this.error(this.peek(), `the rule nests deeper than ${MAX_DEPTH} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  // --- leaves -------------------------------------------------------------------------------------------------

  private leaf(word: string, spans: Spans): LeafRule {
    const aggregate = EVENT_AGGREGATES.find((a) => a === word);
    if (aggregate) return this.event(aggregate, spans);
    switch (word) {
      case 'in':
        return this.inAudience(spans);
      case 'stopped':
        return this.stopped(spans);
      case 'customer':
        return this.attribute(spans);
      default:
        return this.feature(spans);
    }
  }

  private feature(spans: Spans): LeafRule {
    const name = this.take();
    spans.set('feature', name.pos);
    featureOperand(name.text, this.site(spans), 'feature');
    return { kind: 'feature', feature: name.text, condition: this.condition(spans, 'condition') };
  }

  private attribute(spans: Spans): LeafRule {
    this.take();
    this.expectSymbol('.');
    const path = [this.word('a field name', spans, 'path[0]')];
    spans.set('path', spans.get('path[0]') ?? this.peek().pos);
    while (this.isSymbol('.')) {
      this.take();
      path.push(this.word('a field name', spans, `path[${path.length}]`));
    }
    attributeOperand(path, this.site(spans));
    return { kind: 'attribute', path, condition: this.condition(spans, 'condition') };
  }

  private event(aggregate: EventAggregate, spans: Spans): LeafRule {
    spans.set('aggregate', this.take().pos);
    this.expectSymbol('(');
    const selector = this.selector(spans, 'selector');
    let window: Window = { kind: 'all' };
    if (this.isSymbol(',')) {
      this.take();
      window = this.window(spans, 'window');
    } else if (!this.isSymbol(')')) {
      throw this.expected([selector.filters.length > 0 ? '"and"' : '"where"', '","', '")"']);
    }
    this.expectSymbol(')');
    return { kind: 'event', aggregate, selector, window, condition: this.condition(spans, 'condition') };
  }

  private stopped(spans: Spans): LeafRule {
    this.take();
    this.expectSymbol('(');
    const selector = this.selector(spans, 'selector');
    if (!this.isSymbol(',')) throw this.expected([selector.filters.length > 0 ? '"and"' : '"where"', '","']);
    this.take();
    const within = this.days(spans, 'within');
    this.expectSymbol(',');
    const recent = this.days(spans, 'recent');
    this.expectSymbol(')');
    return { kind: 'stopped', selector, within, recent };
  }

  private inAudience(spans: Spans): LeafRule {
    this.take();
    this.expectWord('audience');
    const name = this.peek();
    if (name.kind !== 'string') throw this.expected(['a string (the audience name)']);
    spans.set('audience', this.take().pos);
    return { kind: 'in_audience', audience: name.value };
  }

  // --- event parts --------------------------------------------------------------------------------------------

  private selector(spans: Spans, at: string): EventSelector {
    const eventType = this.word('an event type', spans, `${at}.eventType`);
    checkEventType(eventType, this.site(spans), `${at}.eventType`);
    const filters: EventFilter[] = [];
    if (this.isWord('where')) {
      this.take();
      filters.push(this.filter(spans, `${at}.filters[0]`));
      // A filter's own `between ... and ...` has already consumed its `and`, so any `and` here joins filters.
      while (this.isWord('and')) {
        this.take();
        filters.push(this.filter(spans, `${at}.filters[${filters.length}]`));
      }
    }
    return { eventType, filters };
  }

  private filter(spans: Spans, at: string): EventFilter {
    const name = this.word('an event field', spans, `${at}.field`);
    const field = filterField(name, this.site(spans), `${at}.field`);
    return { field, condition: this.condition(spans, `${at}.condition`) };
  }

  private window(spans: Spans, at: string): Window {
    spans.set(at, this.peek().pos);
    if (this.isWord('last')) {
      this.take();
      const days = integerValue(this.peek());
      if (days === undefined) throw this.expected(['a whole number of days']);
      spans.set(`${at}.days`, this.take().pos);
      this.expectWord('days');
      return { kind: 'last_days', days };
    }
    if (this.isWord('between')) {
      this.take();
      const from = this.date(spans, `${at}.from`);
      this.expectWord('and');
      return { kind: 'between', from, to: this.date(spans, `${at}.to`) };
    }
    throw this.expected(['"last N days"', '"between YYYY-MM-DD and YYYY-MM-DD"']);
  }

  /** `INT days`, as in stopped(order, 180 days, 60 days). */
  private days(spans: Spans, at: string): number {
    const days = integerValue(this.peek());
    if (days === undefined) throw this.expected(['a whole number of days']);
    spans.set(at, this.take().pos);
    this.expectWord('days');
    return days;
  }

  private date(spans: Spans, at: string): string {
    const token = this.peek();
    if (token.kind !== 'date') throw this.expected(['a date (YYYY-MM-DD)']);
    spans.set(at, this.take().pos);
    return token.text;
  }

  // --- conditions and values ----------------------------------------------------------------------------------

  private condition(spans: Spans, at: string): Condition {
    const token = this.peek();
    spans.set(at, token.pos);
    if (token.kind === 'symbol' && isCompareOp(token.symbol)) {
      this.take();
      return { op: token.symbol, value: this.value(spans, `${at}.value`) };
    }
    switch (token.kind === 'word' ? token.text.toLowerCase() : '') {
      case 'in':
        this.take();
        return { op: 'in', values: this.list(spans, `${at}.values`) };
      case 'not':
        this.take();
        this.expectWord('in');
        return { op: 'not_in', values: this.list(spans, `${at}.values`) };
      case 'between': {
        this.take();
        const low = this.value(spans, `${at}.low`);
        this.expectWord('and');
        return { op: 'between', low, high: this.value(spans, `${at}.high`) };
      }
      case 'contains': {
        this.take();
        const text = this.peek();
        if (text.kind !== 'string') throw this.expected(['a string']);
        spans.set(`${at}.value`, this.take().pos);
        return { op: 'contains', value: text.value };
      }
      case 'is':
        this.take();
        if (this.isWord('not')) {
          this.take();
          this.expectWord('null');
          return { op: 'is_not_null' };
        }
        this.expectWord('null', ['"null"', '"not null"']);
        return { op: 'is_null' };
      default:
        throw this.expected(CONDITION_EXPECTED);
    }
  }

  private list(spans: Spans, at: string): Scalar[] {
    this.expectSymbol('[');
    const values: Scalar[] = [];
    for (;;) {
      const token = this.peek();
      const value = this.value(spans, `${at}[${values.length}]`, LIST_VALUE_EXPECTED);
      // Lists hold plain values; a time in a list has no meaning the evaluators share.
      if (typeof value === 'object') throw this.error(token, `a list takes ${orList(LIST_VALUE_EXPECTED)}, not a date`, LIST_VALUE_EXPECTED);
      values.push(value);
      if (this.isSymbol(']')) break;
      if (!this.isSymbol(',')) throw this.expected(['","', '"]"']);
      this.take();
    }
    this.take();
    return values;
  }

  private value(spans: Spans, at: string, expected = VALUE_EXPECTED): Scalar | TimeValue {
    const token = this.peek();
    spans.set(at, token.pos);
    switch (token.kind) {
      case 'number':
        this.take();
        if (!this.isWord('days')) return token.value;
        if (integerValue(token) === undefined) throw this.error(token, `"days ago" takes a whole number of days, found ${token.text}`, ['a whole number of days']);
        this.take();
        this.expectWord('ago');
        return { kind: 'days_ago', days: token.value };
      case 'string':
        this.take();
        return token.value;
      case 'date':
        this.take();
        return { kind: 'date', date: token.text };
      case 'word': {
        const word = token.text.toLowerCase();
        if (word === 'true' || word === 'false') {
          this.take();
          return word === 'true';
        }
        throw this.expected(expected, 'text is written in double quotes');
      }
      case 'symbol':
      case 'eof':
        throw this.expected(expected);
      default:
        return assertNever(token, 'token');
    }
  }

  // --- tokens -------------------------------------------------------------------------------------------------

  private peek(): Token {
    return this.lexer.peek();
  }

  private take(): Token {
    this.previous = this.lexer.next();
    return this.previous;
  }

  private isWord(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private isSymbol(symbol: SymbolText): boolean {
    const token = this.peek();
    return token.kind === 'symbol' && token.symbol === symbol;
  }

  private expectSymbol(symbol: SymbolText): void {
    if (!this.isSymbol(symbol)) throw this.expected([`"${symbol}"`]);
    this.take();
  }

  private expectWord(keyword: string, expected = [`"${keyword}"`]): void {
    if (!this.isWord(keyword)) throw this.expected(expected);
    this.take();
  }

  /** Any word, keywords included: after `customer.` or `(`, a word can only be a name. */
  private word(what: string, spans: Spans, at: string): string {
    const token = this.peek();
    if (token.kind !== 'word') throw this.expected([what]);
    spans.set(at, this.take().pos);
    return token.text;
  }

  // --- errors -------------------------------------------------------------------------------------------------

  private site(spans: Spans): Site {
    return (problem) => {
      throw problemError(problem, { position: locate(spans, problem.at) });
    };
  }

  /** `expected X after "prev", found Y`: the shape of every syntax error, located at the unexpected token. */
  private expected(expected: string[], hint?: string): RuleSyntaxError {
    const found = this.peek();
    const after = this.previous ? ` after ${quoteToken(this.previous)}` : '';
    return this.error(found, `expected ${orList(expected)}${after}, found ${describeToken(found)}${hint ? `; ${hint}` : ''}`, expected);
  }

  private error(token: Token, message: string, expected?: string[]): RuleSyntaxError {
    return new RuleSyntaxError(`at ${formatPosition(token.pos)}: ${message}`, {
      position: token.pos,
      expected,
      found: token.kind === 'eof' ? 'end of input' : token.text,
    });
  }
}

/** The most specific recorded part of a leaf: `condition.values[2]`, else `condition.values`, `condition`, the leaf. */
function locate(spans: Spans, at: string): Position | undefined {
  for (let path = at; ; ) {
    const pos = spans.get(path);
    if (pos || path === '') return pos;
    const parent = path.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
    path = parent === path ? '' : parent;
  }
}

function quoteToken(token: Token): string {
  return token.kind === 'string' ? token.text : `"${token.text}"`;
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return `the string ${token.text}`;
    case 'word':
    case 'number':
    case 'date':
    case 'symbol':
      return `"${token.text}"`;
    default:
      return assertNever(token, 'token');
  }
}
