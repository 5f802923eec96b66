/**
 * The only place SQL text is assembled. Values always travel as bound parameters; text comes only from
 * code constants, the schema and the feature catalog (identifiers are checked before they are quoted).
 */
import { duckdbDialect, type Dialect } from './dialect.js';

export type SqlValue = string | number | boolean | bigint | null;

/** `hook`: text that differs between engines, worked out by the dialect the statement is compiled for (dialect.ts). */
type Part = { text: string } | { value: SqlValue } | { ident: string } | { hook: (d: Dialect) => Sql };

export class Sql {
  constructor(readonly parts: readonly Part[]) {}
}

/** Tagged template: interpolated Sql fragments are spliced in, anything else becomes a bound value. */
export function sql(strings: TemplateStringsArray, ...args: ReadonlyArray<SqlValue | Sql>): Sql {
  const parts: Part[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push({ text: s });
    if (i < args.length) {
      const a = args[i]!;
      if (a instanceof Sql) parts.push(...a.parts);
      else parts.push({ value: a });
    }
  });
  return new Sql(parts);
}

/** Trusted SQL text written in code. Never pass user input here. */
export function raw(text: string): Sql {
  return new Sql([{ text }]);
}

/** A quoted identifier; the dialect decides the quoting. */
export function ident(name: string): Sql {
  return new Sql([{ ident: name }]);
}

/** SQL that each engine spells its own way: `fn` is called with the dialect of the store the statement runs on. */
export function byDialect(fn: (d: Dialect) => Sql): Sql {
  return new Sql([{ hook: fn }]);
}

export function join(fragments: readonly Sql[], separator = ', '): Sql {
  const parts: Part[] = [];
  fragments.forEach((f, i) => {
    if (i > 0) parts.push({ text: separator });
    parts.push(...f.parts);
  });
  return new Sql(parts);
}

/** A list literal of bound values, `[$1, $2, ...]`: for list_contains and for `unnest` as a relation of ids. */
export function listOf(values: readonly SqlValue[]): Sql {
  return sql`[${join(values.map((v) => sql`${v}`))}]`;
}

export function compile(q: Sql, dialect: Dialect = duckdbDialect): { text: string; values: SqlValue[] } {
  let text = '';
  const values: SqlValue[] = [];
  const add = (parts: readonly Part[]): void => {
    for (const p of parts) {
      if ('text' in p) text += p.text;
      else if ('ident' in p) text += dialect.quoteIdent(p.ident);
      else if ('hook' in p) add(p.hook(dialect).parts);
      else {
        values.push(p.value);
        text += dialect.placeholder(values.length, p.value);
      }
    }
  };
  add(q.parts);
  return { text, values };
}
