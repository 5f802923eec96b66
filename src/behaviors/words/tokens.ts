import { createRequire } from 'node:module';
import type nlpType from 'compromise';

// Loaded at the first reading, not at import: compromise costs about 0.3 s of CPU to load (its one-file CommonJS
// build; the ES module tree costs twice that), which every CLI command and server start would pay otherwise.
let nlp: typeof nlpType | undefined;
const compromise = (): typeof nlpType => (nlp ??= createRequire(import.meta.url)('compromise') as typeof nlpType);

/**
 * One word of the marketer's text, as compromise reads it: where it is (so the reading can show each span), its
 * normal form, its root (`bought` -> `buy`, `dresses` -> `dress`), its part-of-speech tags, and a number's value when
 * it is (part of) one (`sixty`, `€200`, `2k`).
 */
export interface Token {
  index: number;
  text: string;
  start: number;
  end: number;
  normal: string;
  root: string;
  tags: readonly string[];
  number: number | undefined;
  /** A number written as money (€200, $50, 200 eur). */
  money: boolean;
}

interface TermJson {
  text: string;
  normal: string;
  root?: string;
  tags: string[];
  offset: { start: number; length: number };
}

interface NumberJson {
  offset: { start: number; length: number };
  number: { num: number } | number;
}

/** Splits the text into words with compromise (contractions keep their span: "haven't" is one word, negative). */
export function tokenize(text: string): Token[] {
  const doc = compromise()(text);
  doc.compute('root');
  const terms = (doc.json({ offset: true, terms: { offset: true } }) as Array<{ terms: TermJson[] }>).flatMap((s) => s.terms);
  const numbers = (doc.numbers().json({ offset: true }) as NumberJson[]).map((n) => ({
    start: n.offset.start,
    end: n.offset.start + n.offset.length,
    value: typeof n.number === 'number' ? n.number : n.number.num,
  }));
  const tokens: Token[] = [];
  for (const t of terms) {
    // compromise adds an empty term after a contraction ("haven't" -> have + not); the negation is kept on the word.
    if (t.offset.length === 0) {
      const last = tokens[tokens.length - 1];
      if (last && t.tags.includes('Negative')) last.tags = [...last.tags, 'Negative'];
      continue;
    }
    const start = t.offset.start;
    const end = start + t.offset.length;
    const normal = t.normal.replace(/^[^\p{L}\p{N}€$£]+|[^\p{L}\p{N}%]+$/gu, '');
    if (normal === '') continue;
    const number = numbers.find((n) => start >= n.start && end <= n.end);
    tokens.push({
      index: tokens.length,
      text: text.slice(start, end),
      start,
      end,
      normal,
      root: (t.root ?? normal).toLowerCase(),
      tags: t.tags,
      // Only the first word of a number carries its value ("sixty five" is one number, 65).
      number: number && number.start === start ? number.value : undefined,
      money: /[€$£]/.test(t.text) || t.tags.includes('Money'),
    });
  }
  // The words after a number's first word are part of it, not words of their own.
  return tokens.filter((t, i) => t.number !== undefined || !numbers.some((n) => t.start > n.start && t.end <= n.end && tokens[i - 1] !== undefined));
}

/** The forms a word may be looked up by: its normal form, its root, and a plain plural/singular fallback. */
export function forms(token: Pick<Token, 'normal' | 'root'>): string[] {
  const set = new Set([token.normal, token.root]);
  for (const w of [token.normal, token.root]) {
    if (w.endsWith('ies')) set.add(`${w.slice(0, -3)}y`);
    else if (w.endsWith('es')) set.add(w.slice(0, -2));
    if (w.endsWith('s')) set.add(w.slice(0, -1));
  }
  return [...set];
}
