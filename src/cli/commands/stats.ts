import type { Command } from 'commander';
import { contextOf, withStore } from '../context.js';
import { emit, table } from '../output.js';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('Counts of customers, products, events by type, quarantine, currencies of prices, first and last event')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const stats = await withStore(ctx, async (store) => {
        const { storeStats } = await import('../../store/index.js');
        return storeStats(store);
      });
      emit(ctx.options, stats, () => {
        const text = table([
          ['customers', stats.customers],
          ['products', stats.products],
          ['events', stats.events.total],
          ...Object.entries(stats.events.by_type).map(([t, n]) => [`  ${t}`, n]),
          ['quarantined', stats.quarantined],
          ['currencies', Object.entries(stats.currencies).map(([c, n]) => `${c} ${n}`).join(', ')],
          ['first event', stats.first_event],
          ['last event', stats.last_event],
        ]);
        return stats.warning ? `${text}\nwarning: ${stats.warning}` : text;
      });
    });
}
