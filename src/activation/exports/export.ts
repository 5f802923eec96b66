import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { getAudience, runDate } from '../../audiences/index.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { asTimestamp, formatTimestamp, ident, now, sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { destinationOf } from '../destinations/index.js';
import { keepIdentities, readIdentities, writeAdFile, writeRemovals } from './ad-file.js';
import { DEFAULT_COLUMNS } from './columns.js';
import { fileName, removalsPath } from './files.js';
import { writePlainFile } from './plain-file.js';
import type { ExportRecord, ExportSettings } from './schema.js';

/** Where an export goes: a file path of the caller's (the CLI's --out), or a new file in a directory (API, syncs). */
export type ExportTarget = { path: string } | { dir: string };

/**
 * Writes the audience's members at the latest run as `settings` say: a plain file of the chosen columns, or a
 * destination's ad-audience file with, after the first, the removals since the last one. Any audience kind, as
 * memberships hold them all alike.
 */
export async function writeExport(store: Store, audienceIdOrName: string, settings: ExportSettings, target: ExportTarget): Promise<ExportRecord> {
  const audience = await getAudience(store, audienceIdOrName);
  if (settings.destination && settings.columns) {
    throw new ValidationError(`columns: an ad-audience file for ${settings.destination} has the columns its platform documents (hashed email and phone); leave columns out`, { columns: settings.columns });
  }
  const asOf = await runDate(store);
  const id = `exp-${randomUUID()}`;
  const path = 'path' in target ? target.path : join(target.dir, fileName(id, settings.format));
  mkdirSync(dirname(path), { recursive: true });
  const base = { audienceId: audience.id, asOf, format: settings.format, path };
  let rows: number;
  let removals: number | null = null;
  let removalsFile: string | null = null;
  let columns: string[];
  if (settings.destination) {
    const destination = destinationOf(settings.destination);
    columns = [destination.headers.email, destination.headers.phone];
    rows = await writeAdFile(store, { ...base, destination });
    const identities = `export_identities_${id.slice('exp-'.length).replaceAll('-', '')}`;
    try {
      await store.transaction(async () => {
        await readIdentities(store, { ...base, destination, table: identities });
        const before = await store.one(sql`SELECT 1 FROM audience_exports WHERE audience_id = ${audience.id} AND destination = ${destination.name} LIMIT 1`);
        if (before) {
          removalsFile = removalsPath(path, settings.format);
          removals = await writeRemovals(store, { ...base, destination, identities, removalsPath: removalsFile });
        }
        await keepIdentities(store, { audienceId: audience.id, destination, identities });
        await record();
      });
    } finally {
      // After the transaction: a DuckDB transaction that failed takes no more statements (and took the table with it).
      await store.run(sql`DROP TABLE IF EXISTS ${ident(identities)}`);
    }
  } else {
    columns = settings.columns ?? DEFAULT_COLUMNS;
    rows = await writePlainFile(store, { ...base, columns });
    await store.exclusive(record);
  }
  async function record(): Promise<void> {
    await store.run(sql`INSERT INTO audience_exports VALUES (${id}, ${audience.id}, ${settings.destination ?? null}, ${settings.format}, ${JSON.stringify(columns)},
      ${asTimestamp(asOf)}, ${now()}, ${rows}, ${removals}, ${path}, ${removalsFile})`);
  }
  return (await exportFiles(store, id)).record;
}

interface ExportRow {
  id: string;
  audience_id: string;
  destination: ExportRecord['destination'];
  format: ExportRecord['format'];
  columns: string;
  as_of: string;
  created_at: string;
  rows: number;
  removals: number | null;
  path: string;
  removals_path: string | null;
}

/** An export with where its files are, for the download. */
export async function exportFiles(store: Store, id: string): Promise<{ record: ExportRecord; path: string; removalsPath: string | null }> {
  const row = await store.one<ExportRow>(sql`SELECT id, audience_id, destination, format, CAST(columns AS VARCHAR) AS columns, ${formatTimestamp(sql`as_of`)} AS as_of,
    ${formatTimestamp(sql`created_at`)} AS created_at, rows, removals, path, removals_path FROM audience_exports WHERE id = ${id}`);
  if (!row) throw new NotFoundError(`no export "${id}"`, { export: id });
  const record: ExportRecord = {
    id: row.id,
    audience: row.audience_id,
    destination: row.destination,
    format: row.format,
    columns: JSON.parse(row.columns) as string[],
    as_of: row.as_of,
    created_at: row.created_at,
    rows: row.rows,
    removals: row.removals,
    file: basename(row.path),
    removals_file: row.removals_path === null ? null : basename(row.removals_path),
  };
  return { record, path: row.path, removalsPath: row.removals_path };
}
