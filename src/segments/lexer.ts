import { COMPARE_OPS, type CompareOp } from './ast.js';
import { RuleSyntaxError, formatPosition, type Position } from './rule-error.js';

/** Names of features, fields and attribute keys; anything else cannot be written in the text form. */
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether the text form can write this number so that it reads back identically: `String(n)` must be a plain
 * decimal. Rules out NaN, Infinity, -0 (prints as 0) and magnitudes that print with an exponent (1e+21, 1e-7).
 */
export function isPlainNumber(n: number): boolean {
  return Number.isFinite(n) && !Object.is(n, -0) && NUMBER.test(String(n));
}

const SYMBOLS = ['(', ')', '[', ']', ',', '.', ...COMPARE_OPS] as const;
export type SymbolText = (typeof SYMBOLS)[number];

interface TokenBase {
  /** The token's source text (a string's with its quotes and escapes). */
  text: string;
  pos: Position;
}
export type Token =
  | (TokenBase & { kind: 'word' })
  | (TokenBase & { kind: 'string'; value: string })
  | (TokenBase & { kind: 'number'; value: number })
  | (TokenBase & { kind: 'date' })
  | (TokenBase & { kind: 'symbol'; symbol: SymbolText })
  | (TokenBase & { kind: 'eof' });

export function isCompareOp(text: string): text is CompareOp {
  return (COMPARE_OPS as readonly string[]).includes(text);
}

/** The value of a token written as a whole number without sign (counts of days), else undefined. */
export function integerValue(token: Token): number | undefined {
  return token.kind === 'number' && INTEGER.test(token.text) ? token.value : undefined;
}

/**
 * Scans on demand rather than up front, so that a bad character late in the text does not hide an earlier error:
 * errors come out in source order.
 */
export class Lexer {
  private offset = 0;
  private readonly lookahead: Token[] = [];
  /** Offsets where each line starts, for turning offsets into line:column. */
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  peek(ahead = 0): Token {
    while (this.lookahead.length <= ahead) this.lookahead.push(this.scan());
    return this.lookahead[ahead] ?? this.scan();
  }

  next(): Token {
    const token = this.peek();
    this.lookahead.shift();
    return token;
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  private scan(): Token {
    const { text } = this;
    while (this.offset < text.length && /\s/.test(text.charAt(this.offset))) this.offset++;
    const start = this.offset;
    const pos = this.position(start);
    if (start >= text.length) return { kind: 'eof', text: '', pos };
    const c = text.charAt(start);
    if (/[A-Za-z_]/.test(c)) return { kind: 'word', text: this.run(/[A-Za-z0-9_]/), pos };
    if (/\d/.test(c) || (c === '-' && /\d/.test(text.charAt(start + 1)))) return this.numberOrDate(pos);
    if (c === '"') return this.string(pos);
    return this.symbol(pos);
  }

  /** Consumes characters while they match and returns them. */
  private run(char: RegExp): string {
    const start = this.offset;
    this.offset++;
    while (this.offset < this.text.length && char.test(this.text.charAt(this.offset))) this.offset++;
    return this.text.slice(start, this.offset);
  }

  /**
   * Takes the whole run of number-ish characters before deciding, so `2024-1-5`, `3days` or `1e5` are one bad token
   * with a clear message instead of several good ones that fail confusingly later.
   */
  private numberOrDate(pos: Position): Token {
    const text = this.run(/[A-Za-z0-9_.-]/);
    if (DATE.test(text)) return { kind: 'date', text, pos };
    if (NUMBER.test(text)) {
      const value = Number(text);
      if (!isPlainNumber(value)) this.fail(pos, `the number ${text} is too large or too precise to keep exactly`, text);
      return { kind: 'number', text, value, pos };
    }
    const hint = /^\d{4}-\d{1,2}-\d{1,2}$/.test(text) ? '; dates are written YYYY-MM-DD' : '';
    return this.fail(pos, `malformed number or date "${text}"${hint}`, text);
  }

  private string(pos: Position): Token {
    const { text } = this;
    let value = '';
    let i = pos.offset + 1;
    for (;;) {
      if (i >= text.length) this.fail(pos, 'unterminated string: a closing " is missing', text.slice(pos.offset));
      const c = text.charAt(i);
      if (c === '"') break;
      if (c === '\\') {
        const escaped = text.charAt(i + 1);
        if (escaped !== '"' && escaped !== '\\') {
          this.fail(this.position(i), `unknown escape "\\${escaped}" in a string; only \\" and \\\\ are escapes`, `\\${escaped}`);
        }
        value += escaped;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    this.offset = i + 1;
    return { kind: 'string', text: text.slice(pos.offset, this.offset), value, pos };
  }

  private symbol(pos: Position): Token {
    const two = this.text.slice(pos.offset, pos.offset + 2);
    if (two === '==') this.fail(pos, 'use = to compare, not ==', two);
    const symbol = SYMBOLS.find((s) => s.length === 2 && s === two) ?? SYMBOLS.find((s) => s === two.charAt(0));
    if (symbol === undefined) {
      const c = String.fromCodePoint(this.text.codePointAt(pos.offset) ?? 0);
      return this.fail(pos, c === '!' ? 'unexpected "!"; "not equal" is written !=' : `unexpected character ${JSON.stringify(c)}`, c);
    }
    this.offset += symbol.length;
    return { kind: 'symbol', text: symbol, symbol, pos };
  }

  private fail(pos: Position, message: string, found: string): never {
    throw new RuleSyntaxError(`at ${formatPosition(pos)}: ${message}`, { position: pos, found });
  }
}
