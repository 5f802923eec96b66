import type { Command } from 'commander';
import { parseAsOf } from '../../features/as-of.js';
import { profileText } from '../../profiles/text.js';
import { contextOf, withStore } from '../context.js';
import { integerOption } from '../options.js';
import { emit } from '../output.js';

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description("A customer's profile (the last one kept, else a new one, which is kept): as GET /v1/customers/:id/profile answers")
    .argument('<customer>', 'customer id')
    .option('--refresh', 'make a new profile from the data as it is now')
    .option('--as-of <date>', "the history read (default: the latest run's date, else the day after the last event)")
    .option('--seed <n>', 'seeds the choice of phrasings and looks (default 1)')
    .action(async (customer: string, o: { refresh?: boolean; asOf?: string; seed?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const options = {
        refresh: o.refresh ?? false,
        asOf: o.asOf ? parseAsOf(o.asOf, '--as-of') : undefined,
        seed: o.seed === undefined ? undefined : integerOption(o.seed, '--seed', { min: 0, max: 2 ** 31 - 1, what: 'a whole number from 0 to 2147483647' }),
        llm: ctx.config.llm,
      };
      const profile = await withStore(ctx, async (store) => {
        const { customerProfile, useStore } = await import('../../profiles/index.js');
        return customerProfile(useStore(store), customer, options);
      });
      emit(ctx.options, profile, () => profileText(profile));
    });
}
