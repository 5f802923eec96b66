import { createWriteStream, openSync } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import type { ProfileGroups } from '../../profiles/index.js';
import { DEFAULT_LANES } from '../../profiles/lanes.js';
import { errorMessage, UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { integerOption } from '../options.js';
import { emit, progress, table } from '../output.js';
import { profileOptions, withProfileOptions, type ProfileFlags } from '../profile-options.js';

function groupsText(g: ProfileGroups): string {
  const values = (vs: ProfileGroups['groups'][number]['tone_of_voice']) => vs.map((v) => `${v.value} ${Math.round(v.share * 100)}%`).join(', ');
  return [
    `${g.audience} at the run of ${g.run}: ${g.profiled} of ${g.members} members profiled, ${g.groups.length} groups (${g.k_reason})`,
    table([['group', 'size', 'share', 'tone of voice', 'visual direction'], ...g.groups.map((x) => [x.group, x.size, `${Math.round(x.share * 100)}%`, values(x.tone_of_voice), values(x.visual_direction)])]),
  ].join('\n');
}

/** The file opened at once, so a path that cannot be written fails in one line before any work. */
function openFile(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (err) {
    throw new UsageError(`--out: cannot write ${path}: ${errorMessage(err)}`, { out: path });
  }
}

export function registerProfiles(program: Command): void {
  const profiles = program
    .command('profiles')
    .description("Profiles of an audience's members into a JSONL file, then their groups by marketing brief (as GET /v1/audiences/:id/profile-groups)")
    .requiredOption('--audience <id>', 'audience id or name: its members at the latest run')
    .option('--out <file>', 'where the profiles go, one JSON a line')
    .option('--groups', 'only group the profiles already kept, making none');
  withProfileOptions(profiles, 'make new profiles even where one is kept')
    .option('--lanes <n>', `chunks of 500 members under way at once, each on its own connection (default ${DEFAULT_LANES})`)
    .action(async (o: ProfileFlags & { audience: string; out?: string; groups?: boolean; lanes?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const options = {
        ...profileOptions(o, ctx.config.llm),
        lanes: o.lanes === undefined ? undefined : integerOption(o.lanes, '--lanes', { min: 1, max: 64, what: 'a whole number from 1 to 64' }),
      };
      const groups = await withStore(ctx, async (store) => {
        // Checked once the store is open, so a mistyped --db is the error reported, as for every command.
        if ((o.groups ?? false) === (o.out !== undefined)) throw new UsageError('give either --out FILE.jsonl (make the profiles, then group them) or --groups (group the kept ones)');
        const { audienceCustomers, audienceProfileGroups, batchAsOf, profilesOf } = await import('../../profiles/index.js');
        if (o.out !== undefined) {
          const { customers } = await audienceCustomers(store, o.audience);
          const asOf = await batchAsOf(store, options);
          const file = createWriteStream('', { fd: openFile(o.out) });
          const bar = await progress(customers.length, 'profiles');
          let done = 0;
          await profilesOf(store, customers, { ...options, asOf }, async (_id, profile) => {
            bar.update(++done);
            if (profile && !file.write(`${JSON.stringify(profile)}\n`)) await once(file, 'drain');
          });
          bar.stop();
          await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
        }
        return audienceProfileGroups(store, o.audience);
      });
      emit(ctx.options, groups, () => groupsText(groups));
    });
}
