import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { ident, sql, storeColumns, type Sql } from '../../sql/index.js';
import { ENTITY_COLUMNS } from '../schema.js';
import { Store } from '../store.js';
import { removeImportsOfFile, type Removal } from './provenance.js';

/**
 * File import into a store whose engine does not parse files (ClickHouse): DuckDB in memory stays the loader, and
 * imports the file exactly as into a DuckDB store (parsing, types, checks, quarantine, content ids, repeats), over
 * copies of what the import reads of the target: its customers, products, settings and tombstones, the quarantine
 * rows of the same file name, and of its events only what tells a stored event (id) and the whole store's
 * currencies. What the import wrote then goes back to the target, table by table through Parquet files.
 */

/** The import_id of the loader's copies of the target's events, which no import has (imports get hex ids). */
const STORED = 'stored';

/** What an import writes, as the loader reads it back for the target: the rows to insert. */
interface Written {
  table: string;
  rows: Sql;
}

/**
 * Imports through a DuckDB loader into `target`; `load` is the import itself, run on the loader (importFile). With
 * `replace`, the earlier imports of the file name are taken back from the target first, before the loader copies
 * what the import reads, so that their events no longer count as stored.
 */
export async function importThroughLoader<T extends { import_id: string; replaced: Removal[] }>(
  target: Store,
  file: { name: string; replace: boolean },
  load: (loader: Store) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(joinPath(tmpdir(), 'segmint-load-'));
  const loader = await Store.open({ path: ':memory:', memory: target.memory });
  try {
    return await target.exclusive(async () => {
      const replaced = file.replace ? await removeImportsOfFile(target, file.name) : [];
      const copy = copier(dir);
      for (const table of ['settings', 'tombstones', 'customers', 'products']) await copy(target, loader, table, sql`SELECT * FROM ${ident(table)}`);
      await copy(target, loader, 'quarantine', sql`SELECT * FROM quarantine WHERE source_file = ${file.name}`);
      // A stored event's id is what makes a row of the file a duplicate; its price and currency, what the store holds.
      const stub = ['id', 'type', 'ts', 'unit_price', 'currency', 'import_id'];
      await copy(target, loader, 'events', sql`SELECT id, '' AS type, ts, unit_price, currency, ${STORED} AS import_id FROM events`, stub);
      for (const table of ['customers', 'products'] as const) {
        // ClickHouse has no NULL list (an empty Array): read back as the import stores an absent list, else a row
        // equal to the stored one would read as changed.
        for (const c of ENTITY_COLUMNS[table].filter((c) => c.type === 'string_list')) {
          await loader.run(sql`UPDATE ${ident(table)} SET ${ident(c.name)} = NULL WHERE len(${ident(c.name)}) = 0`);
        }
        await loader.run(sql`CREATE TEMP TABLE ${ident(`before_${table}`)} AS SELECT * FROM ${ident(table)}`);
      }

      const report = { ...(await load(loader)), replaced };

      const mine = sql`import_id = ${report.import_id}`;
      const written: Written[] = [
        { table: 'events', rows: sql`SELECT * FROM events WHERE ${mine}` },
        // New and changed rows: on ClickHouse these tables keep the newest row of a key.
        ...['customers', 'products'].map((t) => ({ table: t, rows: sql`SELECT * FROM ${ident(t)} EXCEPT SELECT * FROM ${ident(`before_${t}`)}` })),
        { table: 'imports', rows: sql`SELECT * FROM imports WHERE id = ${report.import_id}` },
      ];
      for (const w of written) await copy(loader, target, w.table, w.rows);
      // The file's quarantine as the import left it: its new rows, and without earlier rows of a record quarantined again.
      await target.run(sql`DELETE FROM quarantine WHERE source_file = ${file.name}`);
      await copy(loader, target, 'quarantine', sql`SELECT * FROM quarantine WHERE source_file = ${file.name}`);
      return report;
    });
  } finally {
    loader.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Copies a query's rows into a table of another store through a Parquet file, by column name (default: all the table's). */
function copier(dir: string): (from: Store, to: Store, table: string, rows: Sql, columns?: readonly string[]) => Promise<void> {
  let n = 0;
  return async (from, to, table, rows, columns) => {
    const file = joinPath(dir, `${table}-${(n += 1)}.parquet`);
    const names = columns ?? (await from.all<{ name: string }>(sql`SELECT column_name AS name FROM ${storeColumns()} c WHERE table_name = ${table} ORDER BY ordinal`)).map((c) => c.name);
    await from.writeParquet(rows, file);
    await to.insertParquet(table, names, file);
  };
}
