import { duckdbDialect } from './dialect.js';
import type { Dialect, Part, Sql, SqlValue } from './types.js';

/** A statement as the text and bound values a store of `dialect` runs. */
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
