import fc, { type Arbitrary } from 'fast-check';
import { findFeature } from '../../src/features/catalog.js';
import { assertNever } from '../../src/shared/errors.js';
import {
  EVENT_FILTER_FIELDS,
  type Condition,
  type EventFilter,
  type EventFilterField,
  type EventSelector,
  type Rule,
  type Scalar,
  type TimeValue,
  type Window,
} from '../../src/segments/ast.js';
import {
  ATTRIBUTE_COLUMNS,
  FEATURE_OPERANDS,
  MAX_DAYS,
  acceptedKinds,
  aggregatesFor,
  attributeKeyOperand,
  eventOperand,
  filterOperand,
  type ConditionOp,
  type LeafRule,
  type Operand,
} from '../../src/segments/check.js';
import { isPlainNumber } from '../../src/segments/lexer.js';
import { EVENT_TYPES } from '../../src/store/schema.js';

/*
 * Valid rules (checkRule accepts every one) for property tests. What is valid comes from check.ts's operands, so
 * the generator cannot drift from the checker. Callers with real data pass value pools so that thresholds land
 * near it and rules select some customers but not all; numbers stay integers or halves, exact in binary, so that
 * SQL and JavaScript sums compare the same.
 */

export type LeafKind = LeafRule['kind'];

export interface ValuePools {
  categories: readonly string[];
  brands: readonly string[];
  tags: readonly string[];
  colors: readonly string[];
  materials: readonly string[];
  occasions: readonly string[];
  products: readonly string[];
  channels: readonly string[];
  devices: readonly string[];
  countries: readonly string[];
  queries: readonly string[];
  emails: readonly string[];
  phones: readonly string[];
  audiences: readonly string[];
  /** Event filter `price` and `quantity` thresholds. */
  prices: readonly number[];
  quantities: readonly number[];
  /** Right sides of `count(...)` and `sum(...)`. */
  counts: readonly number[];
  amounts: readonly number[];
  /** `customer.attributes.<key>` -> candidate values (string, number or boolean). */
  attributes: Readonly<Record<string, readonly Scalar[]>>;
  /** Dates in conditions and `between` windows (inclusive, YYYY-MM-DD). */
  dates: { from: string; to: string };
  /** Largest N in `last N days`, `N days ago` and stopped(...). */
  maxDays: number;
}

export interface ArbitraryRuleOptions {
  /** Levels of and/or/not above the leaves; default 3. */
  maxDepth?: number;
  /**
   * Features to use (default: the whole catalog), each with candidate right-hand values; an empty list means values
   * of the feature's type spread over a typical range for its unit.
   */
  features?: Readonly<Record<string, readonly (number | string)[]>>;
  /** Event types for count/sum/first/last and stopped; default every type of the store. */
  eventTypes?: readonly string[];
  /** Which leaf kinds to generate; default all. */
  leafKinds?: readonly LeafKind[];
  /**
   * Replaces the default pools one by one. Defaults mix plausible shop values with text that tests quoting and SQL
   * safety; a pool passed here is used as is (an empty one switches off whatever needs it).
   */
  pools?: Partial<ValuePools>;
}

const INJECTION = "x'; DROP TABLE events; --";

export const DEFAULT_POOLS: ValuePools = {
  categories: ['dresses', 'shoes', 'jeans', 'knitwear', 'outerwear', INJECTION],
  brands: ['Acme', 'Nordkind', 'Maison "Bleu"', 'back\\slash'],
  tags: ['premium', 'basics', 'trend', 'sustainable'],
  colors: ['black', 'navy', 'sky blue'],
  materials: ['linen', 'organic cotton', 'leather'],
  occasions: ['party', 'work', 'travel'],
  products: ['P000001', 'P000042', 'P001234'],
  channels: ['web', 'app', 'store', 'email'],
  devices: ['mobile', 'desktop', 'tablet'],
  countries: ['DE', 'AT', 'GB', 'FR', 'Zürich\n'],
  queries: ['red dress', 'sneakers', ''],
  emails: ['anna@example.com', 'o\'brien@example.org'],
  phones: ['+49 30 1234567'],
  audiences: ['Big Spenders', 'VIP "gold"', INJECTION],
  prices: [0, 9.5, 19.5, 49, 100, 250.5],
  quantities: [1, 2, 3, 5],
  counts: [0, 1, 2, 3, 5, 10],
  amounts: [0, 50, 99.5, 250, 500, 1000.5],
  attributes: { gender: ['f', 'm', 'x'], tier: ['gold', 'silver'], age: [18, 30, 42.5, 67], vip: [true, false] },
  dates: { from: '2023-01-01', to: '2025-12-31' },
  maxDays: 400,
};

const ALL_LEAF_KINDS: readonly LeafKind[] = ['feature', 'attribute', 'event', 'stopped', 'in_audience'];

/** Sources of right-hand values for one left side; a missing kind is one the caller's pools cannot supply. */
interface Values {
  number?: Arbitrary<number>;
  string?: Arbitrary<string>;
  boolean?: Arbitrary<boolean>;
  time?: Arbitrary<TimeValue>;
}
type Kind = keyof Values;

export function arbitraryRule(options: ArbitraryRuleOptions = {}): Arbitrary<Rule> {
  const pools: ValuePools = { ...DEFAULT_POOLS, ...options.pools };
  const generated = new Generators(pools, options.pools ?? {});
  const leaves = (options.leafKinds ?? ALL_LEAF_KINDS).flatMap((kind) => {
    const arbitrary = generated.leaf(kind, options);
    return arbitrary ? [arbitrary] : [];
  });
  if (leaves.length === 0) throw new Error('arbitraryRule: the options leave no leaf that can be generated');
  const leaf = fc.oneof(...leaves);
  let rule: Arbitrary<Rule> = leaf;
  for (let depth = 0; depth < (options.maxDepth ?? 3); depth++) {
    const child = rule;
    const list = fc.array(child, { minLength: 2, maxLength: 3 });
    rule = fc.oneof(
      { arbitrary: leaf, weight: 3 },
      { arbitrary: list.map((rules): Rule => ({ kind: 'and', rules })), weight: 2 },
      { arbitrary: list.map((rules): Rule => ({ kind: 'or', rules })), weight: 2 },
      { arbitrary: child.map((r): Rule => ({ kind: 'not', rule: r })), weight: 1 },
    );
  }
  return rule;
}

class Generators {
  constructor(
    private readonly pools: ValuePools,
    /** The pools the caller chose; defaults additionally get random text, which a caller's data would not match. */
    private readonly given: Partial<ValuePools>,
  ) {}

  leaf(kind: LeafKind, options: ArbitraryRuleOptions): Arbitrary<Rule> | undefined {
    switch (kind) {
      case 'feature':
        return this.feature(options.features);
      case 'attribute':
        return this.attribute();
      case 'event':
        return this.event(options.eventTypes ?? EVENT_TYPES);
      case 'stopped':
        return this.stopped(options.eventTypes ?? EVENT_TYPES);
      case 'in_audience':
        return this.pools.audiences.length > 0 ? fc.constantFrom(...this.pools.audiences).map((audience): Rule => ({ kind: 'in_audience', audience })) : undefined;
      default:
        return assertNever(kind, 'leaf kind');
    }
  }

  private feature(features: ArbitraryRuleOptions['features']): Arbitrary<Rule> | undefined {
    const names = features ? Object.keys(features) : [...FEATURE_OPERANDS.keys()];
    const leaves = names.flatMap((name) => {
      const left = FEATURE_OPERANDS.get(name);
      if (!left) throw new Error(`arbitraryRule: unknown feature ${name}`);
      const condition = conditionFor(left, this.featureValues(name, left, features?.[name] ?? []));
      return condition ? [condition.map((c): Rule => ({ kind: 'feature', feature: name, condition: c }))] : [];
    });
    return leaves.length > 0 ? fc.oneof(...leaves) : undefined;
  }

  private featureValues(name: string, left: Operand, candidates: readonly (number | string)[]): Values {
    if (candidates.length > 0) {
      const wrong = candidates.find((v) => (left.type === 'number' ? typeof v !== 'number' || !isPlainNumber(v) : typeof v !== 'string'));
      if (wrong !== undefined) throw new Error(`arbitraryRule: ${JSON.stringify(wrong)} is not a value of ${name} (${left.type})`);
      return left.type === 'number' ? { number: fc.constantFrom(...(candidates as number[])) } : { string: fc.constantFrom(...(candidates as string[])) };
    }
    if (left.type === 'string') return { string: this.text(name === 'top_category' ? 'categories' : undefined) };
    const integer = findFeature('customer', name)?.type === 'integer';
    switch (left.unit) {
      case 'days':
        return { number: integer ? fc.integer({ min: 0, max: 730 }) : halves(0, 365) };
      case 'currency':
        return { number: halves(-100, 5000) };
      case 'ratio':
        return { number: fc.constantFrom(0, 0.5, 1) };
      case 'index':
        return { number: halves(0, 4) };
      case 'count':
      case null:
      default:
        return { number: integer ? fc.integer({ min: 0, max: 50 }) : halves(0, 50) };
    }
  }

  private attribute(): Arbitrary<Rule> | undefined {
    const columns = [...ATTRIBUTE_COLUMNS].map(([name, left]) => ({ path: [name], left, values: this.columnValues(name, left) }));
    const keys = Object.entries(this.pools.attributes).map(([key, candidates]) => ({ path: ['attributes', key], left: attributeKeyOperand(key), values: scalarValues(candidates) }));
    const leaves = [...columns, ...keys].flatMap(({ path, left, values }) => {
      const condition = conditionFor(left, values);
      return condition ? [condition.map((c): Rule => ({ kind: 'attribute', path, condition: c }))] : [];
    });
    return leaves.length > 0 ? fc.oneof(...leaves) : undefined;
  }

  private columnValues(column: string, left: Operand): Values {
    switch (left.type) {
      case 'string':
        return { string: this.text(column === 'country' ? 'countries' : column === 'email' ? 'emails' : column === 'phone' ? 'phones' : undefined) };
      case 'boolean':
        return { boolean: fc.boolean() };
      case 'time':
        return { time: this.time() };
      case 'number':
        return { number: halves(0, 100) };
      case 'json':
        return {};
      default:
        return assertNever(left.type, 'value type');
    }
  }

  private event(eventTypes: readonly string[]): Arbitrary<Rule> | undefined {
    if (eventTypes.length === 0) return undefined;
    const windowArb = this.window();
    return fc
      .tuple(this.selector(eventTypes), windowArb)
      .chain(([selector, window]) =>
        fc.constantFrom(...aggregatesFor(selector.eventType)).chain((aggregate) => {
          const left = eventOperand(aggregate, selector.eventType);
          const values: Values =
            left.type === 'time' ? { time: this.time() } : { number: aggregate === 'share' ? SHARES : this.numbers(aggregate === 'sum' ? 'amounts' : 'counts') };
          // With the caller's count/amount pool empty, "at least one event" still makes a valid rule.
          const condition = conditionFor(left, values) ?? fc.constant<Condition>({ op: '>=', value: 1 });
          return condition.map((c): Rule => ({ kind: 'event', aggregate, selector, window, condition: c }));
        }),
      );
  }

  private stopped(eventTypes: readonly string[]): Arbitrary<Rule> | undefined {
    const max = Math.min(this.pools.maxDays, MAX_DAYS);
    if (eventTypes.length === 0 || max < 2) return undefined;
    return fc
      .tuple(this.selector(eventTypes), fc.integer({ min: 1, max: max - 1 }), fc.integer({ min: 1, max }))
      .map(([selector, recent, extra]): Rule => ({ kind: 'stopped', selector, within: Math.min(max, recent + extra), recent }));
  }

  private selector(eventTypes: readonly string[]): Arbitrary<EventSelector> {
    const filters = EVENT_FILTER_FIELDS.flatMap((field) => {
      const condition = conditionFor(filterOperand(field), this.filterValues(field));
      return condition ? [condition.map((c): EventFilter => ({ field, condition: c }))] : [];
    });
    const filterList = filters.length > 0 ? fc.array(fc.oneof(...filters), { maxLength: 2 }) : fc.constant<EventFilter[]>([]);
    // Not fc.record: its objects have a null prototype, which strict equality with parsed ASTs rejects.
    return fc.tuple(fc.constantFrom(...eventTypes), filterList).map(([eventType, filters]): EventSelector => ({ eventType, filters }));
  }

  private filterValues(field: EventFilterField): Values {
    switch (field) {
      case 'price':
        return { number: this.numbers('prices') };
      case 'quantity':
        return { number: this.numbers('quantities') };
      case 'category':
        return { string: this.text('categories') };
      case 'brand':
        return { string: this.text('brands') };
      case 'tag':
        return { string: this.text('tags') };
      case 'color':
        return { string: this.text('colors') };
      case 'material':
        return { string: this.text('materials') };
      case 'occasion':
        // Only the occasion vocabulary is valid, so no random text: from the pool as given.
        return this.pools.occasions.length > 0 ? { string: fc.constantFrom(...this.pools.occasions) } : {};
      case 'product':
        return { string: this.text('products') };
      case 'channel':
        return { string: this.text('channels') };
      case 'device':
        return { string: this.text('devices') };
      case 'country':
        return { string: this.text('countries') };
      case 'query':
        return { string: this.text('queries') };
      default:
        return assertNever(field, 'filter field');
    }
  }

  private window(): Arbitrary<Window> {
    const max = Math.min(this.pools.maxDays, MAX_DAYS);
    return fc.oneof(
      fc.constant<Window>({ kind: 'all' }),
      fc.integer({ min: 1, max: Math.max(1, max) }).map((days): Window => ({ kind: 'last_days', days })),
      fc.tuple(this.date(), this.date()).map(([a, b]): Window => ({ kind: 'between', from: a < b ? a : b, to: a < b ? b : a })),
    );
  }

  private time(): Arbitrary<TimeValue> {
    return fc.oneof(
      this.date().map((date): TimeValue => ({ kind: 'date', date })),
      fc.integer({ min: 0, max: Math.min(this.pools.maxDays, MAX_DAYS) }).map((days): TimeValue => ({ kind: 'days_ago', days })),
    );
  }

  private date(): Arbitrary<string> {
    const from = Date.parse(`${this.pools.dates.from}T00:00:00Z`);
    const to = Date.parse(`${this.pools.dates.to}T00:00:00Z`);
    if (!(from <= to)) throw new Error(`arbitraryRule: bad date range ${JSON.stringify(this.pools.dates)}`);
    return fc.integer({ min: 0, max: Math.round((to - from) / DAY_MS) }).map((days) => new Date(from + days * DAY_MS).toISOString().slice(0, 10));
  }

  /** Text from a pool; a default pool also gets arbitrary strings, to exercise quoting and escapes. */
  private text(pool: StringPool | undefined): Arbitrary<string> | undefined {
    const candidates = pool ? this.pools[pool] : [];
    const given = pool !== undefined && this.given[pool] !== undefined;
    if (given) return candidates.length > 0 ? fc.constantFrom(...candidates) : undefined;
    const random = fc.string({ maxLength: 8, unit: 'binary' });
    return candidates.length > 0 ? fc.oneof(fc.constantFrom(...candidates), random) : random;
  }

  private numbers(pool: NumberPool): Arbitrary<number> | undefined {
    const candidates = this.pools[pool];
    return candidates.length > 0 ? fc.constantFrom(...candidates) : undefined;
  }
}

type StringPool = { [K in keyof ValuePools]: ValuePools[K] extends readonly string[] ? K : never }[keyof ValuePools];
type NumberPool = { [K in keyof ValuePools]: ValuePools[K] extends readonly number[] ? K : never }[keyof ValuePools];

const DAY_MS = 86_400_000;
/** Right sides of `share(...)`: fractions exact in binary. */
const SHARES = fc.constantFrom(0, 0.25, 0.5, 0.75, 1);

function halves(min: number, max: number): Arbitrary<number> {
  return fc.integer({ min: min * 2, max: max * 2 }).map((n) => n / 2);
}

function scalarValues(candidates: readonly Scalar[]): Values {
  const numbers = candidates.filter((v): v is number => typeof v === 'number');
  const strings = candidates.filter((v): v is string => typeof v === 'string');
  const booleans = candidates.filter((v): v is boolean => typeof v === 'boolean');
  return {
    number: numbers.length > 0 ? fc.constantFrom(...numbers) : undefined,
    string: strings.length > 0 ? fc.constantFrom(...strings) : undefined,
    boolean: booleans.length > 0 ? fc.constantFrom(...booleans) : undefined,
  };
}

/** Every condition the left side takes for which the values can be generated, or undefined if there is none. */
function conditionFor(left: Operand, values: Values): Arbitrary<Condition> | undefined {
  const options = left.ops.flatMap((op) => {
    const arbitrary = conditionWith(left, op, values);
    return arbitrary ? [arbitrary] : [];
  });
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

function conditionWith(left: Operand, op: ConditionOp, values: Values): Arbitrary<Condition> | undefined {
  const kinds = acceptedKinds(left, op).filter((k) => values[k] !== undefined);
  switch (op) {
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const value = oneOf(kinds.map((k) => valueOf(values, k)));
      return value?.map((v): Condition => ({ op, value: v }));
    }
    case 'in':
    case 'not_in': {
      // One type per list: a custom attribute's list must not mix types.
      const lists = oneOf(kinds.map((k) => scalarOf(values, k)).map((a) => a && fc.array(a, { minLength: 1, maxLength: 4 })));
      return lists?.map((vs): Condition => ({ op, values: vs }));
    }
    case 'between': {
      const pairs = oneOf(
        kinds.map((k) => {
          const a = valueOf(values, k);
          // Ordered bounds select something; reversed ones are valid but always empty.
          return a && fc.tuple(a, a).map(([x, y]): [Scalar | TimeValue, Scalar | TimeValue] => (typeof x === 'number' && typeof y === 'number' && x > y ? [y, x] : [x, y]));
        }),
      );
      return pairs?.map(([low, high]): Condition => ({ op: 'between', low, high }));
    }
    case 'contains':
      return values.string?.map((s): Condition => ({ op: 'contains', value: s.slice(0, 3) }));
    case 'is_null':
    case 'is_not_null':
      return fc.constant<Condition>({ op });
    default:
      return assertNever(op, 'operator');
  }
}

function valueOf(values: Values, kind: Kind): Arbitrary<Scalar | TimeValue> | undefined {
  return kind === 'time' ? values.time : scalarOf(values, kind);
}

function scalarOf(values: Values, kind: Kind): Arbitrary<Scalar> | undefined {
  switch (kind) {
    case 'number':
      return values.number;
    case 'string':
      return values.string;
    case 'boolean':
      return values.boolean;
    case 'time':
      return undefined;
    default:
      return assertNever(kind, 'value kind');
  }
}

function oneOf<T>(arbitraries: ReadonlyArray<Arbitrary<T> | undefined>): Arbitrary<T> | undefined {
  const present = arbitraries.filter((a): a is Arbitrary<T> => a !== undefined);
  return present.length > 0 ? fc.oneof(...present) : undefined;
}
