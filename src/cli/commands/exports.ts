import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DESTINATION_NAMES } from '../../activation/destinations/names.js';
import { EXPORT_FORMATS, exportRequestSchema, type DryRun, type ExportRecord, type ExportSettings } from '../../activation/exports/schema.js';
import { UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { emit, table } from '../output.js';

interface ExportOptions {
  format?: string;
  columns?: string;
  destination?: string;
}

/** The options as the API's body, read by its schema, so the CLI refuses what the API refuses, naming the option. */
function settingsOf(o: ExportOptions, dryRun = false): ExportSettings & { dry_run: boolean } {
  const parsed = exportRequestSchema.safeParse({
    ...(o.format !== undefined ? { format: o.format } : {}),
    ...(o.columns !== undefined ? { columns: o.columns.split(',').map((c) => c.trim()) } : {}),
    ...(o.destination !== undefined ? { destination: o.destination } : {}),
    dry_run: dryRun,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--${String(issue.path[0])}: ${issue.message}`);
  }
  return parsed.data;
}

const FORMAT_HELP = `${EXPORT_FORMATS.join(' or ')} (default csv)`;
const DESTINATION_HELP = `an ad platform's customer-list file: ${DESTINATION_NAMES.join(', ')} (hashed email and phone of members with ads consent, and the removals since the last one)`;

function exportLine(r: ExportRecord): string {
  const removals = r.removals_file === null ? '' : `; ${r.removals} removals in ${r.removals_file}`;
  return `${r.rows.toLocaleString('en-US')} rows of ${r.audience} as of ${r.as_of}${r.destination ? ` for ${r.destination}` : ''} in ${r.file}${removals}`;
}

function dryRunLines(d: DryRun): string {
  return table([
    ['members', 'with email', 'with phone', 'ads consent', 'reachable for ads'],
    [d.members, d.with_email, d.with_phone, d.with_ads_consent, d.reachable_for_ads],
  ]);
}

export function registerExports(program: Command): void {
  program
    .command('export')
    .description("Write an audience's members at the latest run to a file: chosen columns, or an ad platform's hashed customer list")
    .argument('<audience>', 'id or name')
    .option('--format <format>', FORMAT_HELP)
    .option('--columns <list>', 'comma-separated: id, email, phone, score, reasons or any customer feature (default id,email,score)')
    .option('--destination <name>', DESTINATION_HELP)
    .option('--out <file>', 'the file to write; removals go beside it as NAME.removals.EXT')
    .option('--dry-run', 'count members with an email, a phone and ads consent; write nothing')
    .action(async (audience: string, o: ExportOptions & { out?: string; dryRun?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const { dry_run, ...settings } = settingsOf(o, o.dryRun === true);
      if (dry_run) {
        const counts = await withStore(ctx, async (store) => {
          const { exportDryRun } = await import('../../activation/index.js');
          return exportDryRun(store, audience);
        });
        emit(ctx.options, counts, () => dryRunLines(counts));
        return;
      }
      const written = await withStore(ctx, async (store) => {
        // Checked once the store is known to exist, so a wrong --db is named first, as by every command.
        if (!o.out) throw new UsageError('--out: give the file to write');
        const { writeExport } = await import('../../activation/index.js');
        return writeExport(store, audience, settings, { path: resolve(o.out) });
      });
      emit(ctx.options, written, () => exportLine(written));
    });

  const sync = program.command('sync').description('Audiences whose next export is written after every run');
  sync
    .command('create')
    .argument('<audience>', 'id or name')
    .option('--format <format>', FORMAT_HELP)
    .option('--columns <list>', 'as for export')
    .option('--destination <name>', DESTINATION_HELP)
    .option('--dir <directory>', 'where its files go (default: beside the store, in STORE.exports/syncs/ID)')
    .action(async (audience: string, o: ExportOptions & { dir?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const { dry_run: _, ...settings } = settingsOf(o);
      const created = await withStore(ctx, async (store) => {
        const { createSync } = await import('../../activation/index.js');
        return createSync(store, { audience, ...settings, directory: o.dir === undefined ? undefined : resolve(o.dir) });
      });
      emit(ctx.options, created, () => `created ${created.id}: ${created.audience} after every run`);
    });
  sync
    .command('list')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const syncs = await withStore(ctx, async (store) => {
        const { listSyncs } = await import('../../activation/index.js');
        return listSyncs(store);
      });
      emit(ctx.options, syncs, () =>
        table([['id', 'audience', 'destination', 'format', 'columns', 'directory'], ...syncs.map((s) => [s.id, s.audience, s.destination ?? '', s.format, s.columns?.join(',') ?? '', s.directory ?? ''])]),
      );
    });
  sync
    .command('delete')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const deleted = await withStore(ctx, async (store) => {
        const { deleteSync } = await import('../../activation/index.js');
        return deleteSync(store, id);
      });
      emit(ctx.options, deleted, () => `deleted ${deleted.deleted}`);
    });
}
