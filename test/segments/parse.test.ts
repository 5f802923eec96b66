import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/shared/errors.js';
import type { Rule } from '../../src/segments/ast.js';
import { checkRule } from '../../src/segments/check.js';
import { parseRule } from '../../src/segments/parser.js';
import { printRule } from '../../src/segments/printer.js';
import { RuleSyntaxError } from '../../src/segments/rule-error.js';
import { levenshtein, suggest } from '../../src/segments/suggest.js';
import { arbitraryRule } from './arbitraries.js';

function parseError(text: string): RuleSyntaxError {
  try {
    parseRule(text);
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

function checkError(rule: unknown): RuleSyntaxError {
  try {
    checkRule(rule as Rule);
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(rule)} to fail the check`);
}

const at = (offset: number, line: number, column: number) => ({ offset, line, column });

describe('parseRule', () => {
  const examples: Array<[string, Rule]> = [
    [
      'recency_days <= 30 and orders >= 3 and count(order where category = "shoes", last 90 days) >= 2',
      {
        kind: 'and',
        rules: [
          { kind: 'feature', feature: 'recency_days', condition: { op: '<=', value: 30 } },
          { kind: 'feature', feature: 'orders', condition: { op: '>=', value: 3 } },
          {
            kind: 'event',
            aggregate: 'count',
            selector: { eventType: 'order', filters: [{ field: 'category', condition: { op: '=', value: 'shoes' } }] },
            window: { kind: 'last_days', days: 90 },
            condition: { op: '>=', value: 2 },
          },
        ],
      },
    ],
    [
      'not (customer.country in ["DE", "AT"]) or customer.attributes.gender = "f"',
      {
        kind: 'or',
        rules: [
          { kind: 'not', rule: { kind: 'attribute', path: ['country'], condition: { op: 'in', values: ['DE', 'AT'] } } },
          { kind: 'attribute', path: ['attributes', 'gender'], condition: { op: '=', value: 'f' } },
        ],
      },
    ],
    [
      'last(view where tag = "premium" and price > 100) >= 7 days ago',
      {
        kind: 'event',
        aggregate: 'last',
        selector: {
          eventType: 'view',
          filters: [
            { field: 'tag', condition: { op: '=', value: 'premium' } },
            { field: 'price', condition: { op: '>', value: 100 } },
          ],
        },
        window: { kind: 'all' },
        condition: { op: '>=', value: { kind: 'days_ago', days: 7 } },
      },
    ],
    [
      'sum(order, between 2024-01-01 and 2024-06-30) > 500',
      {
        kind: 'event',
        aggregate: 'sum',
        selector: { eventType: 'order', filters: [] },
        window: { kind: 'between', from: '2024-01-01', to: '2024-06-30' },
        condition: { op: '>', value: 500 },
      },
    ],
    [
      'stopped(order where brand = "Acme", 180 days, 60 days)',
      { kind: 'stopped', selector: { eventType: 'order', filters: [{ field: 'brand', condition: { op: '=', value: 'Acme' } }] }, within: 180, recent: 60 },
    ],
    ['in audience "Big Spenders"', { kind: 'in_audience', audience: 'Big Spenders' }],
    [
      'share(order where color = "black" and material in ["linen", "silk"] and occasion = "party", last 90 days) >= 0.5',
      {
        kind: 'event',
        aggregate: 'share',
        selector: {
          eventType: 'order',
          filters: [
            { field: 'color', condition: { op: '=', value: 'black' } },
            { field: 'material', condition: { op: 'in', values: ['linen', 'silk'] } },
            { field: 'occasion', condition: { op: '=', value: 'party' } },
          ],
        },
        window: { kind: 'last_days', days: 90 },
        condition: { op: '>=', value: 0.5 },
      },
    ],
    ['top_category = "shoes"', { kind: 'feature', feature: 'top_category', condition: { op: '=', value: 'shoes' } }],
    ['email_open_rate is null', { kind: 'feature', feature: 'email_open_rate', condition: { op: 'is_null' } }],
    ['customer.created_at < 2024-01-01', { kind: 'attribute', path: ['created_at'], condition: { op: '<', value: { kind: 'date', date: '2024-01-01' } } }],
  ];

  it.each(examples)('parses %s', (text, expected) => {
    expect(parseRule(text)).toStrictEqual(expected);
    checkRule(expected);
  });

  it('binds between to its own "and", inside and outside event filters', () => {
    expect(parseRule('orders between 1 and 5 and aov > 2.5')).toStrictEqual({
      kind: 'and',
      rules: [
        { kind: 'feature', feature: 'orders', condition: { op: 'between', low: 1, high: 5 } },
        { kind: 'feature', feature: 'aov', condition: { op: '>', value: 2.5 } },
      ],
    });
    expect(parseRule('count(order where price between 10 and 20 and country not in ["DE"], last 30 days) in [1, 2]')).toStrictEqual({
      kind: 'event',
      aggregate: 'count',
      selector: {
        eventType: 'order',
        filters: [
          { field: 'price', condition: { op: 'between', low: 10, high: 20 } },
          { field: 'country', condition: { op: 'not_in', values: ['DE'] } },
        ],
      },
      window: { kind: 'last_days', days: 30 },
      condition: { op: 'in', values: [1, 2] },
    });
  });

  it('gives and precedence over or, and keeps explicit grouping as its own node', () => {
    const a = { kind: 'feature', feature: 'orders', condition: { op: '>', value: 1 } } as const;
    const b = { kind: 'feature', feature: 'aov', condition: { op: '>', value: 2 } } as const;
    const c = { kind: 'feature', feature: 'returns', condition: { op: '=', value: 0 } } as const;
    expect(parseRule('orders > 1 or aov > 2 and returns = 0')).toStrictEqual({ kind: 'or', rules: [a, { kind: 'and', rules: [b, c] }] });
    expect(parseRule('(orders > 1 or aov > 2) and returns = 0')).toStrictEqual({ kind: 'and', rules: [{ kind: 'or', rules: [a, b] }, c] });
    expect(parseRule('orders > 1 and (aov > 2 and returns = 0)')).toStrictEqual({ kind: 'and', rules: [a, { kind: 'and', rules: [b, c] }] });
    expect(parseRule('not not orders > 1')).toStrictEqual({ kind: 'not', rule: { kind: 'not', rule: a } });
  });

  it('keeps names case-sensitive, suggesting the right spelling', () => {
    expect(parseError('ORDERS > 1').message).toBe('unknown feature "ORDERS" at 1:1; did you mean orders?');
  });

  it('reads keywords in any case, values of every kind, and SQL-looking strings as plain strings', () => {
    expect(parseRule('NOT Customer.consent_email = TRUE AND customer.attributes.age >= -1.5 Or COUNT(order) >= 0')).toStrictEqual({
      kind: 'or',
      rules: [
        {
          kind: 'and',
          rules: [
            { kind: 'not', rule: { kind: 'attribute', path: ['consent_email'], condition: { op: '=', value: true } } },
            { kind: 'attribute', path: ['attributes', 'age'], condition: { op: '>=', value: -1.5 } },
          ],
        },
        { kind: 'event', aggregate: 'count', selector: { eventType: 'order', filters: [] }, window: { kind: 'all' }, condition: { op: '>=', value: 0 } },
      ],
    });
    const injection = parseRule('top_category = "x\'; DROP TABLE events; --" or customer.email contains "\\"\\\\"');
    expect(injection).toStrictEqual({
      kind: 'or',
      rules: [
        { kind: 'feature', feature: 'top_category', condition: { op: '=', value: "x'; DROP TABLE events; --" } },
        { kind: 'attribute', path: ['email'], condition: { op: 'contains', value: '"\\' } },
      ],
    });
    expect(printRule(injection)).toBe('top_category = "x\'; DROP TABLE events; --" or customer.email contains "\\"\\\\"');
  });

  it('prints canonical text with minimal parentheses', () => {
    expect(printRule(parseRule('(  orders>1 )AND(aov<2 OR (returns=0))'))).toBe('orders > 1 and (aov < 2 or returns = 0)');
    expect(printRule(parseRule('not (orders > 1)'))).toBe('not orders > 1');
    expect(printRule(parseRule('not (orders > 1 and aov < 2)'))).toBe('not (orders > 1 and aov < 2)');
    expect(printRule(parseRule('revenue >= 10.50 and customer.created_at between 30 days ago and 2024-01-01'))).toBe(
      'revenue >= 10.5 and customer.created_at between 30 days ago and 2024-01-01',
    );
  });
});

describe('parse errors', () => {
  const cases: Array<[string, string, ReturnType<typeof at>, Partial<RuleSyntaxError['details']>?]> = [
    ['recnecy_days <= 30', 'unknown feature "recnecy_days" at 1:1; did you mean recency_days?', at(0, 1, 1), { suggestions: ['recency_days'], found: 'recnecy_days' }],
    ['recency_days = "thirty"', 'at 1:16: recency_days is a number (days), but the right side "thirty" is text', at(15, 1, 16)],
    [
      'orders_90d <=',
      'at 1:14: expected a number, a string, true, false, a date or "N days ago" after "<=", found end of input',
      at(13, 1, 14),
      { found: 'end of input', expected: ['a number', 'a string', 'true', 'false', 'a date', '"N days ago"'] },
    ],
    ['orders > 1 and\n  customer.created_at < 2024-02-30', 'at 2:25: 2024-02-30 is not a real date (February 2024 has 29 days)', at(39, 2, 25)],
    ['count(ordr) >= 1', 'unknown event type "ordr" at 1:7; did you mean order?', at(6, 1, 7), { suggestions: ['order'] }],
    ['count(order where categroy = "shoes") >= 1', 'unknown event field "categroy" at 1:19; did you mean category?', at(18, 1, 19)],
    ['in audience Big', 'at 1:13: expected a string (the audience name) after "audience", found "Big"', at(12, 1, 13)],
    ['(orders > 1 or aov > 2', 'at 1:23: expected "and", "or" or ")" after "2", found end of input; the "(" at 1:1 is not closed', at(22, 1, 23)],
    ['orders > 1)', 'at 1:11: expected "and", "or" or end of input after "1", found ")"; there is no "(" for it to close', at(10, 1, 11)],
    ['count(order, last 0 days) >= 1', 'at 1:19: the window "last 0 days" is empty; expected a positive whole number of days', at(18, 1, 19)],
    ['orders contains "3"', 'at 1:8: the left side orders is a number (count) and does not take contains (use =, !=, <, <=, >, >=, in, not in, between, is null or is not null)', at(7, 1, 8)],
    ['first(order) > 3', 'at 1:16: first(order) is a date, but the right side 3 is a number', at(15, 1, 16)],
    ['customer.created_at > 5', 'at 1:23: customer.created_at is a date, but the right side 5 is a number', at(22, 1, 23)],
    ['recency_days < 7 days ago', 'at 1:16: recency_days is a number (days), but the right side 7 days ago is a date', at(15, 1, 16)],
    ['sum(view) > 3', 'at 1:1: sum reads order lines, so it takes order or return events, not view', at(0, 1, 1)],
    ['share(view where color = "red") > 0.5', 'at 1:1: share reads order lines, so it takes order or return events, not view', at(0, 1, 1)],
    ['share(order where material = "linen") >= 50', 'at 1:42: a share is a fraction of units from 0 to 1 (half is 0.5), found 50', at(41, 1, 42)],
    ['share(order) between 0.2 and 1.5', 'at 1:30: a share is a fraction of units from 0 to 1 (half is 0.5), found 1.5', at(29, 1, 30)],
    [
      'count(order where color = "red" and occasion in ["work", "partty"]) >= 1',
      'unknown occasion "partty" at 1:58; did you mean party?',
      at(57, 1, 58),
      { suggestions: ['party'], found: 'partty' },
    ],
    ['count(order where occasion contains "par") >= 1', 'at 1:28: the left side occasion is text and does not take contains (use = or in)', at(27, 1, 28)],
    ['count(order where material != "linen") >= 1', 'at 1:28: the left side material is text and does not take != (use =, contains or in)', at(27, 1, 28)],
    ['customer.countyr = "DE"', 'unknown customer field "countyr" at 1:10; did you mean country?', at(9, 1, 10)],
    ['top_category = shoes', 'at 1:16: expected a number, a string, true, false, a date or "N days ago" after "=", found "shoes"; text is written in double quotes', at(15, 1, 16)],
    ['stopped(order, 60 days, 180 days)', 'at 1:25: stopped needs the recent span shorter than the whole: 180 days is not less than 60 days', at(24, 1, 25)],
    ['count(order, between 2024-06-01 and 2024-01-01) > 1', 'at 1:37: the window ends (2024-01-01) before it starts (2024-06-01)', at(36, 1, 37)],
    ['top_category = "shoes', 'at 1:16: unterminated string: a closing " is missing', at(15, 1, 16)],
    ['orders = 1e5', 'at 1:10: malformed number or date "1e5"', at(9, 1, 10)],
    ['', 'at 1:1: expected a feature, "customer.", count(, sum(, first(, last(, share(, stopped(, "in audience", "not" or "(", found end of input', at(0, 1, 1)],
  ];

  it.each(cases)('%s', (text, message, position, details) => {
    const err = parseError(text);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe('invalid_input');
    expect(err.message).toBe(message);
    expect(err.details.position).toStrictEqual(position);
    expect(err.details.path).toBeUndefined();
    if (details) expect(err.details).toMatchObject(details);
  });

  it('always carries every detail key', () => {
    expect(Object.keys(parseError('orders >').details).sort()).toStrictEqual(['expected', 'found', 'path', 'position', 'suggestions']);
  });

  it('fails cleanly on deep nesting instead of overflowing the stack', () => {
    expect(parseError(`${'('.repeat(5000)}orders > 1${')'.repeat(5000)}`).message).toMatch(/nests deeper than 100 levels/);
    expect(parseError(`${'not '.repeat(5000)}orders > 1`).message).toMatch(/nests deeper than 100 levels/);
  });
});

describe('checkRule', () => {
  const orders = { kind: 'feature', feature: 'orders', condition: { op: '>=', value: 1 } };

  it('reports AST paths instead of positions', () => {
    const err = checkError({ kind: 'and', rules: [orders, { kind: 'feature', feature: 'recency_days', condition: { op: '<', value: 'soon' } }] });
    expect(err.message).toBe('at rules[1].condition.value: recency_days is a number (days), but the right side "soon" is text');
    expect(err.details.path).toBe('rules[1].condition.value');
    expect(err.details.position).toBeUndefined();
    expect(checkError({ kind: 'or', rules: [orders, { kind: 'not', rule: { kind: 'feature', feature: 'revnue', condition: { op: 'is_null' } } }] }).message).toBe(
      'unknown feature "revnue" at rules[1].rule.feature; did you mean revenue?',
    );
  });

  it('rejects ASTs the text form cannot express or that are malformed JSON', () => {
    expect(checkError({ kind: 'and', rules: [orders] }).message).toBe('at rules: "and" needs at least two rules');
    expect(checkError({ kind: 'feature', feature: 'orders', condition: { op: '>', value: 1e21 } }).message).toBe(
      'at condition.value: 1e+21 cannot be written as a plain decimal number',
    );
    expect(checkError({ kind: 'feature', feature: 'orders', condition: { op: 'in', values: [] } }).message).toBe('at condition.values: in needs at least one value');
    expect(checkError({ kind: 'attribute', path: ['attributes', 'a-b'], condition: { op: 'is_null' } }).message).toMatch(/^at path\[1\]: "a-b" is not a field name/);
    expect(checkError({ kind: 'attribute', path: ['attributes', 'x'], condition: { op: 'in', values: [1, 'a'] } }).message).toBe(
      'at condition.values[1]: the values after in must all be of one type, but 1 is a number and "a" is text',
    );
    expect(checkError({ kind: 'bogus' }).message).toMatch(/^at the rule: expected a rule with kind and, or, not/);
    expect(checkError({ kind: 'not', rule: { kind: 'feature', feature: 'orders', condition: { op: '~', value: 1 } } }).message).toBe(
      'at rule.condition: expected a comparison, found "~"',
    );
    expect(checkError({ kind: 'in_audience', audience: ' ' }).message).toBe('at audience: in audience needs the name of an audience');
  });
});

describe('suggestions', () => {
  it('measures edit distance and keeps the closest three within reach', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    // Ties keep the candidates' order (the catalog's).
    expect(suggest('revenue9d', ['revenue', 'revenue_90d', 'orders_90d', 'aov'])).toStrictEqual(['revenue', 'revenue_90d']);
    expect(suggest('Orders', ['orders', 'returns'])).toStrictEqual(['orders']);
    expect(suggest('zzzzzz', ['revenue', 'orders'])).toStrictEqual([]);
  });
});

describe('round trip (property)', () => {
  it('parses printed rules back to the same AST, and checkRule accepts every generated rule', () => {
    fc.assert(
      fc.property(arbitraryRule(), (rule) => {
        checkRule(rule);
        const text = printRule(rule);
        const parsed = parseRule(text);
        expect(parsed).toStrictEqual(rule);
        expect(printRule(parsed)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('works with caller-supplied pools, features and event types', () => {
    const arbitrary = arbitraryRule({
      maxDepth: 2,
      features: { orders: [1, 2, 3], revenue: [99.5, 250], top_category: ['shoes'], recency_days: [] },
      eventTypes: ['order', 'view'],
      leafKinds: ['feature', 'event', 'attribute'],
      pools: { categories: ['shoes'], brands: [], countries: ['DE'], dates: { from: '2024-01-01', to: '2024-03-31' }, maxDays: 60 },
    });
    fc.assert(
      fc.property(arbitrary, (rule) => {
        checkRule(rule);
        const text = printRule(rule);
        expect(parseRule(text)).toStrictEqual(rule);
        // An empty pool leaves only the value-free conditions on its field.
        expect(text).not.toMatch(/brand (?!is )|stopped|in audience/);
      }),
      { numRuns: 100 },
    );
  });

  it('either parses or throws a RuleSyntaxError on arbitrary and on damaged text', () => {
    const damaged = fc.tuple(arbitraryRule({ maxDepth: 2 }), fc.nat(), fc.nat({ max: 4 }), fc.string({ maxLength: 2 })).map(([rule, at, cut, insert]) => {
      const text = printRule(rule);
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + cut);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), damaged), (text) => {
        let rule: Rule;
        try {
          rule = parseRule(text);
        } catch (err) {
          expect(err).toBeInstanceOf(RuleSyntaxError);
          return;
        }
        // Whatever parses is valid, and its canonical text is a fixed point.
        checkRule(rule);
        expect(printRule(parseRule(printRule(rule)))).toBe(printRule(rule));
      }),
      { numRuns: 500 },
    );
  });
});
