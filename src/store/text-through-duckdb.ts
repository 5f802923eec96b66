import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Sql } from '../sql/index.js';
import type { Backend, TextColumns, TextFormat } from './backend.js';
import { DuckdbBackend, textFileRows } from './duckdb-backend.js';

/**
 * Text files of a ClickHouse store, written and read by DuckDB in memory, with Parquet in between (the way an import
 * reaches ClickHouse, ingest/loader.ts): ClickHouse's CSV quotes every text and its header, and writes a whole double
 * without `.0`, so its own formats would give other bytes than a DuckDB store's for the same rows; one writer gives
 * the same file on every engine, and the rows it wrote.
 */

async function withDuckdb<T>(fn: (duckdb: DuckdbBackend, parquet: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'segmint-text-'));
  // A conversion that streams: one thread, a small share of memory.
  const duckdb = await DuckdbBackend.open(':memory:', { threads: '1', memory_limit: '256MB', temp_directory: dir });
  try {
    return await fn(duckdb, join(dir, 'rows.parquet'));
  } finally {
    duckdb.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function writeTextThroughDuckdb(store: Backend, q: Sql, file: string, format: TextFormat): Promise<number> {
  return withDuckdb(async (duckdb, parquet) => {
    await store.writeParquet(q, parquet);
    return duckdb.writeText(sql`SELECT * FROM read_parquet(${parquet})`, file, format);
  });
}

export function insertTextThroughDuckdb(store: Backend, table: string, columns: TextColumns, file: string, format: TextFormat): Promise<void> {
  return withDuckdb(async (duckdb, parquet) => {
    await duckdb.writeParquet(textFileRows(columns, file, format), parquet);
    await store.insertParquet(table, Object.keys(columns), parquet);
  });
}
