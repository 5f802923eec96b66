import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Store } from '../src/store/index.js';

export const ONLINE_RETAIL = resolve('../shared/data/online-retail/online_retail.csv.gz');
export const ONLINE_RETAIL_II = resolve('../shared/data/online-retail/online_retail_II_2009-2010.csv.gz');

export function tempDir(prefix = 'segmint-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export function memoryStore(): Promise<Store> {
  return Store.open({ path: ':memory:' });
}

/**
 * A bare DuckDB connection, independent of Segmint's store, for computing expected values with plain SQL over
 * the raw files.
 */
export async function plainSql<T = Record<string, unknown>>(text: string): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(text);
    return reader.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])) as T);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
