import { clickhouseDialect, compile, type Sql, type SqlValue } from '../sql/index.js';
import type { Backend, Row, RowColumns, TextColumns, TextFormat, Vectors } from './backend.js';
import { insertRowsAsJson } from './rows-as-json.js';
import { insertTextThroughDuckdb, writeTextThroughDuckdb } from './text-through-duckdb.js';
import { convertRows, resultVectors, type JsonResult } from './clickhouse-results.js';

/**
 * A ClickHouse engine under the Store, embedded (chdb-backend.ts) or a server (clickhouse-backend.ts): both answer a
 * query in ClickHouse's JSON format, read here the same way; each says only how a statement reaches its engine and
 * how files go in and out.
 */
export abstract class ClickhouseBackendBase implements Backend {
  readonly dialect = clickhouseDialect;
  // ClickHouse statements are atomic one by one; a failure inside a group of them leaves the earlier ones applied.
  readonly transactions = false;
  // A server takes any client's inserts; an embedded store's folder could be opened by another process.
  readonly soleWriter = false;

  abstract run(text: string, values: SqlValue[]): Promise<number>;
  /** The query's result in ClickHouse's JSON format, as the engine sent it. */
  protected abstract json(text: string, values: SqlValue[]): Promise<JsonResult>;
  abstract insertParquet(table: string, columns: readonly string[], file: string): Promise<void>;
  abstract writeParquet(text: string, values: SqlValue[], file: string): Promise<void>;
  abstract fork(): Promise<Backend>;
  abstract close(): void;

  /** A statement of the backend's own, compiled for ClickHouse. */
  protected async exec(q: Sql): Promise<void> {
    const { text, values } = compile(q, clickhouseDialect);
    await this.run(text, values);
  }

  /** Rows and their columns' ClickHouse types, values converted as callers want them. */
  private async read(text: string, values: SqlValue[]): Promise<JsonResult> {
    return convertRows(await this.json(text, values));
  }

  async rows(text: string, values: SqlValue[]): Promise<Row[]> {
    return (await this.read(text, values)).data;
  }

  async vectors(text: string, values: SqlValue[]): Promise<Vectors> {
    return resultVectors(await this.read(text, values));
  }

  /** The JSON answer is read whole: one chunk. */
  async *vectorChunks(text: string, values: SqlValue[]): AsyncGenerator<Vectors> {
    yield await this.vectors(text, values);
  }

  async *chunks(text: string, values: SqlValue[]): AsyncGenerator<Row[]> {
    yield await this.rows(text, values);
  }

  writeText(text: string, values: SqlValue[], file: string, format: TextFormat): Promise<number> {
    return writeTextThroughDuckdb(this, text, values, file, format);
  }

  insertText(table: string, columns: TextColumns, file: string, format: TextFormat): Promise<void> {
    return insertTextThroughDuckdb(this, table, columns, file, format);
  }

  insertRows(table: string, columns: RowColumns): Promise<void> {
    return insertRowsAsJson(this, table, columns);
  }

  async afterMigrations(): Promise<void> {}

  /** ClickHouse's share is where its GROUP BY and ORDER BY spill, set at the start; it keeps no pool to give up. */
  async setMemoryLimit(): Promise<void> {}
}
