import { byDialect, ident, join, raw, sql } from './sql.js';
import type { Dialect, Sql, SqlValue } from './types.js';
import { clickhouseMigration, clickhouseType } from './clickhouse-ddl.js';

/* Each engine's Dialect (the interface is in types.ts), and the helpers modules write SQL with where engines differ. */

/** A string literal of a code constant (a separator, a unit, a field's name), where both engines take it as written. */
const quoted = (text: string): Sql => raw(`'${text.replaceAll("'", "''")}'`);

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  placeholder: (i) => `$${i}`,
  quoteIdent: (name) => `"${name.replaceAll('"', '""')}"`,
  timestamp: (v) => sql`CAST(${v} AS TIMESTAMP)`,
  date: (v) => sql`CAST(${v} AS DATE)`,
  now: () => sql`now()`,
  fromMicros: (micros) => sql`make_timestamp(${micros})`,
  formatTimestamp: (v) => sql`strftime(${v}, '%Y-%m-%d %H:%M:%S')`,
  days: (n) => sql`${n} * INTERVAL 1 DAY`,
  dateDiff: (unit, from, to) => sql`date_diff(${quoted(unit)}, ${from}, ${to})`,
  isWeekend: (ts) => sql`dayofweek(${ts}) IN (0, 6)`,
  allExcept: (columns, relation) => sql`${raw(relation ? `${relation}.*` : '*')} EXCLUDE (${join(columns.map((c) => ident(c)))})`,
  contains: (text, part) => sql`contains(${text}, ${part})`,
  listContains: (list, value) => sql`list_contains(${list}, ${value})`,
  listLower: (list) => sql`list_transform(coalesce(${list}, []), x -> lower(x))`,
  listIndexOf: (list, value) => sql`list_position(${list}, ${value})`,
  listLength: (list) => sql`len(${list})`,
  listHasAny: (list, values) => sql`list_has_any(${list}, [${join(values)}]::VARCHAR[])`,
  listAnyContains: (list, part) => sql`len(list_filter(${list}, t -> contains(t, ${part}))) > 0`,
  jsonText: (json, path) => sql`json_extract_string(${json}, ${`$.${path.map((k) => `"${k.replaceAll('"', '\\"')}"`).join('.')}`})`,
  tryCast: (value, type) => sql`TRY_CAST(${value} AS ${raw(type)})`,
  formatMinute: (v) => sql`strftime(${v}, '%Y-%m-%d %H:%M')`,
  round: (v, digits) => (digits === 0 ? sql`round(${v})` : sql`round(${v}, ${raw(String(digits))})`),
  numberText: (v) => sql`CAST(round(${v}, 2) AS VARCHAR)`,
  concatWs: (separator, parts) => sql`concat_ws(${quoted(separator)}, ${parts})`,
  decimal: (v, scale) => sql`CAST(${v} AS DECIMAL(18, ${raw(String(scale))}))`,
  sortedListAgg: (value, where) => (where ? sql`list_sort(list(${value}) FILTER (WHERE ${where}))` : sql`list_sort(list(${value}))`),
  stringAgg: (value, separator, orderBy) => sql`string_agg(${value}, ${quoted(separator)} ORDER BY ${orderBy})`,
  md5: (text) => sql`md5(${text})`,
  sha256: (text) => sql`sha256(${text})`,
  matches: (text, pattern) => sql`regexp_matches(${text}, ${pattern})`,
  storeColumns: () => sql`(SELECT table_name, column_name, ordinal_position AS ordinal, data_type IN ('VARCHAR', 'JSON') AS holds_text
    FROM information_schema.columns WHERE table_schema = 'main' AND table_catalog = current_database())`,
  quantile: (v, q) => sql`quantile_cont(${v}, ${raw(String(q))})`,
  interpolate: (lo, hi, d) => sql`${lo} * (1 - ${d}) + ${hi} * ${d}`,
  median: (value) => sql`median(${value})`,
  argMin: (value, by) => sql`arg_min(${value}, ${by})`,
  jsonColumns: (columns) => sql`SELECT ${join(columns.map((c) => sql`unnest(from_json(${c.json}, ${`["${c.type}"]`})) AS ${ident(c.name)}`))}`,
  valueAtMax: (value, by, tie) => sql`first(${value} ORDER BY ${by} DESC, ${tie})`,
  boolOr: (c) => sql`bool_or(${c})`,
  bitOr: (v) => sql`bit_or(${v})`,
  hasBits: (v, mask) => sql`${v} & ${mask} <> 0`,
  cteHint: (materialized) => raw(materialized ? 'MATERIALIZED' : 'NOT MATERIALIZED'),
  createTableAs: (name, query, temporary) => sql`CREATE OR REPLACE ${raw(temporary ? 'TEMP TABLE' : 'TABLE')} ${name} AS ${query}`,
  upsertInto: (table) => sql`INSERT OR REPLACE INTO ${table}`,
  insertIfAbsent: (table, _key, row) => sql`INSERT INTO ${table} VALUES (${join(row)})
      ON CONFLICT DO NOTHING`,
  update: (table) => sql`UPDATE ${table} SET`,
  values: (alias, columns, rows) => sql`(VALUES ${join(rows.map((r) => sql`(${join(r)})`))}) ${raw(alias)}(${raw(columns.map(([c]) => c).join(', '))})`,
  uuid: () => sql`CAST(gen_random_uuid() AS VARCHAR)`,
  unnestRecords: (alias, fields, records) =>
    sql`unnest([${join(records.map((r) => sql`{${join(r.map((v, i) => sql`${quoted(fields[i]![0])}: ${v}`))}}`))}]) AS ${raw(alias)}`,
  castTo: (value, type) => sql`CAST(${value} AS ${raw(type)})`,
  listFilter: (list, keep) => sql`list_filter(${list}, x -> ${keep(sql`x`)})`,
  unnestList: (list) => sql`unnest(${list})`,
  insertionOrder: () => sql`rowid`,
  latest: (value, ts, tie, where) => sql`first(${value} ORDER BY ${ts} DESC, ${tie}) FILTER (WHERE ${where})`,
  isoTimestamp: (text) => sql`CAST(CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP)`,
  jsonRecords: (alias, json, fields) =>
    sql`(SELECT unnest(from_json(CAST(${json} AS JSON), ${JSON.stringify([Object.fromEntries(fields)])})) AS ${raw(alias)})`,
  listJoin: (list, separator) => sql`array_to_string(${list}, ${quoted(separator)})`,
  epochMs: (ts) => sql`epoch_ms(${ts})`,
  intDiv: (a, b) => sql`(${a}) // (${b})`,
  insertSelectIfAbsent: (table, columns, _key, query) => sql`INSERT OR IGNORE INTO ${table} (${raw(columns.join(', '))}) ${query}`,
  migration: (statement) => [statement],
};

/** ClickHouse's type of a bound value: integers as Int64, other numbers as Float64, NULL as nullable text. */
function parameterType(value: SqlValue): string {
  if (value === null) return 'Nullable(String)';
  if (typeof value === 'boolean') return 'Bool';
  if (typeof value === 'bigint') return 'Int64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Int64' : 'Float64';
  return 'String';
}

/** Records of named fields ([name, SQL type as DuckDB names it]) as ClickHouse's tuple type. */
function tupleType(fields: ReadonlyArray<readonly [string, string]>): string {
  return `Tuple(${fields.map(([name, t]) => `${name} ${clickhouseType(t)}`).join(', ')})`;
}

export const clickhouseDialect: Dialect = {
  name: 'clickhouse',
  placeholder: (i, value) => `{p${i}:${parameterType(value)}}`,
  quoteIdent: (name) => `"${name.replaceAll('"', '""')}"`,
  timestamp: (v) => sql`toDateTime64(${v}, 6, 'UTC')`,
  date: (v) => sql`toDate(${v})`,
  now: () => sql`now64(6)`,
  fromMicros: (micros) => sql`fromUnixTimestamp64Micro(${micros}, 'UTC')`,
  formatTimestamp: (v) => sql`formatDateTime(${v}, '%Y-%m-%d %H:%i:%S')`,
  days: (n) => sql`toIntervalDay(${n})`,
  dateDiff: (unit, from, to) => sql`dateDiff(${quoted(unit)}, ${from}, ${to})`,
  isWeekend: (ts) => sql`toDayOfWeek(${ts}) IN (6, 7)`,
  allExcept: (columns, relation) => sql`${raw(relation ? `${relation}.*` : '*')} EXCEPT (${join(columns.map((c) => ident(c)))})`,
  contains: (text, part) => sql`position(${text}, ${part}) > 0`,
  listContains: (list, value) => sql`has(${list}, ${value})`,
  listLower: (list) => sql`arrayMap(x -> lower(x), coalesce(${list}, []))`,
  listIndexOf: (list, value) => sql`indexOf(${list}, ${value})`,
  listLength: (list) => sql`length(${list})`,
  listHasAny: (list, values) => sql`hasAny(${list}, [${join(values)}])`,
  listAnyContains: (list, part) => sql`arrayExists(t -> position(t, ${part}) > 0, ${list})`,
  jsonText: (json, path) => {
    const keys = join(path.map((k) => sql`${k}`));
    // Strings unquoted, other values as their JSON text, NULL where the key is absent or null (as DuckDB answers).
    return sql`multiIf(JSONType(${json}, ${keys}) = 'String', JSONExtractString(${json}, ${keys}),
      JSONType(${json}, ${keys}) = 'Null', NULL, JSONExtractRaw(${json}, ${keys}))`;
  },
  tryCast: (value, type) => sql`accurateCastOrNull(${value}, ${raw(type === 'DOUBLE' ? "'Float64'" : "'Bool'")})`,
  formatMinute: (v) => sql`formatDateTime(${v}, '%Y-%m-%d %H:%i')`,
  round: (v, digits) => sql`toFloat64(round(toDecimal128OrNull(toString(${v}), 9), ${raw(String(digits))}))`,
  numberText: (v) => {
    const r = clickhouseDialect.round(v, 2);
    return sql`if(toTypeName(${v}) LIKE '%Float%', if(${r} = floor(${r}), concat(toString(${r}), '.0'), toString(${r})), toString(${v}))`;
  },
  concatWs: (separator, parts) => sql`arrayStringConcat(arrayFilter(x -> x IS NOT NULL, [${parts}]), ${quoted(separator)})`,
  // A cast to Decimal truncates; rounding the number's shortest decimal form first rounds as DuckDB does.
  decimal: (v, scale) => sql`toDecimal64(round(toDecimal128OrNull(toString(${v}), 9), ${raw(String(scale))}), ${raw(String(scale))})`,
  sortedListAgg: (value, where) => (where ? sql`arraySort(groupArrayIf(${value}, ${where}))` : sql`arraySort(groupArray(${value}))`),
  stringAgg: (value, separator, orderBy) => sql`arrayStringConcat(arrayMap(x -> x.1, arraySort(x -> x.2, groupArray(tuple(${value}, ${orderBy})))), ${quoted(separator)})`,
  md5: (text) => sql`lower(hex(MD5(${text})))`,
  sha256: (text) => sql`lower(hex(SHA256(${text})))`,
  matches: (text, pattern) => sql`match(${text}, ${pattern})`,
  // The store is one database of the server, which may hold other stores (workspaces).
  storeColumns: () => sql`(SELECT table AS table_name, name AS column_name, position AS ordinal, type IN ('String', 'Nullable(String)') AS holds_text
    FROM system.columns WHERE database = currentDatabase())`,
  quantile: (v, q) => sql`quantileExactInclusive(${raw(String(q))})(${v})`,
  interpolate: (lo, hi, d) => sql`${lo} + (${hi} - ${lo}) * ${d}`,
  median: (value) => sql`quantileExactInclusive(0.5)(${value})`,
  argMin: (value, by) => sql`argMin(${value}, ${by})`,
  jsonColumns: (columns) => {
    const arrays = columns.map((c) => sql`JSONExtract(${c.json}, ${raw(c.type === 'VARCHAR' ? "'Array(String)'" : "'Array(Nullable(Float64))'")})`);
    return sql`SELECT ${join(columns.map((c, i) => sql`z.${raw(String(i + 1))} AS ${ident(c.name)}`))} FROM (SELECT arrayJoin(arrayZip(${join(arrays)})) AS z)`;
  },
  valueAtMax: (value, by, tie) => sql`argMin(${value}, (-${by}, ${tie}))`,
  boolOr: (c) => sql`max(${c})`,
  bitOr: (v) => sql`groupBitOr(${v})`,
  hasBits: (v, mask) => sql`bitAnd(${v}, ${mask}) <> 0`,
  cteHint: () => sql``,
  // Results read whole or by customer; no temporary tables, which live in one connection's session only.
  createTableAs: (name, query) => sql`CREATE OR REPLACE TABLE ${name} ENGINE = MergeTree ORDER BY tuple() AS ${query}`,
  // Tables with a key are ReplacingMergeTree and read with FINAL (the store's `final` setting): the newest row wins.
  upsertInto: (table) => sql`INSERT INTO ${table}`,
  insertIfAbsent: (table, key, row) => sql`INSERT INTO ${table} SELECT ${join(row)} WHERE ${row[0]!} NOT IN (SELECT ${key} FROM ${table})`,
  // A mutation, done when the statement returns (the store's mutations_sync); key columns cannot change.
  update: (table) => sql`ALTER TABLE ${table} UPDATE`,
  values: (alias, columns, rows) =>
    // Every column may hold NULL, as in DuckDB: a bare CAST(NULL AS String) fails in ClickHouse.
    sql`(${join(rows.map((r) => sql`SELECT ${join(r.map((v, i) => sql`CAST(${v} AS ${raw(clickhouseType(columns[i]![1]))}) AS ${raw(columns[i]![0])}`))}`), ' UNION ALL ')}) ${raw(alias)}`,
  uuid: () => sql`toString(generateUUIDv4())`,
  unnestRecords: (alias, fields, records) => {
    const type = raw(tupleType(fields));
    return sql`arrayJoin([${join(records.map((r) => sql`CAST(tuple(${join(r)}) AS ${type})`))}]) AS ${raw(alias)}`;
  },
  castTo: (value, type) => sql`CAST(${value} AS ${raw(clickhouseType(type))})`,
  listFilter: (list, keep) => sql`arrayFilter(x -> ${keep(sql`x`)}, ${list})`,
  unnestList: (list) => sql`arrayJoin(${list})`,
  // An insert is one part (or several in order); a merge of a MergeTree without a sort key keeps the parts' order.
  insertionOrder: () => sql`_part_offset`,
  latest: (value, ts, tie, where) => sql`argMinIf(${value}, (-toUnixTimestamp64Micro(${ts}), ${tie}), ${where})`,
  isoTimestamp: (text) => sql`parseDateTime64BestEffort(${text}, 6, 'UTC')`,
  jsonRecords: (alias, json, fields) => {
    const type = `Array(${tupleType(fields)})`;
    return sql`(SELECT arrayJoin(JSONExtract(${json}, ${type})) AS ${raw(alias)})`;
  },
  listJoin: (list, separator) => sql`arrayStringConcat(${list}, ${quoted(separator)})`,
  epochMs: (ts) => sql`toUnixTimestamp64Milli(${ts})`,
  intDiv: (a, b) => sql`intDiv(${a}, ${b})`,
  // A key is replaced by a later insert (ReplacingMergeTree): only the rows whose key is not stored go in.
  insertSelectIfAbsent: (table, columns, key, query) => {
    const keys = raw(key.join(', '));
    return sql`INSERT INTO ${table} (${raw(columns.join(', '))}) SELECT * FROM (${query}) WHERE (${keys}) NOT IN (SELECT ${keys} FROM ${table})`;
  },
  migration: (statement) => clickhouseMigration(statement),
};

/*
 * Helpers for module SQL: each stands for the dialect's spelling. Values given as text or numbers are bound.
 */
const bound = (v: Sql | SqlValue): Sql => (typeof v === 'object' && v !== null ? v : sql`${v}`);
export const asTimestamp = (v: Sql | SqlValue): Sql => byDialect((d) => d.timestamp(bound(v)));
export const asDate = (v: Sql): Sql => byDialect((d) => d.date(v));
export const now = (): Sql => byDialect((d) => d.now());
/** The timestamp of a count of milliseconds since 1970 (JavaScript's time), to the microsecond. */
export const fromMillis = (ms: number): Sql => byDialect((d) => d.fromMicros(sql`${Math.round(ms * 1000)}`));
export const formatTimestamp = (v: Sql): Sql => byDialect((d) => d.formatTimestamp(v));
export const days = (n: Sql | number): Sql => byDialect((d) => d.days(bound(n)));
export const dateDiff = (unit: 'day' | 'second', from: Sql, to: Sql): Sql => byDialect((d) => d.dateDiff(unit, from, to));
export const isWeekend = (ts: Sql): Sql => byDialect((d) => d.isWeekend(ts));
export const allExcept = (columns: readonly string[], relation?: string): Sql => byDialect((d) => d.allExcept(columns, relation));
export const contains = (text: Sql, part: Sql | SqlValue): Sql => byDialect((d) => d.contains(text, bound(part)));
export const listContains = (list: Sql, value: Sql | SqlValue): Sql => byDialect((d) => d.listContains(list, bound(value)));
export const listIndexOf = (list: Sql, value: Sql): Sql => byDialect((d) => d.listIndexOf(list, value));
export const listLength = (list: Sql): Sql => byDialect((d) => d.listLength(list));
export const listLower = (list: Sql): Sql => byDialect((d) => d.listLower(list));
export const listHasAny = (list: Sql, values: readonly SqlValue[]): Sql => byDialect((d) => d.listHasAny(list, values.map(bound)));
export const listAnyContains = (list: Sql, part: SqlValue): Sql => byDialect((d) => d.listAnyContains(list, bound(part)));
export const jsonText = (json: Sql, path: readonly string[]): Sql => byDialect((d) => d.jsonText(json, path));
export const tryCast = (value: Sql, type: 'DOUBLE' | 'BOOLEAN'): Sql => byDialect((d) => d.tryCast(value, type));
export const formatMinute = (v: Sql): Sql => byDialect((d) => d.formatMinute(v));
export const round = (v: Sql, digits: number): Sql => byDialect((d) => d.round(v, digits));
export const numberText = (v: Sql): Sql => byDialect((d) => d.numberText(v));
export const concatWs = (separator: string, parts: Sql): Sql => byDialect((d) => d.concatWs(separator, parts));
export const quantile = (v: Sql, q: number): Sql => byDialect((d) => d.quantile(v, q));
export const decimal = (v: Sql, scale: number): Sql => byDialect((d) => d.decimal(v, scale));
export const sortedListAgg = (value: Sql, where?: Sql): Sql => byDialect((d) => d.sortedListAgg(value, where));
export const stringAgg = (value: Sql, separator: string, orderBy: Sql): Sql => byDialect((d) => d.stringAgg(value, separator, orderBy));
export const md5 = (text: Sql): Sql => byDialect((d) => d.md5(text));
export const sha256 = (text: Sql): Sql => byDialect((d) => d.sha256(text));
export const matches = (text: Sql, pattern: Sql | SqlValue): Sql => byDialect((d) => d.matches(text, bound(pattern)));
export const storeColumns = (): Sql => byDialect((d) => d.storeColumns());
export const interpolate = (lo: Sql, hi: Sql, d: Sql): Sql => byDialect((x) => x.interpolate(lo, hi, d));
export const median = (value: Sql): Sql => byDialect((d) => d.median(value));
export const argMin = (value: Sql, by: Sql): Sql => byDialect((d) => d.argMin(value, by));
export const jsonColumns = (columns: ReadonlyArray<{ name: string; json: string; type: 'VARCHAR' | 'DOUBLE' }>): Sql =>
  byDialect((d) => d.jsonColumns(columns.map((c) => ({ ...c, json: sql`${c.json}` }))));
export const valueAtMax = (value: Sql, by: Sql, tie: Sql): Sql => byDialect((d) => d.valueAtMax(value, by, tie));
export const boolOr = (c: Sql): Sql => byDialect((d) => d.boolOr(c));
export const bitOr = (v: Sql): Sql => byDialect((d) => d.bitOr(v));
export const hasBits = (v: Sql, mask: Sql | number): Sql => byDialect((d) => d.hasBits(v, bound(mask)));
export const cteHint = (materialized: boolean): Sql => byDialect((d) => d.cteHint(materialized));
export const createTableAs = (name: Sql, query: Sql, temporary = false): Sql => byDialect((d) => d.createTableAs(name, query, temporary));
export const upsertInto = (table: Sql): Sql => byDialect((d) => d.upsertInto(table));
export const insertIfAbsent = (table: Sql, key: Sql, row: ReadonlyArray<Sql | SqlValue>): Sql => byDialect((d) => d.insertIfAbsent(table, key, row.map(bound)));
export const update = (table: Sql): Sql => byDialect((d) => d.update(table));
export const unnestRecords = (alias: string, fields: ReadonlyArray<readonly [string, string]>, records: ReadonlyArray<ReadonlyArray<Sql | SqlValue>>): Sql =>
  byDialect((d) => d.unnestRecords(alias, fields, records.map((r) => r.map(bound))));
export const valuesOf = (alias: string, columns: ReadonlyArray<readonly [string, string]>, rows: ReadonlyArray<ReadonlyArray<Sql | SqlValue>>): Sql =>
  byDialect((d) => d.values(alias, columns, rows.map((r) => r.map(bound))));
export const uuid = (): Sql => byDialect((d) => d.uuid());
export const castTo = (value: Sql | SqlValue, type: string): Sql => byDialect((d) => d.castTo(bound(value), type));
export const listFilter = (list: Sql, keep: (item: Sql) => Sql): Sql => byDialect((d) => d.listFilter(list, keep));
export const unnestList = (list: Sql): Sql => byDialect((d) => d.unnestList(list));
export const insertionOrder = (): Sql => byDialect((d) => d.insertionOrder());
export const latest = (value: Sql, ts: Sql, tie: Sql, where: Sql): Sql => byDialect((d) => d.latest(value, ts, tie, where));
export const isoTimestamp = (text: Sql): Sql => byDialect((d) => d.isoTimestamp(text));
export const jsonRecords = (alias: string, json: string, fields: ReadonlyArray<readonly [string, string]>): Sql => byDialect((d) => d.jsonRecords(alias, sql`${json}`, fields));
export const listJoin = (list: Sql, separator: string): Sql => byDialect((d) => d.listJoin(list, separator));
export const epochMs = (ts: Sql): Sql => byDialect((d) => d.epochMs(ts));
export const intDiv = (a: Sql, b: Sql | number): Sql => byDialect((d) => d.intDiv(a, bound(b)));
export const insertSelectIfAbsent = (table: Sql, columns: readonly string[], key: readonly string[], query: Sql): Sql => byDialect((d) => d.insertSelectIfAbsent(table, columns, key, query));
/** Rows of values (in the order of `columns`, [name, SQL type]) inserted unless their `key` is stored. */
export const insertRowsIfAbsent = (table: Sql, columns: ReadonlyArray<readonly [string, string]>, key: readonly string[], rows: ReadonlyArray<ReadonlyArray<Sql | SqlValue>>): Sql =>
  insertSelectIfAbsent(table, columns.map(([c]) => c), key, sql`SELECT * FROM ${valuesOf('v', columns, rows)}`);
