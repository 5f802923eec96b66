import type { Command } from 'commander';
import { parseAsOf } from '../../features/as-of.js';
import { UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { emit, table } from '../output.js';

async function listFeatures() {
  const { CUSTOMER_FEATURES, PRODUCT_FEATURES } = await import('../../features/catalog.js');
  return [...CUSTOMER_FEATURES, ...PRODUCT_FEATURES].map(({ name, entity, type, unit, description }) => ({ name, entity, type, unit, description }));
}

export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description("Show a customer's features as of a date, or list the feature catalog")
    .argument('[customer]', 'customer id')
    .option('--as-of <date>', 'only events strictly before this date count (default: the day after the last event)')
    .option('--list', 'list the feature catalog')
    .action(async (customer: string | undefined, o: { asOf?: string; list?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (o.list) {
        const list = await listFeatures();
        emit(ctx.options, list, () => table([['name', 'entity', 'type', 'unit', 'description'], ...list.map((f) => [f.name, f.entity, f.type, f.unit, f.description])]));
        return;
      }
      if (!customer) throw new UsageError('give a customer id, or --list');
      const result = await withStore(ctx, async (store) => {
        const { customerFeatureReport } = await import('../../features/index.js');
        return customerFeatureReport(store, customer, o.asOf ? parseAsOf(o.asOf, '--as-of') : undefined);
      });
      emit(ctx.options, result, () =>
        `${result.customer_id} as of ${result.as_of}\n${table(Object.entries(result.features).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(4) : v]))}`,
      );
    });
}
