import type { Dialect, Sql } from '../sql/index.js';

export type Row = Record<string, unknown>;
export type Vectors = Record<string, Float64Array | Array<string | null>>;

/** Text files a store writes and reads back: CSV with a header line, or one JSON object a line. */
export type TextFormat = 'csv' | 'jsonl';

/** The columns of a text file as a table names them: table column -> the file's header name (JSON key), in the file's order. */
export type TextColumns = Readonly<Record<string, string>>;

/**
 * Rows given column by column, for `insertRows`: text, numbers, or timestamps as microseconds since 1970 (UTC; a
 * bigint, exact whatever the year); null where absent.
 */
export type RowColumns = ReadonlyArray<
  | { name: string; type: 'VARCHAR'; values: ReadonlyArray<string | null> }
  | { name: string; type: 'DOUBLE'; values: ReadonlyArray<number | null> }
  | { name: string; type: 'TIMESTAMP'; values: ReadonlyArray<bigint | null> }
>;

/**
 * One engine under the Store: statements in, compiled with the engine's own dialect, rows out, as callers want them
 * (integers as numbers, timestamps as Dates). DuckDB (duckdb-backend.ts) or ClickHouse, embedded or a server
 * (clickhouse-base.ts).
 */
export interface Backend {
  readonly dialect: Dialect;
  /** Rows changed, where the engine says. */
  run(q: Sql): Promise<number>;
  rows(q: Sql): Promise<Row[]>;
  /** Number columns (doubles, integers) as Float64Array (NULL as NaN), text columns as strings. */
  vectors(q: Sql): Promise<Vectors>;
  /** As `vectors`, a chunk of rows at a time (the engine's own chunks), for results too large to hold at once. */
  vectorChunks(q: Sql): AsyncGenerator<Vectors>;
  chunks(q: Sql): AsyncGenerator<Row[]>;
  /** Appends a Parquet file's columns to a table: the way tables are copied into a store (src/store/copy.ts). */
  insertParquet(table: string, columns: readonly string[], file: string): Promise<void>;
  /** Writes a query's result to a Parquet file on this machine: how a loader reads a ClickHouse store's rows. */
  writeParquet(q: Sql, file: string): Promise<void>;
  /**
   * Writes a query's result to a text file on this machine, as DuckDB's COPY writes it on every engine (so that a
   * file is the same bytes whichever engine holds the store); answers the rows written.
   */
  writeText(q: Sql, file: string, format: TextFormat): Promise<number>;
  /** Appends the rows of a text file on this machine (as `writeText` writes it, every column text) to a table. */
  insertText(table: string, columns: TextColumns, file: string, format: TextFormat): Promise<void>;
  /**
   * Appends rows held in this process to a table (every column named, in any order; none left to its default), within
   * the current transaction: the way many small rows reach the engine without a bound value each or a JSON text to parse.
   */
  insertRows(table: string, columns: RowColumns): Promise<void>;
  /** Statements that make `fn`'s writes all or nothing, where the engine has transactions. */
  readonly transactions: boolean;
  /** Whether no other process can write the database while this one has it open (see Store.soleWriter). */
  readonly soleWriter: boolean;
  /** Work after migrations were applied (DuckDB writes its schema to the file). */
  afterMigrations(): Promise<void>;
  /** A new limit for the engine's memory pool, in bytes, where the engine has one that can change while it runs. */
  setMemoryLimit(bytes: number): Promise<void>;
  fork(): Promise<Backend>;
  close(): void;
}
