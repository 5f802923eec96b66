/**
 * The types the statement builder (sql.ts) and the engines' dialects (dialect.ts) share. They name each other (a
 * statement holds hooks a dialect answers; a dialect's methods take and give statements), so they stand together
 * here, and both sides import them without importing each other.
 */

export type SqlValue = string | number | boolean | bigint | null;

/** `hook`: text that differs between engines, worked out by the dialect the statement is compiled for (dialect.ts). */
export type Part = { text: string } | { value: SqlValue } | { ident: string } | { hook: (d: Dialect) => Sql };

export class Sql {
  constructor(readonly parts: readonly Part[]) {}
}

/**
 * What differs between the engines a store can run on (DuckDB, ClickHouse): modules write their SQL once, with the
 * helpers of dialect.ts where the engines disagree, and each store compiles it with its own dialect. DuckDB's dialect
 * emits the SQL Segmint always emitted.
 */
export interface Dialect {
  readonly name: 'duckdb' | 'clickhouse';
  /** The bound value's place in the text; ClickHouse's parameters carry their type. */
  placeholder(index: number, value: SqlValue): string;
  quoteIdent(name: string): string;
  /** A `YYYY-MM-DD HH:MM:SS` text (or a timestamp) as a timestamp, UTC. */
  timestamp(value: Sql): Sql;
  date(value: Sql): Sql;
  /** The current time to the microsecond (ClickHouse's `now()` has whole seconds, which ties rows ordered by it). */
  now(): Sql;
  /** The timestamp (UTC) `micros` microseconds after 1970-01-01. */
  fromMicros(micros: Sql): Sql;
  /** A timestamp as `YYYY-MM-DD HH:MM:SS` text. */
  formatTimestamp(value: Sql): Sql;
  /** `n` days, `n` a bound or computed number. */
  days(n: Sql): Sql;
  dateDiff(unit: 'day' | 'second', from: Sql, to: Sql): Sql;
  isWeekend(ts: Sql): Sql;
  /** Every column (of `relation`, when given) but these. */
  allExcept(columns: readonly string[], relation?: string): Sql;
  /** Text holds `part`. */
  contains(text: Sql, part: Sql): Sql;
  listContains(list: Sql, value: Sql): Sql;
  /** The 1-based position of the first item equal to `value`. */
  listIndexOf(list: Sql, value: Sql): Sql;
  listLength(list: Sql): Sql;
  /** A list of text in lower case (empty for NULL). */
  listLower(list: Sql): Sql;
  listHasAny(list: Sql, values: readonly Sql[]): Sql;
  /** Some item of a list of text holds `part`. */
  listAnyContains(list: Sql, part: Sql): Sql;
  /** The text at a path of keys in a JSON text, as DuckDB's json_extract_string gives it (NULL when absent or null). */
  jsonText(json: Sql, path: readonly string[]): Sql;
  /** NULL where the text is not a number / a boolean. */
  tryCast(value: Sql, type: 'DOUBLE' | 'BOOLEAN'): Sql;
  /** A timestamp as `YYYY-MM-DD HH:MM` text. */
  formatMinute(value: Sql): Sql;
  /** Rounded to `digits` decimals, half away from zero on the number's shortest decimal form (as DuckDB rounds). */
  round(value: Sql, digits: number): Sql;
  /** An exact decimal of `scale` digits (18 in all), rounded half away from zero as DuckDB casts. */
  decimal(value: Sql, scale: number): Sql;
  /** A number rounded to 2 decimals as text, as DuckDB casts it (a whole double with `.0`). */
  numberText(value: Sql): Sql;
  /** The values of a group (of its rows where `where` holds) as a list sorted ascending; no rows: NULL or empty. */
  sortedListAgg(value: Sql, where?: Sql): Sql;
  /** The texts of a group joined with a separator in the order of `orderBy`. */
  stringAgg(value: Sql, separator: string, orderBy: Sql): Sql;
  /** The MD5 digest of a text as lower-case hex. */
  md5(text: Sql): Sql;
  /** The SHA-256 digest of a text as lower-case hex. */
  sha256(text: Sql): Sql;
  /** Text matches a regular expression somewhere (RE2 syntax, which both engines read). */
  matches(text: Sql, pattern: Sql): Sql;
  /** The columns of the store's own tables: a relation (table_name, column_name, ordinal, holds_text). */
  storeColumns(): Sql;
  /** Texts joined with a separator, NULLs left out. */
  concatWs(separator: string, parts: Sql): Sql;
  /** The continuous quantile (interpolated between the two nearest values). */
  quantile(value: Sql, q: number): Sql;
  /**
   * A continuous quantile's value a fraction `d` of the way from `lo` to `hi`, as `quantile` computes it
   * to the bit: DuckDB lo * (1 - d) + hi * d, ClickHouse lo + (hi - lo) * d (0.275 against 0.27499999999999997 for
   * 0.2, 0.3 and 0.75).
   */
  interpolate(lo: Sql, hi: Sql, d: Sql): Sql;
  /** The exact median (the mean of the two middle values of an even count). */
  median(value: Sql): Sql;
  /** The value of the row with the least `by`. */
  argMin(value: Sql, by: Sql): Sql;
  /** Columns sent as JSON arrays of equal length (bound text), as a relation a row per position. */
  jsonColumns(columns: ReadonlyArray<{ name: string; json: Sql; type: 'VARCHAR' | 'DOUBLE' }>): Sql;
  /** The value of the row with the greatest `by`, the least `tie` among equals. */
  valueAtMax(value: Sql, by: Sql, tie: Sql): Sql;
  boolOr(condition: Sql): Sql;
  bitOr(value: Sql): Sql;
  /** `value` has any bit of `mask`. */
  hasBits(value: Sql, mask: Sql): Sql;
  /** A common table expression's hint: copy it once, or let each reader scan. */
  cteHint(materialized: boolean): Sql;
  /** `CREATE OR REPLACE TABLE name AS query`, with the table engine the store keeps such results in. */
  createTableAs(name: Sql, query: Sql, temporary?: boolean): Sql;
  /** The start of an insert that replaces the row of the same key. */
  upsertInto(table: Sql): Sql;
  /** Inserts the row unless one with its key (the column `key`, the row's first value) exists. */
  insertIfAbsent(table: Sql, key: Sql, row: readonly Sql[]): Sql;
  /** The start of an UPDATE, up to its assignments. */
  update(table: Sql): Sql;
  /** Rows of bound values as a relation `alias(columns)`; `types` are the columns' SQL types. */
  values(alias: string, columns: ReadonlyArray<readonly [string, string]>, rows: ReadonlyArray<readonly Sql[]>): Sql;
  /** A new random id as text. */
  uuid(): Sql;
  /**
   * One row per record, as a column `alias` whose fields are read as `alias.field`: records given as values in the
   * order of `fields` ([name, SQL type]).
   */
  unnestRecords(alias: string, fields: ReadonlyArray<readonly [string, string]>, records: ReadonlyArray<readonly Sql[]>): Sql;
  /** A value (NULL, a list) as a column type written as DuckDB names it (`VARCHAR`, `VARCHAR[]`): NULL allowed. */
  castTo(value: Sql, type: string): Sql;
  /** The items of a list that `keep` holds for (`keep` is given the item). */
  listFilter(list: Sql, keep: (item: Sql) => Sql): Sql;
  /** A row per item of a list, in a select list. */
  unnestList(list: Sql): Sql;
  /** A table's rows in the order they were inserted, for a sort's last key (within one insert, at the least). */
  insertionOrder(): Sql;
  /** The value of the group's newest row (by the timestamp `ts`, the least `tie` among equals) where `where` holds. */
  latest(value: Sql, ts: Sql, tie: Sql, where: Sql): Sql;
  /** An ISO 8601 text (an offset, `Z`, or none: UTC) as a timestamp, to the microsecond. */
  isoTimestamp(text: Sql): Sql;
  /**
   * Records sent as one bound JSON array of objects, a row per record as the column `alias` whose fields (given as
   * [name, SQL type]; a field absent is NULL) are read as `alias.field`.
   */
  jsonRecords(alias: string, json: Sql, fields: ReadonlyArray<readonly [string, string]>): Sql;
  /** The items of a list of text joined with a separator. */
  listJoin(list: Sql, separator: string): Sql;
  /** A timestamp as whole milliseconds since 1970. */
  epochMs(ts: Sql): Sql;
  /** Integer division, rounded towards zero. */
  intDiv(a: Sql, b: Sql): Sql;
  /** Inserts the rows of `query` (its columns named as `columns`) whose `key` no stored row has; a stored row stays as it was. */
  insertSelectIfAbsent(table: Sql, columns: readonly string[], key: readonly string[], query: Sql): Sql;
  /** A statement of a migration (written for DuckDB) as this engine runs it: none, one or several. */
  migration(statement: string): string[];
}
