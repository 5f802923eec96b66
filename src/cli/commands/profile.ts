import type { Command } from 'commander';
import { profileText } from '../../profiles/text.js';
import { contextOf, withStore } from '../context.js';
import { emit } from '../output.js';
import { profileOptions, withProfileOptions, type ProfileFlags } from '../profile-options.js';

export function registerProfile(program: Command): void {
  const command = program
    .command('profile')
    .description("A customer's profile (the last one kept, else a new one, which is kept): as GET /v1/customers/:id/profile answers")
    .argument('<customer>', 'customer id');
  withProfileOptions(command, 'make a new profile from the data as it is now').action(async (customer: string, o: ProfileFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const options = profileOptions(o, ctx.config.llm);
    const profile = await withStore(ctx, async (store) => {
      const { customerProfile, useStore } = await import('../../profiles/index.js');
      return customerProfile(useStore(store), customer, options);
    });
    emit(ctx.options, profile, () => profileText(profile));
  });
}
