import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { getAudience, runDate } from '../../audiences/index.js';
import { NotFoundError } from '../../shared/errors.js';
import { formatTimestamp, sql } from '../../sql/index.js';
import { deleteCounted, type Store } from '../../store/index.js';
import { DESTINATION_NAMES } from '../destinations/index.js';
import { selectColumns } from './columns.js';
import { writeExport } from './export.js';
import { exportsDir } from './files.js';
import { EXPORT_FORMATS, exportSettingsSchema, type ExportRecord } from './schema.js';

/** A sync: an audience whose next export is written after every run. */
export const createSyncSchema = exportSettingsSchema.extend({ audience: z.string().min(1).describe('audience id or name') });
export type CreateSync = z.infer<typeof createSyncSchema> & { directory?: string | undefined };

export const syncSchema = z
  .object({
    id: z.string(),
    audience: z.string(),
    destination: z.enum(DESTINATION_NAMES).nullable(),
    format: z.enum(EXPORT_FORMATS),
    columns: z.array(z.string()).nullable(),
    directory: z.string().nullable().describe("where its files go when not beside the store (set from the CLI only: the API never picks a server's directory)"),
    created_at: z.string(),
  })
  .meta({ id: 'ExportSync' });
export type Sync = z.infer<typeof syncSchema>;

export const deletedSyncSchema = z.object({ deleted: z.string() });

const SELECT = sql`SELECT id, audience_id AS audience, destination, format, CAST(columns AS VARCHAR) AS columns, directory, ${formatTimestamp(sql`created_at`)} AS created_at FROM export_syncs`;
const toSync = (r: Omit<Sync, 'columns'> & { columns: string | null }): Sync => ({ ...r, columns: r.columns === null ? null : (JSON.parse(r.columns) as string[]) });

export async function listSyncs(store: Store): Promise<Sync[]> {
  return (await store.all<Omit<Sync, 'columns'> & { columns: string | null }>(sql`${SELECT} ORDER BY created_at, id`)).map(toSync);
}

/** Checks what it can now (the audience, the columns), so a bad sync is refused when made rather than at a run. */
export async function createSync(store: Store, input: CreateSync): Promise<Sync> {
  const audience = await getAudience(store, input.audience);
  if (input.columns) selectColumns(input.columns);
  const id = `sync-${randomUUID().slice(0, 8)}`;
  await store.run(sql`INSERT INTO export_syncs VALUES (${id}, ${audience.id}, ${input.destination ?? null}, ${input.format}, ${input.columns ? JSON.stringify(input.columns) : null},
    ${input.directory ?? null}, now())`);
  const row = await store.one<Omit<Sync, 'columns'> & { columns: string | null }>(sql`${SELECT} WHERE id = ${id}`);
  return toSync(row!);
}

export async function deleteSync(store: Store, id: string): Promise<{ deleted: string }> {
  if ((await deleteCounted(store, sql`export_syncs`, sql`id = ${id}`)) === 0) throw new NotFoundError(`no export sync "${id}"`, { sync: id });
  return { deleted: id };
}

/** A sync's files: its own directory, or one per sync beside the store. */
function syncDirectory(store: Store, sync: Sync): string {
  return sync.directory ?? join(exportsDir(store), 'syncs', sync.id);
}

/**
 * The step after a run: each sync's next export, in the order they were made. Only after a run of the latest date: a
 * run for a past date (a backfill) changes nothing of what the latest members are.
 */
export async function runSyncs(store: Store, asOf: string): Promise<ExportRecord[]> {
  if ((await runDate(store)) !== asOf) return [];
  // A deleted audience takes its syncs with it; audiences (below this module) do not know of them.
  await store.run(sql`DELETE FROM export_syncs WHERE audience_id NOT IN (SELECT id FROM audiences)`);
  const written: ExportRecord[] = [];
  for (const s of await listSyncs(store)) {
    const settings = { format: s.format, ...(s.columns ? { columns: s.columns } : {}), ...(s.destination ? { destination: s.destination } : {}) };
    written.push(await writeExport(store, s.audience, settings, { dir: syncDirectory(store, s) }));
  }
  return written;
}
