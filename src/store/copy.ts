import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { ident, sql, storeColumns } from '../sql/index.js';
import type { Store } from './store.js';

/** The tables that hold what was imported: what a loader copies. */
const IMPORTED_TABLES = ['customers', 'products', 'events', 'imports', 'quarantine'] as const;

/**
 * Copies tables of a DuckDB store into a ClickHouse one, through Parquet files: DuckDB stays the loader (file import,
 * mapping, deduplication), ClickHouse receives what it stored. The target's rows of these tables are replaced.
 */
export async function copyTables(from: Store, to: Store, tables: readonly string[] = IMPORTED_TABLES): Promise<void> {
  if (from.dialect.name !== 'duckdb') throw new Error(`copyTables reads a DuckDB store, not ${from.dialect.name}`);
  const dir = mkdtempSync(joinPath(tmpdir(), 'segmint-copy-'));
  try {
    for (const table of tables) {
      const file = joinPath(dir, `${table}.parquet`);
      await from.run(sql`COPY ${ident(table)} TO ${file} (FORMAT parquet)`);
      const columns = await from.all<{ name: string }>(sql`SELECT column_name AS name FROM ${storeColumns()} c WHERE table_name = ${table} ORDER BY ordinal`);
      await to.run(sql`TRUNCATE TABLE ${ident(table)}`);
      await to.insertParquet(table, columns.map((c) => c.name), file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
