import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { contains, ident, join as joinSql, sql, storeColumns } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';

export const ONLINE_RETAIL = resolve('../shared/data/online-retail/online_retail.csv.gz');
export const ONLINE_RETAIL_II = resolve('../shared/data/online-retail/online_retail_II_2009-2010.csv.gz');

/** A folder of its own; `file` writes lines there (a CSV, say) and returns the file's path. */
export function tempDir(prefix = 'segmint-test-'): { path: string; cleanup: () => void; file: (name: string, lines: string[]) => string } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const file = (name: string, lines: string[]): string => {
    const at = join(path, name);
    writeFileSync(at, lines.join('\n') + '\n');
    return at;
  };
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }), file };
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

/**
 * Every text column of every table in the store that holds `text` anywhere in its value, as `table.column`. A match
 * inside a longer token counts (an id in JSON, a list or a raw line must be found), so `text` must be one that random
 * text cannot hold by chance: the store's UUIDs, digests and keys are lowercase hex with dashes.
 */
export async function columnsHolding(store: Store, text: string): Promise<string[]> {
  if (/^[0-9a-f-]+$/.test(text)) throw new Error(`columnsHolding: "${text}" is all lowercase hex digits and dashes, which a random UUID or digest of the store can hold by chance; give an id with another letter (cust-zq1)`);
  const cols = await store.all<{ t: string; c: string }>(sql`SELECT table_name AS t, column_name AS c FROM ${storeColumns()} s WHERE holds_text`);
  const byTable = new Map<string, Array<{ c: string }>>();
  for (const col of cols) byTable.set(col.t, [...(byTable.get(col.t) ?? []), col]);
  const holding = new Set<string>();
  // One scan a table counting each of its text columns, not a query a column: some 150 columns in 39 tables a store.
  for (const [t, columns] of byTable) {
    const counts = columns.map(({ c }, i) => sql`count(CASE WHEN ${contains(ident(c), text)} THEN 1 END) AS ${ident(`n${i}`)}`);
    const row = (await store.one<Record<string, number>>(sql`SELECT ${joinSql(counts)} FROM ${ident(t)}`))!;
    columns.forEach(({ c }, i) => {
      if (Number(row[`n${i}`]) > 0) holding.add(`${t}.${c}`);
    });
  }
  return cols.map(({ t, c }) => `${t}.${c}`).filter((col) => holding.has(col));
}
