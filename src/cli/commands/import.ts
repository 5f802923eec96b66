import type { Command } from 'commander';
import { ValidationError } from '../../shared/errors.js';
import { ENTITIES, identityMapping, importFile, presetMapping, readMappingFile, type Entity, type ImportReport, type ImportStep, type Mapping } from '../../store/index.js';
import { contextOf, withStore } from '../context.js';
import { emit, progress, table } from '../output.js';

interface ImportOptions {
  preset?: string;
  mapping?: string;
  entity?: string;
}

function chooseMapping(o: ImportOptions): Mapping {
  if (o.preset && o.mapping) throw new ValidationError('give either --preset or --mapping, not both');
  if (o.entity && !(ENTITIES as readonly string[]).includes(o.entity)) {
    throw new ValidationError(`--entity: "${o.entity}" is not one of ${ENTITIES.join(', ')}`);
  }
  const mapping = o.mapping ? readMappingFile(o.mapping) : o.preset ? presetMapping(o.preset) : identityMapping((o.entity ?? 'events') as Entity);
  if (o.entity && o.entity !== mapping.entity) {
    throw new ValidationError(`--entity ${o.entity} does not match the mapping, which is for ${mapping.entity}`);
  }
  return mapping;
}

export function describeReport(r: ImportReport): string {
  const erased = r.erased > 0 ? `, ${r.erased} of erased customers skipped` : '';
  const head = `${r.file}: ${r.rows} rows (${r.entity}, ${r.format}): ${r.accepted} accepted, ${r.duplicates} duplicates, ${r.rejected} rejected${erased}`;
  if (r.quarantined.length === 0) return head;
  const more = r.rejected > r.quarantined.length ? `\n(${r.rejected - r.quarantined.length} more in quarantine)` : '';
  return `${head}\n${table([['line', 'column', 'reason'], ...r.quarantined.map((q) => [q.line, q.column, q.reason])])}${more}`;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import a CSV (plain or .gz), JSONL or Parquet file into the store')
    .argument('<file>', 'the file to import')
    .option('--preset <name>', 'a named column mapping (online-retail, online-retail-ii, segmint-events, segmint-customers, segmint-products)')
    .option('--mapping <file>', 'a JSON column mapping')
    .option('--entity <entity>', `what the file holds: ${ENTITIES.join(', ')} (default events)`)
    .action(async (file: string, o: ImportOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const mapping = chooseMapping(o);
      const steps: ImportStep[] = ['check', 'store', 'quarantine', 'derive'];
      const bar = progress(steps.length, `import ${file}`);
      const report = await withStore(ctx, (store) => importFile(store, file, mapping, { onStep: (s) => bar.update(steps.indexOf(s), s) }));
      bar.stop();
      emit(ctx.options, report, () => describeReport(report));
    });
}
