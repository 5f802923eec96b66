import type { Command } from 'commander';
import type { Removal } from '../../store/index.js';
import { contextOf, withStore } from '../context.js';
import { integerOption, POSITIVE } from '../options.js';
import { emit, table } from '../output.js';

function more(total: number, shown: number): string {
  return total > shown ? `\n(${total - shown} more: --limit)` : '';
}

function describeRemoval(r: Removal): string {
  const { events, customers, products, quarantined } = r.removed;
  const head = `took back import ${r.import_id} (${r.file}): ${events} events, ${customers} customers, ${products} products, ${quarantined} quarantined rows`;
  if (!r.stale) return head;
  return `${head}\nthe run as of ${r.stale.as_of} counted them: the features of ${r.stale.customers} customers and ${r.stale.products} products are stale; \`segmint run\` again`;
}

export function registerImports(program: Command): void {
  const imports = program.command('imports').description('Past imports, and taking one back');
  imports
    .command('list', { isDefault: true })
    .description('Imports, newest first: id, file, mapping, rows, accepted, duplicates, rejected, when')
    .option('--limit <n>', 'how many', '100')
    .action(async (o: { limit: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const limit = integerOption(o.limit, '--limit', POSITIVE);
      const page = await withStore(ctx, async (store) => {
        const { listImports } = await import('../../store/index.js');
        return listImports(store, { limit, offset: 0 });
      });
      emit(ctx.options, page, () => {
        const rows = page.imports.map((i) => [i.id, i.file, i.mapping_source ?? '', i.rows, i.accepted, i.duplicates, i.rejected, i.started_at]);
        return table([['id', 'file', 'mapping', 'rows', 'accepted', 'duplicates', 'rejected', 'when'], ...rows]) + more(page.total, rows.length);
      });
    });
  imports
    .command('rm')
    .description('Take back an import: its events, its quarantined rows, and the customers and products only it created')
    .argument('<id>', 'the import id, as `segmint imports` lists it')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const removal = await withStore(ctx, async (store) => {
        const { removeImport } = await import('../../store/index.js');
        return removeImport(store, id);
      });
      emit(ctx.options, removal, () => describeRemoval(removal));
    });

  program
    .command('quarantine')
    .description('Rows that imports could not store: file, line, column and reason (or --clear them)')
    .option('--import <id>', 'only this import')
    .option('--clear', 'delete them')
    .option('--limit <n>', 'how many to list', '100')
    .action(async (o: { import?: string; clear?: boolean; limit: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const limit = integerOption(o.limit, '--limit', POSITIVE);
      if (o.clear) {
        const cleared = await withStore(ctx, async (store) => {
          const { clearQuarantine } = await import('../../store/index.js');
          return store.transaction(() => clearQuarantine(store, o.import));
        });
        emit(ctx.options, { import_id: o.import ?? null, cleared }, () => `cleared ${cleared} quarantined rows${o.import ? ` of import ${o.import}` : ''}`);
        return;
      }
      const page = await withStore(ctx, async (store) => {
        const { quarantinedRows } = await import('../../store/index.js');
        return quarantinedRows(store, o.import, { limit, offset: 0 });
      });
      emit(ctx.options, page, () => {
        const rows = page.rows.map((q) => [q.import_id, q.file, q.line, q.column, q.reason]);
        return table([['import', 'file', 'line', 'column', 'reason'], ...rows]) + more(page.total, rows.length);
      });
    });
}
