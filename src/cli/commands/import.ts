import type { Command } from 'commander';
import { chooseMapping, ENTITIES, importFile, readMappingFile, type ImportReport, type ImportStep } from '../../store/index.js';
import { contextOf, withStore } from '../context.js';
import { emit, progress, table } from '../output.js';

interface ImportOptions {
  preset?: string;
  mapping?: string;
  entity?: string;
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
      const mapping = chooseMapping({ entity: o.entity, preset: o.preset, mapping: o.mapping ? readMappingFile(o.mapping) : undefined }, (c) => `--${c}`);
      const steps: ImportStep[] = ['check', 'store', 'quarantine', 'derive'];
      const bar = progress(steps.length, `import ${file}`);
      const report = await withStore(ctx, (store) => importFile(store, file, mapping, { onStep: (s) => bar.update(steps.indexOf(s), s) }));
      bar.stop();
      emit(ctx.options, report, () => describeReport(report));
    });
}
