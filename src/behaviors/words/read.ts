import { ValidationError } from '../../shared/errors.js';
import { parseRule, printRule, type Condition, type EventFilter, type Rule } from '../../segments/index.js';
import { closestWord, phraseKey, searchProducts, type Lexicon } from './lexicon.js';
import { forms, tokenize, type Token } from './tokens.js';
import type { Comparator, Meaning, ProductField } from './vocabulary.js';

/**
 * The embedded interpreter: a marketer's words -> a rule of the segments language, and how each word was read.
 * Deterministic and local: compromise reads the words (roots, numbers, negation), the store's lexicon names what
 * they mean, BM25 over the catalog resolves nouns nothing else knows. The result is printed and parsed back, so it
 * is only ever a rule the checker accepts.
 */

export interface Span {
  text: string;
  start: number;
  end: number;
  /** What the words became, in the rule's own terms (`category = "sneakers"`, `not`, `last 60 days`). */
  meaning: string;
}

export interface Ambiguity {
  words: string;
  choice: string;
  alternatives: string[];
}

export interface Reading {
  /** The rule text (canonical), or null when nothing was understood. */
  spec: string;
  rule: Rule;
  /** One per condition of the spec, in order: the condition and the words it came from. */
  conditions: Array<{ rule: string; words: string }>;
  spans: Span[];
  not_understood: string[];
  ambiguities: Ambiguity[];
}

/** A run of tokens read as one thing. */
interface Piece {
  first: number;
  last: number;
  meaning: Meaning | { kind: 'number'; value: number; money: boolean } | { kind: 'unknown' };
}

const FILLER_TAGS = ['Determiner', 'Preposition', 'Conjunction', 'Pronoun', 'Copula', 'Auxiliary', 'QuestionWord'];

export function readWords(lexicon: Lexicon, text: string): Reading {
  const tokens = tokenize(text);
  const ambiguities: Ambiguity[] = [];
  const pieces = match(lexicon, tokens, ambiguities);
  const words = (p: { first: number; last: number }): string => text.slice(tokens[p.first]!.start, tokens[p.last]!.end);
  const unknown = pieces.filter((p) => p.meaning.kind === 'unknown').map(words);
  const clauses = splitClauses(pieces, tokens, text, ambiguities, words);
  const built: Array<{ rule: Rule; pieces: Piece[] }> = [];
  for (const clause of clauses) built.push(...buildClause(clause, ambiguities, words));
  if (built.length === 0) {
    const listed = unknown.length ? unknown : tokens.map((t) => t.text);
    throw new ValidationError(
      listed.length
        ? `could not understand the description: no word of it names a product, a behaviour or a customer trait (not understood: ${listed.map((w) => JSON.stringify(w)).join(', ')})`
        : 'could not understand the description: it is empty',
      { not_understood: listed },
    );
  }
  const rule: Rule = built.length === 1 ? built[0]!.rule : { kind: 'and', rules: built.map((b) => b.rule) };
  // Printed and parsed back: what the interpreter hands out is exactly what the checker accepts.
  const spec = printRule(parseRule(printRule(rule)));
  return {
    spec,
    rule: parseRule(spec),
    conditions: built.map((b) => ({ rule: printRule(b.rule), words: b.pieces.map(words).join(' … ') })),
    spans: pieces.filter((p) => !['unknown', 'filler', 'boundary', 'join'].includes(p.meaning.kind)).map((p) => ({ text: words(p), start: tokens[p.first]!.start, end: tokens[p.last]!.end, meaning: describe(p) })),
    not_understood: unknown,
    ambiguities,
  };
}

// --- words -> pieces ---------------------------------------------------------------------------------------------

function match(lexicon: Lexicon, tokens: Token[], ambiguities: Ambiguity[]): Piece[] {
  const pieces: Piece[] = [];
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i]!;
    const found = longestPhrase(lexicon, tokens, i);
    if (found) {
      const [first, ...others] = found.meanings;
      const text = tokens.slice(i, i + found.length).map((t) => t.text).join(' ');
      if (others.length > 0 && first!.kind === 'product') ambiguities.push({ words: text, choice: meaningText(first), alternatives: others.map(meaningText) });
      pieces.push({ first: i, last: i + found.length - 1, meaning: first! });
      i += found.length;
      continue;
    }
    if (token.number !== undefined) {
      pieces.push({ first: i, last: i, meaning: { kind: 'number', value: token.number, money: token.money } });
      i++;
      continue;
    }
    pieces.push({ first: i, last: i, meaning: guess(lexicon, token, ambiguities) });
    i++;
  }
  return pieces;
}

function longestPhrase(lexicon: Lexicon, tokens: Token[], i: number): { length: number; meanings: readonly Meaning[] } | undefined {
  const afterNumber = tokens[i - 1]?.number !== undefined;
  for (let n = Math.min(lexicon.longest, tokens.length - i); n >= 1; n--) {
    const head = tokens.slice(i, i + n - 1).map((t) => t.normal);
    for (const last of forms(tokens[i + n - 1]!)) {
      const key = phraseKey([...head, last].join(' '));
      // "3 orders": after a number, order/orders/times count orders instead of naming the event.
      const meanings = (afterNumber && n === 1 ? lexicon.meanings.get(`${key}#n`) : undefined) ?? lexicon.meanings.get(key);
      if (meanings) return { length: n, meanings };
    }
  }
  return undefined;
}

/** A word no phrase knows: a typo of one that does, a product noun the catalog search finds, or not understood. */
function guess(lexicon: Lexicon, token: Token, ambiguities: Ambiguity[]): Piece['meaning'] {
  const typo = closestWord(lexicon, token.normal);
  if (typo) {
    const meaning = lexicon.meanings.get(typo)![0]!;
    ambiguities.push({ words: token.text, choice: `read as "${typo}" (${meaningText(meaning)}), a likely typo`, alternatives: [] });
    return meaning;
  }
  if (FILLER_TAGS.some((t) => token.tags.includes(t))) return { kind: 'filler' };
  if (token.normal.length >= 4 && (token.tags.includes('Noun') || token.tags.includes('Adjective'))) {
    const hits = searchProducts(lexicon, token.normal);
    if (hits.length > 0) {
      const total = hits.reduce((s, h) => s + h.score, 0);
      const byCategory = new Map<string, number>();
      for (const h of hits) byCategory.set(h.category, (byCategory.get(h.category) ?? 0) + h.score);
      const [category, score] = [...byCategory].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
      if (category && score / total >= 0.6) {
        const others = [...byCategory.keys()].filter((c) => c !== category && c !== '');
        ambiguities.push({
          words: token.text,
          choice: `no catalog word; the ${hits.length} products whose titles or attributes match it are mostly ${category} (${Math.round((100 * score) / total)}% of the match), so category = "${category}"`,
          alternatives: others.map((c) => `category = "${c}"`),
        });
        return { kind: 'product', field: 'category', value: category };
      }
    }
  }
  return { kind: 'unknown' };
}

// --- pieces -> clauses --------------------------------------------------------------------------------------------

const sameKind = (a: Piece['meaning'], b: Piece['meaning']): boolean =>
  a.kind === b.kind && (a.kind !== 'product' || b.kind !== 'product' || a.field === b.field) && ['product', 'country', 'channel', 'device'].includes(a.kind);

/**
 * Clauses end at "who", "that", "but", punctuation and an "and" between unlike things; an "and"/"or" between two
 * like things (linen and silk, Germany or France) lists alternatives of one condition instead.
 */
function splitClauses(pieces: Piece[], tokens: Token[], text: string, ambiguities: Ambiguity[], words: (p: Piece) => string): Piece[][] {
  const clauses: Piece[][] = [[]];
  pieces.forEach((piece, i) => {
    const gap = i > 0 ? text.slice(tokens[pieces[i - 1]!.last]!.end, tokens[piece.first]!.start) : '';
    if (/[,;.!?]/.test(gap) && !(pieces[i - 1] && sameKind(pieces[i - 1]!.meaning, piece.meaning))) clauses.push([]);
    const current = clauses[clauses.length - 1]!;
    if (piece.meaning.kind === 'boundary') {
      clauses.push([]);
      return;
    }
    if (piece.meaning.kind === 'join') {
      const before = pieces[i - 1];
      const after = pieces[i + 1];
      if (before && after && sameKind(before.meaning, after.meaning)) {
        if (words(piece).toLowerCase() === 'and' && before.meaning.kind === 'product') {
          ambiguities.push({ words: `${words(before)} and ${words(after)}`, choice: 'either of them (one condition with "in")', alternatives: ['both on the same product'] });
        }
        return;
      }
      clauses.push([]);
      return;
    }
    current.push(piece);
  });
  return clauses.filter((c) => c.length > 0);
}

// --- clauses -> conditions ----------------------------------------------------------------------------------------

interface Built {
  rule: Rule;
  pieces: Piece[];
}

const of = <K extends Piece['meaning']['kind']>(pieces: Piece[], kind: K) =>
  pieces.filter((p): p is Piece & { meaning: Extract<Piece['meaning'], { kind: K }> } => p.meaning.kind === kind);

function buildClause(clause: Piece[], ambiguities: Ambiguity[], words: (p: Piece) => string): Built[] {
  const out: Built[] = [];
  const negations = of(clause, 'negation');
  const negated = negations.length % 2 === 1;
  const negate = (rule: Rule): Rule => (negated ? { kind: 'not', rule } : rule);

  // Durations: a number (or "a", "last") followed by a unit.
  const units = of(clause, 'unit');
  const durationNumbers = new Set<Piece>();
  let windowDays: number | undefined;
  for (const u of units) {
    const before = clause[clause.indexOf(u) - 1];
    const n = before?.meaning.kind === 'number' ? before.meaning.value : 1;
    if (before?.meaning.kind === 'number') durationNumbers.add(before);
    windowDays = Math.round(n * u.meaning.days);
  }
  const durationPieces = [...units, ...durationNumbers];

  // Amounts and counts: a number that is not a duration, with its comparator and what it counts.
  const amount = of(clause, 'number').find((p) => !durationNumbers.has(p));
  const compare = of(clause, 'compare')[0];
  const metric = of(clause, 'metric')[0];
  const amountOp: Comparator = compare?.meaning.op ?? '>=';
  const amountIsMoney = amount !== undefined && (amount.meaning.money || metric?.meaning.metric === 'revenue');

  const products = of(clause, 'product');
  const channels = of(clause, 'channel');
  const devices = of(clause, 'device');
  const countries = of(clause, 'country');
  const traits = of(clause, 'trait');
  const events = of(clause, 'event');
  const persons = of(clause, 'person');
  const quantifier = of(clause, 'quantifier')[0];
  const recency = of(clause, 'recency')[0];
  const eventType = events[0]?.meaning.eventType ?? 'order';

  if (countries.length > 0) {
    const codes = [...new Set(countries.map((c) => c.meaning.code))];
    const condition: Condition = codes.length === 1 ? { op: negated ? '!=' : '=', value: codes[0]! } : { op: negated ? 'not_in' : 'in', values: codes };
    out.push({ rule: { kind: 'attribute', path: ['country'], condition }, pieces: [...negations, ...countries] });
  }

  for (const t of traits) {
    const { feature, op, value, only } = t.meaning;
    const threshold = quantifier?.meaning.only ? only : value;
    const chosenOp: Comparator = quantifier?.meaning.only && only === 1 && op === '>=' ? '=' : op;
    out.push({ rule: negate({ kind: 'feature', feature, condition: { op: chosenOp, value: threshold } }), pieces: [...negations, ...(quantifier ? [quantifier] : []), t] });
    if (!quantifier && op === '>=' && value < 1) {
      ambiguities.push({ words: words(t), choice: `${feature} ${chosenOp} ${threshold}: at least ${threshold * 100}% of their ${t.meaning.label}`, alternatives: [`"only ${words(t)}": ${feature} = ${only}`] });
    }
  }

  const filters: EventFilter[] = [];
  const byField = new Map<ProductField, string[]>();
  for (const p of products) byField.set(p.meaning.field, [...new Set([...(byField.get(p.meaning.field) ?? []), p.meaning.value])]);
  for (const [field, values] of byField) filters.push({ field, condition: values.length === 1 ? { op: '=', value: values[0]! } : { op: 'in', values } });
  for (const [field, list] of [['channel', channels], ['device', devices]] as const) {
    const values = [...new Set(list.map((p) => p.meaning.value))];
    if (values.length > 0) filters.push({ field, condition: values.length === 1 ? { op: '=', value: values[0]! } : { op: 'in', values } });
  }
  // "recent swimwear buyers": a recent purchase of it; "lapsed swimwear buyers": bought it, nothing lately.
  if (filters.length > 0 && recency && windowDays === undefined && !recency.meaning.lapsed) {
    windowDays = 30;
    durationPieces.push(recency);
    ambiguities.push({ words: words(recency), choice: 'in the last 30 days', alternatives: ['say how long, e.g. "in the last 60 days"'] });
  }
  if (filters.length > 0 && recency?.meaning.lapsed) {
    const days = windowDays ?? 90;
    out.push({ rule: { kind: 'feature', feature: 'recency_days', condition: { op: '>', value: days } }, pieces: [recency, ...durationPieces] });
    windowDays = undefined;
  }
  const window = windowDays !== undefined ? ({ kind: 'last_days', days: windowDays } as const) : ({ kind: 'all' } as const);

  if (filters.length > 0) {
    const selector = { eventType, filters };
    const used: Piece[] = [...negations, ...products, ...channels, ...devices, ...events, ...persons, ...durationPieces];
    const onLines = eventType === 'order' || eventType === 'return';
    let rule: Rule;
    if (amount && amountIsMoney && onLines) {
      rule = negate({ kind: 'event', aggregate: 'sum', selector, window, condition: { op: amountOp, value: amount.meaning.value } });
      used.push(amount, ...(compare ? [compare] : []), ...(metric ? [metric] : []));
    } else if (amount) {
      rule = negate({ kind: 'event', aggregate: 'count', selector, window, condition: { op: amountOp, value: amount.meaning.value } });
      used.push(amount, ...(compare ? [compare] : []), ...(metric ? [metric] : []));
    } else if (quantifier && onLines) {
      const condition: Condition = quantifier.meaning.only ? { op: '=', value: 1 } : { op: '>=', value: 0.5 };
      rule = negate({ kind: 'event', aggregate: 'share', selector, window, condition });
      used.push(quantifier);
    } else if (products.length === 0 && onLines) {
      // "shops on mobile": where most of what they buy is bought, not a single purchase there.
      rule = negate({ kind: 'event', aggregate: 'share', selector, window, condition: { op: '>=', value: 0.5 } });
      ambiguities.push({
        words: [...channels, ...devices].map(words).join(', '),
        choice: 'most of their units bought there (share >= 0.5)',
        alternatives: ['ever bought there (count >= 1)'],
      });
    } else if (persons.some((p) => p.meaning.repeat)) {
      rule = negated
        ? { kind: 'event', aggregate: 'count', selector, window, condition: { op: '<', value: 2 } }
        : { kind: 'event', aggregate: 'count', selector, window, condition: { op: '>=', value: 2 } };
    } else {
      // "never bought shoes": none at all, written as a count of 0 rather than `not count(...) >= 1`.
      rule = { kind: 'event', aggregate: 'count', selector, window, condition: negated ? { op: '=', value: 0 } : { op: '>=', value: 1 } };
    }
    out.push({ rule, pieces: sortPieces(used) });
    return out;
  }

  // No product, channel or device: the clause is about orders, money or time as a whole.
  if (amount) {
    const used = sortPieces([...negations, amount, ...(compare ? [compare] : []), ...(metric ? [metric] : []), ...events, ...durationPieces]);
    const condition: Condition = { op: amountOp, value: amount.meaning.value };
    if (amountIsMoney) {
      out.push({ rule: negate(windowDays !== undefined ? { kind: 'event', aggregate: 'sum', selector: { eventType: 'order', filters: [] }, window, condition } : { kind: 'feature', feature: 'revenue', condition }), pieces: used });
    } else {
      out.push({
        rule: negate(windowDays !== undefined || eventType !== 'order' ? { kind: 'event', aggregate: 'count', selector: { eventType, filters: [] }, window, condition } : { kind: 'feature', feature: 'orders', condition }),
        pieces: used,
      });
    }
    return out;
  }
  const lapsed = (recency?.meaning.lapsed ?? false) !== negated;
  if (recency || (windowDays !== undefined && (events.length > 0 || negated))) {
    const days = windowDays ?? (recency?.meaning.lapsed ? 90 : 30);
    if (windowDays === undefined) ambiguities.push({ words: words(recency!), choice: `${lapsed ? 'no order in the last' : 'an order in the last'} ${days} days`, alternatives: ['say how long, e.g. "in 60 days"'] });
    if (eventType === 'order') {
      out.push({
        rule: { kind: 'feature', feature: 'recency_days', condition: lapsed ? { op: '>', value: days } : { op: '<=', value: days } },
        pieces: sortPieces([...negations, ...(recency ? [recency] : []), ...events, ...durationPieces]),
      });
    } else {
      out.push({
        rule: { kind: 'event', aggregate: 'count', selector: { eventType, filters: [] }, window: { kind: 'last_days', days }, condition: lapsed ? { op: '=', value: 0 } : { op: '>=', value: 1 } },
        pieces: sortPieces([...negations, ...(recency ? [recency] : []), ...events, ...durationPieces]),
      });
    }
  }
  return out;
}

const sortPieces = (pieces: Piece[]): Piece[] => [...new Set(pieces)].sort((a, b) => a.first - b.first);

// --- describing -------------------------------------------------------------------------------------------------

function meaningText(m: Meaning): string {
  switch (m.kind) {
    case 'product':
      return `${m.field} = "${m.value}"`;
    case 'country':
      return `customer.country = "${m.code}"`;
    case 'channel':
    case 'device':
      return `${m.kind} = "${m.value}"`;
    case 'event':
      return `${m.eventType} events`;
    case 'trait':
      return `${m.feature} ${m.op} ${m.value}`;
    case 'unit':
      return m.days === 1 ? 'days' : `units of ${m.days} days`;
    case 'compare':
      return m.op;
    case 'metric':
      return m.metric === 'revenue' ? 'an amount spent' : 'a number of orders';
    case 'recency':
      return m.lapsed ? 'no recent order (recency_days >)' : 'a recent order (recency_days <=)';
    case 'quantifier':
      return m.only ? 'all of their units (share = 1)' : 'most of their units (share >= 0.5)';
    case 'person':
      return m.repeat ? 'bought at least twice' : 'bought';
    case 'negation':
      return 'not';
    case 'filler':
    case 'boundary':
    case 'join':
      return '(joins the words)';
    default:
      return 'unknown';
  }
}

function describe(p: Piece): string {
  const m = p.meaning;
  if (m.kind === 'number') return m.money ? `amount ${m.value}` : `number ${m.value}`;
  if (m.kind === 'unknown') return 'not understood';
  return meaningText(m);
}
