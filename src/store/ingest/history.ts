import { NotFoundError } from '../../shared/errors.js';
import { sql, type Sql } from '../../sql/index.js';
import type { Store } from '../store.js';

/** Past imports and the rows they quarantined, a page at a time. */

export interface Page {
  limit: number;
  offset: number;
}

export interface ImportRecord {
  id: string;
  file: string;
  entity: string;
  format: string;
  mapping: unknown;
  /** How the mapping was chosen: "preset online-retail", "mapping shop.json", ...; null for imports before it was kept. */
  mapping_source: string | null;
  started_at: string;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface QuarantineRecord {
  import_id: string;
  file: string;
  line: number | null;
  column: string | null;
  reason: string;
  /** The record as read from the file. */
  raw: string | null;
}

async function total(store: Store, q: Sql): Promise<number> {
  return (await store.one<{ n: number }>(q))?.n ?? 0;
}

/** Imports, newest first. */
export async function listImports(store: Store, page: Page): Promise<{ total: number; imports: ImportRecord[] }> {
  const rows = await store.all<Omit<ImportRecord, 'mapping'> & { mapping: string }>(sql`
    SELECT id, file, entity, format, mapping, mapping_source, strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started_at, rows, accepted, duplicates, rejected
    FROM imports ORDER BY imports.started_at DESC, id LIMIT ${page.limit} OFFSET ${page.offset}`);
  return {
    total: await total(store, sql`SELECT count(*) AS n FROM imports`),
    imports: rows.map((r) => ({ ...r, mapping: JSON.parse(r.mapping) as unknown })),
  };
}

/** Quarantined rows, of one import or of all, in file order (lines that could not be read at all first). */
export async function quarantinedRows(
  store: Store,
  importId: string | undefined,
  page: Page,
): Promise<{ import_id: string | undefined; total: number; rows: QuarantineRecord[] }> {
  const which = await quarantineOf(store, importId);
  const rows = await store.all<QuarantineRecord>(sql`
    SELECT import_id, source_file AS file, line, column_name AS "column", reason, raw FROM quarantine WHERE ${which}
    ORDER BY created_at, import_id, line NULLS FIRST, rowid LIMIT ${page.limit} OFFSET ${page.offset}`);
  return { import_id: importId, total: await total(store, sql`SELECT count(*) AS n FROM quarantine WHERE ${which}`), rows };
}

/** Empties the quarantine, of one import or of all; returns how many rows went. */
export async function clearQuarantine(store: Store, importId: string | undefined): Promise<number> {
  const which = await quarantineOf(store, importId);
  return store.run(sql`DELETE FROM quarantine WHERE ${which}`);
}

async function quarantineOf(store: Store, importId: string | undefined): Promise<Sql> {
  if (importId === undefined) return sql`true`;
  if (!(await store.one(sql`SELECT 1 FROM imports WHERE id = ${importId}`))) {
    throw new NotFoundError(`no import "${importId}"`, { import: importId });
  }
  return sql`import_id = ${importId}`;
}
