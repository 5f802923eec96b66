import type { Command } from 'commander';
import { UsageError, ValidationError } from '../../shared/errors.js';
import type { ImportReport } from '../../store/index.js';
import { chooseMapping, readMappingFile, type Mapping } from '../../store/ingest/mapping.js';
import { parseRejectLimit } from '../../store/ingest/rejections.js';
import { ENTITIES } from '../../store/schema.js';
import { contextOf, withStore, type CommandContext } from '../context.js';
import { emit, progress, table } from '../output.js';

interface ImportOptions {
  preset?: string;
  mapping?: string;
  entity?: string;
  replace?: boolean;
  maxRejected?: string;
  suggest?: boolean;
}

export function describeReport(r: ImportReport): string {
  const erased = r.erased > 0 ? `, ${r.erased} of erased customers skipped` : '';
  const returns = r.order_returns > 0 ? `; ${r.order_returns} returns for refunded or cancelled orders` : '';
  const replaced = r.replaced.map((x) => `replaced import ${x.import_id} (${x.removed.events} events taken back)\n`).join('');
  const lines = [`${replaced}${r.file}: ${r.rows} rows (${r.entity}, ${r.format}): ${r.accepted} accepted, ${r.duplicates} duplicates, ${r.rejected} rejected${erased}${returns}`];
  const currencies = Object.entries(r.currencies);
  if (currencies.length > 0) lines.push(`prices in ${currencies.map(([c, n]) => `${c} (${n} events)`).join(', ')}`);
  lines.push(...r.warnings.map((w) => `warning: ${w}`));
  if (r.unmapped.length > 0) {
    lines.push('values not in the mapping (rows in quarantine):', table([['field', 'column', 'value', 'rows'], ...r.unmapped.map((u) => [u.field, u.column, u.value, u.rows])]));
  }
  if (r.quarantined.length > 0) {
    lines.push(table([['line', 'column', 'reason'], ...r.quarantined.map((q) => [q.line, q.column, q.reason])]));
    if (r.rejected > r.quarantined.length) lines.push(`(${r.rejected - r.quarantined.length} more in quarantine)`);
  }
  return lines.join('\n');
}

/** The options' choice of mapping; a choice that does not hold together (an unknown preset, ...) is a usage error. */
function mappingOf(o: ImportOptions): { mapping: Mapping; source: string } {
  const given = o.mapping ? readMappingFile(o.mapping) : undefined;
  try {
    const mapping = chooseMapping({ entity: o.entity, preset: o.preset, mapping: given }, (c) => `--${c}`);
    return { mapping, source: o.preset ? `preset ${o.preset}` : o.mapping ? `mapping ${o.mapping}` : `${mapping.entity} columns` };
  } catch (err) {
    if (err instanceof ValidationError) throw new UsageError(err.message, err.details);
    throw err;
  }
}

/** `--suggest`: reads the file without a store, so nothing is created. */
async function suggest(ctx: CommandContext, file: string, o: ImportOptions): Promise<void> {
  const conflicting = (['preset', 'mapping', 'replace', 'maxRejected'] as const).find((k) => o[k] !== undefined);
  if (conflicting) throw new UsageError(`--suggest drafts a mapping and imports nothing: it takes no --${conflicting.replace('maxRejected', 'max-rejected')}`);
  const entity = o.entity === undefined ? undefined : mappingOf({ entity: o.entity }).mapping.entity;
  const { Store, suggestMapping } = await import('../../store/index.js');
  const store = await Store.open({ path: ':memory:', memory: ctx.config.memory, threads: ctx.config.threads });
  try {
    const { draft, notes } = await suggestMapping(store, file, { entity });
    if (ctx.options.json) {
      emit(ctx.options, { mapping: draft, notes }, () => '');
      return;
    }
    process.stdout.write(`${JSON.stringify(draft, null, 2)}\n`);
    process.stderr.write(notes.map((n) => `note: ${n}\n`).join(''));
  } finally {
    store.close();
  }
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import a CSV (plain or .gz), JSONL or Parquet file into the store (created if new)')
    .argument('<file>', 'the file to import')
    .option('--preset <name>', 'a named column mapping (online-retail, online-retail-ii, segmint-events, segmint-customers, segmint-products)')
    .option('--mapping <file>', 'a JSON column mapping')
    .option('--entity <entity>', `what the file holds: ${ENTITIES.join(', ')} (default events)`)
    .option('--replace', 'take back the earlier imports of this file name first (after changing its mapping), in the same transaction')
    .option('--max-rejected <n|p%>', 'fail and store nothing when more rows than this are rejected (a count, or a percentage of the rows)')
    .option('--suggest', 'import nothing: print a mapping drafted from the file (to save, check and pass as --mapping), notes on stderr')
    .action(async (file: string, o: ImportOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (o.suggest) return suggest(ctx, file, o);
      const maxRejected = o.maxRejected === undefined ? undefined : parseRejectLimit(o.maxRejected, '--max-rejected');
      const { mapping, source } = mappingOf(o);
      const { IMPORT_STEPS, importFile } = await import('../../store/index.js');
      const bar = await progress(IMPORT_STEPS.length, `import ${file}`);
      const report = await withStore(
        ctx,
        (store) => importFile(store, file, mapping, { onStep: (s) => bar.update(IMPORT_STEPS.indexOf(s), s), mappingSource: source, replace: o.replace, maxRejected }),
        { create: true },
      );
      bar.stop();
      emit(ctx.options, report, () => describeReport(report));
    });
}
