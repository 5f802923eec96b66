/**
 * Statements are built here and turned into text only by `compile` (compile.ts). Values always travel as bound
 * parameters; text comes only from code constants, the schema and the feature catalog (identifiers are checked before
 * they are quoted).
 */
import { Sql, type Dialect, type Part, type SqlValue } from './types.js';

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
