import { raw, sql, type Sql } from '../sql/index.js';

/**
 * A text file as DuckDB's relation of one text column, `line`, a row a line: columns split on the unit separator,
 * which valid JSON never holds unescaped, and quoting off, so that a JSON line is read whole whatever it holds.
 * `options` ends the reader's argument list.
 */
export function wholeLines(path: string, options: Sql): Sql {
  return sql`read_csv(${path}, columns = ${raw(`{'line': 'VARCHAR'}`)}, header = false, delim = ${'\x1f'}, quote = '', escape = '', ${options})`;
}
