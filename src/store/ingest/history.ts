import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.js';
import { formatTimestamp, insertionOrder, sql, type Sql } from '../../sql/index.js';
import { ENTITIES } from '../schema.js';
import { deleteCounted } from '../delete-counted.js';
import type { Store } from '../store.js';

/** Past imports and the rows they quarantined, a page at a time. */

export interface Page {
  limit: number;
  offset: number;
}

const count = z.number().int();
const pageFields = { total: count.describe('in all, beyond this page too'), limit: count, offset: count };

/** A past import as kept: its file, how it was read, and its counts. */
export const importRecordSchema = z
  .object({
    id: z.string(),
    file: z.string(),
    entity: z.enum(ENTITIES),
    format: z.string(),
    mapping: z.unknown().describe('the column mapping it read the file with, as a --mapping file holds it'),
    mapping_source: z.string().nullable().describe('how the mapping was chosen: "preset online-retail", "mapping shop.json", ...; null for imports before it was kept'),
    started_at: z.string(),
    rows: count,
    accepted: count,
    duplicates: count,
    rejected: count,
  })
  .meta({ id: 'ImportRecord' });
export type ImportRecord = z.infer<typeof importRecordSchema>;

/** A page of past imports, newest first, as `segmint imports` lists them and GET /v1/imports answers. */
export const importsPageSchema = z.object({ ...pageFields, imports: z.array(importRecordSchema) });
export type ImportsPage = z.infer<typeof importsPageSchema>;

/** A page of quarantined rows, in file order, as `segmint quarantine` lists them and GET /v1/imports/:id/quarantine answers. */
export const quarantinePageSchema = z.object({
  import_id: z.string().nullable().describe('the import asked for; null for every import'),
  ...pageFields,
  rows: z.array(
    z.object({
      import_id: z.string(),
      file: z.string(),
      line: count.nullable(),
      column: z.string().nullable(),
      reason: z.string(),
      raw: z.string().nullable().describe('the record as read from the file'),
    }),
  ),
});
export type QuarantinePage = z.infer<typeof quarantinePageSchema>;
export type QuarantineRecord = QuarantinePage['rows'][number];

async function total(store: Store, q: Sql): Promise<number> {
  return (await store.one<{ n: number }>(q))?.n ?? 0;
}

/** Import records where `which` holds, as `rest` orders and limits them. */
async function importRecords(store: Store, which: Sql, rest: Sql): Promise<ImportRecord[]> {
  const rows = await store.all<Omit<ImportRecord, 'mapping'> & { mapping: string }>(sql`
    SELECT id, file, entity, format, mapping, mapping_source, ${formatTimestamp(sql`started_at`)} AS started_at, rows, accepted, duplicates, rejected
    FROM imports WHERE ${which} ${rest}`);
  return rows.map((r) => ({ ...r, mapping: JSON.parse(r.mapping) as unknown }));
}

/** Imports, newest first. */
export async function listImports(store: Store, page: Page): Promise<ImportsPage> {
  return {
    total: await total(store, sql`SELECT count(*) AS n FROM imports`),
    limit: page.limit,
    offset: page.offset,
    imports: await importRecords(store, sql`true`, sql`ORDER BY imports.started_at DESC, id LIMIT ${page.limit} OFFSET ${page.offset}`),
  };
}

/** One import by id, as GET /v1/imports/:id answers. */
export async function getImport(store: Store, id: string): Promise<ImportRecord> {
  const [found] = await importRecords(store, sql`id = ${id}`, sql``);
  if (!found) throw new NotFoundError(`no import "${id}"`, { import: id });
  return found;
}

/** Quarantined rows, of one import or of all, in file order (lines that could not be read at all first). */
export async function quarantinedRows(
  store: Store,
  importId: string | undefined,
  page: Page,
): Promise<QuarantinePage> {
  const which = await quarantineOf(store, importId);
  const rows = await store.all<QuarantineRecord>(sql`
    SELECT import_id, source_file AS file, line, column_name AS "column", reason, raw FROM quarantine WHERE ${which}
    ORDER BY created_at, import_id, line NULLS FIRST, ${insertionOrder()} LIMIT ${page.limit} OFFSET ${page.offset}`);
  return { import_id: importId ?? null, total: await total(store, sql`SELECT count(*) AS n FROM quarantine WHERE ${which}`), limit: page.limit, offset: page.offset, rows };
}

/** Empties the quarantine, of one import or of all; returns how many rows went. */
export async function clearQuarantine(store: Store, importId: string | undefined): Promise<number> {
  const which = await quarantineOf(store, importId);
  return deleteCounted(store, sql`quarantine`, which);
}

async function quarantineOf(store: Store, importId: string | undefined): Promise<Sql> {
  if (importId === undefined) return sql`true`;
  if (!(await store.one(sql`SELECT 1 FROM imports WHERE id = ${importId}`))) {
    throw new NotFoundError(`no import "${importId}"`, { import: importId });
  }
  return sql`import_id = ${importId}`;
}
