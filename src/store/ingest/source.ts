import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { ImportError } from '../../shared/errors.js';
import { join, sql, ident, type Sql } from '../../sql/index.js';
import type { Store } from '../store.js';
import { wholeLines } from '../whole-lines.js';
import { findGzipTruncation, type Truncation } from './gzip-check.js';
import type { Format, Mapping } from './mapping.js';

export interface ReadOptions {
  /** Number the records (`__rec`, 1-based among parsed records); costs a sequential step, so only when needed. */
  numbered: boolean;
  /** The first read of a CSV keeps the lines it cannot parse in `rejectsTable`; later reads skip them alike. */
  rejects: 'store' | 'skip';
}

/** A file seen as a relation of records: `__rec` plus its columns. */
export interface Source {
  file: string;
  format: Format;
  relation(options: ReadOptions): Sql;
  /** Column name -> DuckDB type, as found in the file. */
  columns: Map<string, string>;
  /** The SQL expression reading one source column inside `relation`. */
  value(column: string): Sql;
  /** The whole record as text, kept with a quarantined row. */
  rawRecord: Sql;
  /** A row-level problem of the format itself (a JSONL line that is not a JSON object), as an error struct. */
  recordError: Sql | undefined;
  /** Lines before the first record (a CSV header). */
  headerLines: number;
  /** Where DuckDB's CSV reader put the lines it could not split into the expected columns. */
  rejectsTable: string | undefined;
  truncation: Truncation | undefined;
}

/** The format a mapping names, else the one the file's name says (csv when it says none). */
export function detectFormat(file: string, format: Format | undefined): Format {
  if (format) return format;
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.parquet')) return 'parquet';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  return 'csv';
}

/** Opens the file at `path`; `file` is what messages and records call it (by default the path itself). */
export async function openSource(store: Store, path: string, mapping: Mapping, importId: string, file = path): Promise<Source> {
  if (!existsSync(path)) throw new ImportError(`${file}: no such file`, { file });
  const format = detectFormat(path, mapping.format);
  const truncation = path.toLowerCase().endsWith('.gz')
    ? await findGzipTruncation(path, joinPath(tmpdir(), `segmint-${importId}.${format}`))
    : undefined;
  const readPath = truncation?.prefixPath ?? path;
  const rejectsTable = `rejects_${importId}`;
  try {
    switch (format) {
      case 'csv':
        return await openCsv(store, { file, path: readPath, mapping, rejectsTable, truncation });
      case 'jsonl':
        return await openJsonl(store, { file, path: readPath, rejectsTable, truncation });
      case 'parquet':
        return await openParquet(store, { file, path });
    }
  } catch (err) {
    if (truncation) await rm(truncation.prefixPath, { force: true });
    if (err instanceof ImportError) throw err;
    throw new ImportError(`${file}: cannot be read as ${format}: ${firstLine(err)}`, { file, format });
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

interface OpenArgs {
  file: string;
  path: string;
  rejectsTable: string;
  truncation: Truncation | undefined;
}

async function describe(store: Store, relation: Sql): Promise<Map<string, string>> {
  const rows = await store.all<{ column_name: string; column_type: string }>(sql`DESCRIBE SELECT * FROM (${relation}) LIMIT 0`);
  return new Map(rows.filter((r) => r.column_name !== '__rec').map((r) => [r.column_name, r.column_type]));
}

/**
 * Later reads store their rejects too, in tables of their own that nobody reads: with `ignore_errors` alone, DuckDB's
 * parallel CSV reader stops at a badly quoted line and silently drops the rest of its chunk.
 */
function rejectOptions(r: ReadOptions, table: string): Sql {
  const into = r.rejects === 'store' ? table : `${table}_again`;
  return sql`store_rejects = true, rejects_table = ${into}, rejects_scan = ${`${into}_scan`}`;
}

/** Every table a source's reads may create, for the importer to drop. */
export function scratchTables(source: Source): string[] {
  const t = source.rejectsTable;
  return t ? [t, `${t}_scan`, `${t}_again`, `${t}_again_scan`] : [];
}

/** A streaming row_number keeps file order, so the record number is the position among parsed records. */
function numbered(r: ReadOptions, reader: Sql): Sql {
  return r.numbered ? sql`SELECT row_number() OVER () AS __rec, * FROM ${reader}` : sql`SELECT NULL::BIGINT AS __rec, * FROM ${reader}`;
}

function columnValue(column: string): Sql {
  return sql`src.${ident(column)}`;
}

function jsonOfColumns(columns: Iterable<string>): Sql {
  return sql`json_object(${join([...columns].map((c) => sql`${c}, ${columnValue(c)}`))})::VARCHAR`;
}

/**
 * The column names, from the first line alone. DuckDB's sniffer reads a sample of rows and gives up on the whole
 * file ("Error when sniffing file", no line) when one of them is badly quoted; with the columns given, the reader
 * instead rejects that line like any other it cannot split. The first line goes through the reader on its own so the
 * names come out as DuckDB names them (duplicates suffixed, blanks as columnN).
 */
async function csvColumns(store: Store, a: OpenArgs, o: CsvOptions): Promise<string[]> {
  const first = await store.one<{ line: string }>(sql`SELECT line FROM ${wholeLines(a.path, sql`auto_detect = false`)} LIMIT 1`);
  if (!first) throw new ImportError(`${a.file}: the file is empty`, { file: a.file });
  const headerPath = joinPath(tmpdir(), `segmint-${a.rejectsTable}-header.csv`);
  await writeFile(headerPath, `${first.line}\n`);
  try {
    const names = await store.all<{ column_name: string }>(sql`DESCRIBE SELECT * FROM read_csv(${headerPath}, all_varchar = true,
      header = ${o.header}, delim = ${o.delimiter}, quote = ${o.quote}, escape = ${o.escape})`);
    return names.map((n) => n.column_name);
  } finally {
    await rm(headerPath, { force: true });
  }
}

type CsvOptions = NonNullable<Mapping['csv']>;

async function openCsv(store: Store, a: OpenArgs & { mapping: Mapping }): Promise<Source> {
  const o: CsvOptions = a.mapping.csv ?? { delimiter: ',', quote: '"', escape: '"', header: true };
  const names = await csvColumns(store, a, o);
  // Everything is read as text so that a bad value is caught per field, with its column, not as a whole-file error.
  const columnTypes = sql`{${join(names.map((n) => sql`${ident(n)}: 'VARCHAR'`))}}`;
  const relation = (r: ReadOptions): Sql => {
    const reader = sql`read_csv(${a.path}, auto_detect = false, columns = ${columnTypes}, header = ${o.header}, delim = ${o.delimiter},
      quote = ${o.quote}, escape = ${o.escape}, ${rejectOptions(r, a.rejectsTable)})`;
    return numbered(r, reader);
  };
  const columns = new Map(names.map((n) => [n, 'VARCHAR']));
  return {
    file: a.file,
    format: 'csv',
    relation,
    columns,
    value: columnValue,
    rawRecord: jsonOfColumns(columns.keys()),
    recordError: undefined,
    headerLines: o.header ? 1 : 0,
    rejectsTable: a.rejectsTable,
    truncation: a.truncation,
  };
}

async function openJsonl(store: Store, a: OpenArgs): Promise<Source> {
  // JSON functions throw on malformed text, so fields are read from `__json`, which is NULL for a bad line. Lines
  // are always numbered: a blank line is skipped after numbering, so the number stays the line.
  const relation = (r: ReadOptions): Sql => sql`SELECT __rec, __line,
      CASE WHEN json_valid(__line) THEN CASE WHEN json_type(__line) = 'OBJECT' THEN __line::JSON END END AS __json
    FROM (SELECT row_number() OVER () AS __rec, line AS __line FROM ${wholeLines(a.path, rejectOptions(r, a.rejectsTable))})
    WHERE trim(__line) <> ''`;
  const keys = await store.all<{ key: string }>(sql`SELECT DISTINCT unnest(json_keys(line)) AS key
    FROM ${wholeLines(a.path, sql`ignore_errors = true`)}
    WHERE json_valid(line) AND json_type(line) = 'OBJECT'`);
  return {
    file: a.file,
    format: 'jsonl',
    relation,
    columns: new Map(keys.map((k) => [k.key, 'JSON'])),
    value: (column) => sql`json_extract_string(src.__json, ${`$."${column.replaceAll('"', '\\"')}"`})`,
    rawRecord: sql`src.__line`,
    recordError: sql`CASE WHEN src.__json IS NULL THEN {'column': NULL::VARCHAR, 'reason': CASE WHEN json_valid(src.__line)
      THEN 'expected a JSON object, got ' || lower(json_type(src.__line)) ELSE 'not valid JSON' END} END`,
    headerLines: 0,
    rejectsTable: a.rejectsTable,
    truncation: a.truncation,
  };
}

async function openParquet(store: Store, a: { file: string; path: string }): Promise<Source> {
  // Parquet knows its row numbers without a sequential step, so they are always there.
  const relation = (): Sql => sql`SELECT file_row_number + 1 AS __rec, * EXCLUDE (file_row_number) FROM read_parquet(${a.path}, file_row_number = true)`;
  const columns = await describe(store, relation());
  return {
    file: a.file,
    format: 'parquet',
    relation,
    columns,
    value: columnValue,
    rawRecord: jsonOfColumns(columns.keys()),
    recordError: undefined,
    headerLines: 0,
    rejectsTable: undefined,
    truncation: undefined,
  };
}
