import { DuckDBInstance, DuckDBTimestampValue, DuckDBTypeId, type DuckDBConnection, type DuckDBDataChunk, type DuckDBResult } from '@duckdb/node-api';
import { duckdbMemoryLimit } from '../shared/memory.js';
import { compile, duckdbDialect, ident, join, sql, type Sql } from '../sql/index.js';
import type { Backend, Row, RowColumns, TextColumns, TextFormat, Vectors } from './backend.js';
import { wholeLines } from './whole-lines.js';

/** COPY's options for each text format. */
const COPY_OPTIONS: Record<TextFormat, Sql> = { csv: sql`(FORMAT csv, HEADER true)`, jsonl: sql`(FORMAT json)` };

/**
 * The rows of a text file that `writeText` wrote, every column as text (a CSV file read by position, its header
 * skipped; JSON lines by key), as a DuckDB query.
 */
export function textFileRows(columns: TextColumns, file: string, format: TextFormat): Sql {
  const names = Object.keys(columns).map((c) => ident(c));
  if (format === 'csv') {
    return sql`SELECT * FROM read_csv(${file}, header = true, auto_detect = false, columns = {${join(names.map((n) => sql`${n}: 'VARCHAR'`))}})`;
  }
  // One line is one object: read whole, then each key taken out.
  const keys = Object.values(columns).map((key) => duckdbDialect.jsonText(sql`line`, [key]));
  return sql`SELECT ${join(keys.map((k, i) => sql`${k} AS ${names[i]!}`))} FROM ${wholeLines(file, sql`auto_detect = false`)}`;
}

/** JS values as callers want them: integers as numbers (ours never exceed 2^53), everything else as DuckDB gives it. */
function toJs(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJs);
  return value;
}

/** Rows as callers want them, converted in place: a new object a row would cost as much as reading it. */
function toJsRows<T>(rows: Array<Record<string, unknown>>): T[] {
  for (const r of rows) for (const k in r) r[k] = toJs(r[k]);
  return rows as T[];
}

export class DuckdbBackend implements Backend {
  readonly dialect = duckdbDialect;
  readonly transactions = true;
  // DuckDB lets one process write a file, or several read it: the file this process opened to write is locked against
  // every other (and ':memory:' is the process's own).
  readonly soleWriter = true;
  private readonly tableColumns = new Map<string, readonly string[]>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /** False for a fork: closing it leaves the database open for the store it came from. */
    private readonly ownsInstance: boolean,
  ) {}

  static async open(path: string, settings: Record<string, string>): Promise<DuckdbBackend> {
    const instance = await DuckDBInstance.create(path, settings);
    return DuckdbBackend.connect(instance, true);
  }

  private static async connect(instance: DuckDBInstance, owns: boolean): Promise<DuckdbBackend> {
    const backend = new DuckdbBackend(instance, await instance.connect(), owns);
    // Timestamps without a zone are read as UTC and written offsets are converted to it, on every machine alike.
    await backend.run(sql`SET TimeZone = 'UTC'`);
    return backend;
  }

  async run(q: Sql): Promise<number> {
    const { text, values } = compile(q, duckdbDialect);
    const result = await this.conn.run(text, values);
    return Number(result.rowsChanged);
  }

  async rows(q: Sql): Promise<Row[]> {
    const { text, values } = compile(q, duckdbDialect);
    const reader = await this.conn.runAndReadAll(text, values);
    return toJsRows<Row>(reader.getRowObjectsJS());
  }

  /** Reads DuckDB's vectors directly: for a million rows, a tenth of the time of building an object a row (bench/clv.ts). */
  async vectors(q: Sql): Promise<Vectors> {
    const { text, values } = compile(q, duckdbDialect);
    const result = await this.conn.run(text, values);
    const out = emptyVectors(result, result.rowCount);
    let row = 0;
    for (let k = 0; k < result.chunkCount; k++) {
      const chunk = result.getChunk(k);
      copyChunk(result, chunk, out, row);
      row += chunk.rowCount;
    }
    return out;
  }

  /** The result streamed: DuckDB holds a chunk of 2,048 rows at a time, not the whole result. */
  async *vectorChunks(q: Sql): AsyncGenerator<Vectors> {
    const { text, values } = compile(q, duckdbDialect);
    const result = await this.conn.stream(text, values);
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const out = emptyVectors(result, chunk.rowCount);
      copyChunk(result, chunk, out, 0);
      yield out;
    }
  }

  async *chunks(q: Sql): AsyncGenerator<Row[]> {
    const { text, values } = compile(q, duckdbDialect);
    const result = await this.conn.stream(text, values);
    for await (const rows of result.yieldRowObjectJs()) yield toJsRows<Row>(rows);
  }

  async insertParquet(table: string, columns: readonly string[], file: string): Promise<void> {
    const names = join(columns.map((c) => ident(c)));
    await this.run(sql`INSERT INTO ${ident(table)} (${names}) SELECT ${names} FROM read_parquet(${file})`);
  }

  async writeParquet(q: Sql, file: string): Promise<void> {
    await this.run(sql`COPY (${q}) TO ${file} (FORMAT parquet)`);
  }

  async writeText(q: Sql, file: string, format: TextFormat): Promise<number> {
    return this.run(sql`COPY (${q}) TO ${file} ${COPY_OPTIONS[format]}`);
  }

  async insertText(table: string, columns: TextColumns, file: string, format: TextFormat): Promise<void> {
    const names = join(Object.keys(columns).map((c) => ident(c)));
    await this.run(sql`INSERT INTO ${ident(table)} (${names}) SELECT ${names} FROM (${textFileRows(columns, file, format)})`);
  }

  /**
   * Through DuckDB's appender, a value at a time: for 17,000 rows of 11 columns a quarter of the CPU of the same rows
   * as one JSON text unpacked by from_json. Appended rows are the transaction's (a rollback takes them back).
   */
  async insertRows(table: string, columns: RowColumns): Promise<void> {
    const rows = columns[0]?.values.length ?? 0;
    if (rows === 0) return;
    // The appender takes a row's values in the table's order: the columns are put in it by name.
    const byName = new Map(columns.map((c) => [c.name, c]));
    const ordered = (await this.columnNames(table)).map((name) => {
      const c = byName.get(name);
      if (!c) throw new Error(`insertRows: no values for ${table}.${name}`);
      return c;
    });
    if (ordered.length !== columns.length) throw new Error(`insertRows: ${table} has no column ${columns.map((c) => c.name).filter((n) => !ordered.some((c) => c.name === n)).join(', ')}`);
    const appender = await this.conn.createAppender(table);
    try {
      for (let r = 0; r < rows; r++) {
        for (const c of ordered) {
          const v = c.values[r];
          if (v === null || v === undefined) appender.appendNull();
          else if (c.type === 'VARCHAR') appender.appendVarchar(v as string);
          else if (c.type === 'DOUBLE') appender.appendDouble(v as number);
          else appender.appendTimestamp(new DuckDBTimestampValue(v as bigint));
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** A table's columns in their order, read once (the schema changes only by migrations, applied at the open). */
  private async columnNames(table: string): Promise<readonly string[]> {
    let names = this.tableColumns.get(table);
    if (!names) {
      const rows = await this.rows(sql`SELECT column_name FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name = current_schema() AND table_name = ${table} ORDER BY column_index`);
      names = rows.map((r) => String(r.column_name));
      this.tableColumns.set(table, names);
    }
    return names;
  }

  // DuckDB 1.5 cannot replay from its write-ahead log a column whose default calls a function (the import_id
  // provenance default): a process killed before the next checkpoint would leave a store that no longer opens.
  // Writing the schema to the file at once keeps such statements out of the log.
  async afterMigrations(): Promise<void> {
    await this.run(sql`CHECKPOINT`);
  }

  /** DuckDB evicts what its pool caches (table blocks, read again when needed) or spills to get below a lower limit. */
  async setMemoryLimit(bytes: number): Promise<void> {
    await this.run(sql`SET memory_limit = ${duckdbMemoryLimit(bytes)}`);
  }

  fork(): Promise<Backend> {
    return DuckdbBackend.connect(this.instance, false);
  }

  close(): void {
    this.conn.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

type ResultColumns = Pick<DuckDBResult, 'columnCount' | 'columnTypeId' | 'columnName'>;

/** Column types read as numbers: doubles, and integers (as ClickHouse's vectors read them; BIGINT's exact to 2^53). */
const NUMBERS: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.DOUBLE, DuckDBTypeId.BIGINT, DuckDBTypeId.INTEGER, DuckDBTypeId.SMALLINT, DuckDBTypeId.TINYINT,
  DuckDBTypeId.UBIGINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.USMALLINT, DuckDBTypeId.UTINYINT,
]);

/** Arrays for `rows` rows of each column: numbers as Float64Array, VARCHAR as strings. */
function emptyVectors(result: ResultColumns, rows: number): Vectors {
  const out: Vectors = {};
  for (let c = 0; c < result.columnCount; c++) {
    const type = result.columnTypeId(c);
    if (!NUMBERS.has(type) && type !== DuckDBTypeId.VARCHAR) throw new Error(`Store.vectors: column ${result.columnName(c)} is ${DuckDBTypeId[type]}, not a number or VARCHAR`);
    out[result.columnName(c)] = NUMBERS.has(type) ? new Float64Array(rows) : new Array<string | null>(rows);
  }
  return out;
}

/** A chunk's values into `out` from row `row` on (NULL numbers as NaN). */
function copyChunk(result: ResultColumns, chunk: DuckDBDataChunk, out: Vectors, row: number): void {
  for (let c = 0; c < result.columnCount; c++) {
    const vector = chunk.getColumnVector(c);
    const column = out[result.columnName(c)]!;
    if (!(column instanceof Float64Array)) for (let i = 0; i < chunk.rowCount; i++) column[row + i] = vector.getItem(i) as string | null;
    else if (result.columnTypeId(c) === DuckDBTypeId.DOUBLE) for (let i = 0; i < chunk.rowCount; i++) column[row + i] = (vector.getItem(i) as number | null) ?? NaN;
    // Integers: BIGINT's come as bigint.
    else for (let i = 0; i < chunk.rowCount; i++) column[row + i] = Number((vector.getItem(i) as number | bigint | null) ?? NaN);
  }
}
