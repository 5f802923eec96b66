import type { Command } from 'commander';
import type { SizedAudience } from '../../audiences/index.js';
import { parseAsOf } from '../../features/as-of.js';
import { UsageError, ValidationError } from '../../shared/errors.js';
import type { Store } from '../../store/index.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption, integerOption, POSITIVE } from '../options.js';
import { emit, progress, table } from '../output.js';

/** What creating or changing an audience did, in a line. */
function sizeLine(a: SizedAudience): string {
  return a.size === null ? (a.note ?? '') : `${a.size.toLocaleString('en-US')} members as of ${a.as_of}`;
}

/** An audience's rule as text: a smart segment's with the thresholds of the latest run (or of the store now). */
async function ruleTextOf(store: Store, idOrName: string): Promise<string> {
  const { getAudience, isComputedByRule, kindOf } = await import('../../audiences/index.js');
  const { sql } = await import('../../sql/index.js');
  const a = await getAudience(store, idOrName);
  const kind = kindOf(a.kind);
  if (!isComputedByRule(kind)) throw new ValidationError(`"${a.name}" is ${kind.noun}, not a rule; there is no rule to copy`);
  // A rule of its own, or one that needs the thresholds of a run.
  const own = kind.compute.rule(a.definition, undefined);
  if (own !== undefined) return own;
  const run = await store.one<{ rule_text: string | null }>(sql`SELECT rule_text FROM audience_runs WHERE audience_id = ${a.id} ORDER BY as_of DESC LIMIT 1`);
  if (!run?.rule_text) throw new ValidationError(`"${a.name}" has no run yet: run \`segmint run\` first so its thresholds are known`);
  return run.rule_text;
}

export function registerAudiences(program: Command): void {
  const audience = program.command('audience').description('Create, update or delete an audience');
  audience
    .command('create')
    .description('Create a rule audience')
    .requiredOption('--name <name>', 'a unique name')
    .option('--rule <text>', 'the rule, e.g. "recency_days <= 30 and orders >= 3"')
    .option('--copy-of <audience>', "start from another audience's rule (a smart segment's with the latest run's numbers)")
    .option('--description <text>', 'what it is for')
    .action(async (o: { name: string; rule?: string; copyOf?: string; description?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if ((o.rule === undefined) === (o.copyOf === undefined)) throw new UsageError('give --rule or --copy-of');
      const a = await withStore(ctx, async (store) => {
        const { createAudience } = await import('../../audiences/index.js');
        const rule = o.rule ?? (await ruleTextOf(store, o.copyOf!));
        return createAudience(store, { name: o.name, rule, description: o.description });
      });
      emit(ctx.options, a, () => `created ${a.id}: ${a.name}, ${sizeLine(a)}`);
    });
  audience
    .command('update')
    .argument('<audience>', 'id or name')
    .option('--name <name>')
    .option('--rule <text>')
    .option('--description <text>')
    .option('--active <bool>', 'true or false')
    .action(async (id: string, o: { name?: string; rule?: string; description?: string; active?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const active = o.active === undefined ? undefined : choiceOption(o.active, '--active', ['true', 'false']) === 'true';
      const a = await withStore(ctx, async (store) => {
        const { updateAudience } = await import('../../audiences/index.js');
        return updateAudience(store, id, { ...o, active });
      });
      emit(ctx.options, a, () => `updated ${a.id}: ${sizeLine(a)}`);
    });
  audience
    .command('delete')
    .argument('<audience>', 'id or name')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const deleted = await withStore(ctx, async (store) => {
        const { deleteAudience } = await import('../../audiences/index.js');
        return deleteAudience(store, id);
      });
      emit(ctx.options, deleted, () => `deleted ${deleted.deleted}`);
    });

  program
    .command('audiences')
    .description('List audiences: definition, size and revenue share at the latest run')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const listed = await withStore(ctx, async (store) => {
        const { audienceListing } = await import('../../audiences/index.js');
        return audienceListing(store, ctx.config.minAudienceSize);
      });
      emit(ctx.options, listed, () =>
        [
          table([
            ['id', 'kind', 'size', 'revenue', 'flags', 'definition'],
            ...listed.map((a) => [
              a.id,
              a.kind,
              a.size ?? a.note,
              a.revenue_share === null ? '' : `${(a.revenue_share * 100).toFixed(1)}%`,
              a.flags.map((f) => f.flag).join(','),
              a.definition_text,
            ]),
          ]),
          ...listed.flatMap((a) => a.flags.map((f) => `${a.id}: ${f.flag}: ${f.detail}`)),
        ].join('\n'),
      );
    });

  program
    .command('members')
    .description('Members of an audience at the latest run (or --as-of)')
    .argument('<audience>', 'id or name')
    .option('--limit <n>', 'how many', '100')
    .option('--as-of <date>', 'a stored run date')
    .action(async (id: string, o: { limit: string; asOf?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const limit = integerOption(o.limit, '--limit', POSITIVE);
      const page = await withStore(ctx, async (store) => {
        const { audienceMembers } = await import('../../audiences/index.js');
        return audienceMembers(store, id, { limit, asOf: o.asOf ? parseAsOf(o.asOf, '--as-of') : undefined });
      });
      emit(ctx.options, page, () => table([['customer', 'score', 'reasons'], ...page.members.map((r) => [r.customer_id, r.score, r.reasons])]));
    });

  program
    .command('run')
    .description('Compute features and every active audience as of a date, and store the snapshot')
    .option('--as-of <date>', 'default: the day after the last event')
    .action(async (o: { asOf?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const report = await withStore(ctx, async (store) => {
        const { RUN_STAGES, runPipeline } = await import('../../pipeline/index.js');
        const { defaultAsOf } = await import('../../features/index.js');
        const bar = await progress(RUN_STAGES.length, 'run');
        const stages = { onStage: (name: string) => bar.update(RUN_STAGES.indexOf(name), name) };
        try {
          return await runPipeline(store, o.asOf ? parseAsOf(o.asOf, '--as-of') : await defaultAsOf(store), stages);
        } finally {
          bar.stop();
        }
      });
      emit(ctx.options, report, () =>
        [
          `Run as of ${report.as_of}: ${report.customers} customers, ${report.audiences.length} audiences in ${report.seconds.toFixed(1)} s`,
          table([['audience', 'kind', 'size', 'revenue'], ...report.audiences.map((a) => [a.name, a.kind, a.size, a.revenue.toFixed(2)])]),
        ].join('\n'),
      );
    });
}
