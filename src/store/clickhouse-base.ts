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

  /** A statement compiled for ClickHouse, sent to the engine; its answer is not read. */
  protected abstract command(text: string, values: SqlValue[]): Promise<void>;
  /** The query's result in ClickHouse's JSON format, as the engine sent it. */
  protected abstract json(text: string, values: SqlValue[]): Promise<JsonResult>;
  abstract insertParquet(table: string, columns: readonly string[], file: string): Promise<void>;
  abstract writeParquet(q: Sql, file: string): Promise<void>;
  abstract fork(): Promise<Backend>;
  abstract close(): void;

  /** ClickHouse does not say how many rows a statement changed: 0. */
  async run(q: Sql): Promise<number> {
    const { text, values } = compile(q, clickhouseDialect);
    await this.command(text, values);
    return 0;
  }

  /** Rows and their columns' ClickHouse types, values converted as callers want them. */
  private async read(q: Sql): Promise<JsonResult> {
    const { text, values } = compile(q, clickhouseDialect);
    return convertRows(await this.json(text, values));
  }

  async rows(q: Sql): Promise<Row[]> {
    return (await this.read(q)).data;
  }

  async vectors(q: Sql): Promise<Vectors> {
    return resultVectors(await this.read(q));
  }

  /** The JSON answer is read whole: one chunk. */
  async *vectorChunks(q: Sql): AsyncGenerator<Vectors> {
    yield await this.vectors(q);
  }

  async *chunks(q: Sql): AsyncGenerator<Row[]> {
    yield await this.rows(q);
  }

  writeText(q: Sql, file: string, format: TextFormat): Promise<number> {
    return writeTextThroughDuckdb(this, q, file, format);
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
