import type { Command } from 'commander';
import { createAudience, deleteAudience, getAudience, listAudiences, runAudiences, updateAudience, type Audience } from '../../audiences/index.js';
import { defaultAsOf, parseAsOf } from '../../features/index.js';
import { ValidationError } from '../../shared/errors.js';
import { sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { contextOf, withStore } from '../context.js';
import { emit, table } from '../output.js';

/** What `segmint audiences` shows: the definition as rule text, and size and revenue share at the latest run. */
async function listing(store: Store) {
  const audiences = await listAudiences(store);
  const latest = await store.all<{ audience_id: string; size: number; revenue: number; rule_text: string | null; share: number | null; as_of: string }>(sql`
    WITH last AS (SELECT max(as_of) AS as_of FROM runs),
    total AS (SELECT sum(revenue) AS revenue FROM customer_features WHERE (SELECT count(*) FROM last) > 0)
    SELECT r.audience_id, r.size, r.revenue, r.rule_text, r.revenue / NULLIF((SELECT revenue FROM total), 0) AS share,
      strftime(r.as_of, '%Y-%m-%d %H:%M:%S') AS as_of
    FROM audience_runs r WHERE r.as_of = (SELECT as_of FROM last)`).catch(() => []);
  const byId = new Map(latest.map((r) => [r.audience_id, r]));
  return audiences.map((a) => {
    const run = byId.get(a.id);
    return {
      id: a.id,
      name: a.name,
      kind: a.kind,
      active: a.active,
      definition: definitionText(a, run?.rule_text ?? null),
      size: run?.size ?? null,
      revenue_share: run?.share ?? null,
      as_of: run?.as_of ?? null,
    };
  });
}

function definitionText(a: Audience, resolved: string | null): string {
  switch (a.definition.kind) {
    case 'rule':
      return a.definition.text;
    case 'smart':
      return resolved ?? a.definition.template;
    case 'rfm':
      return `RFM segment ${a.definition.segment}`;
  }
}

export function registerAudiences(program: Command): void {
  const audience = program.command('audience').description('Create, update or delete an audience');
  audience
    .command('create')
    .description('Create a rule audience')
    .requiredOption('--name <name>', 'a unique name')
    .requiredOption('--rule <text>', 'the rule, e.g. "recency_days <= 30 and orders >= 3"')
    .option('--description <text>', 'what it is for')
    .action(async (o: { name: string; rule: string; description?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const a = await withStore(ctx, (store) => createAudience(store, o));
      emit(ctx.options, a, () => `created ${a.id}: ${a.name}`);
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
      if (o.active !== undefined && o.active !== 'true' && o.active !== 'false') throw new ValidationError('--active: true or false');
      const active = o.active === undefined ? undefined : o.active === 'true';
      const a = await withStore(ctx, (store) => updateAudience(store, id, { ...o, active }));
      emit(ctx.options, a, () => `updated ${a.id}`);
    });
  audience
    .command('delete')
    .argument('<audience>', 'id or name')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      await withStore(ctx, (store) => deleteAudience(store, id));
      emit(ctx.options, { deleted: id }, () => `deleted ${id}`);
    });

  program
    .command('audiences')
    .description('List audiences: definition, size and revenue share at the latest run')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const rows = await withStore(ctx, listing);
      emit(ctx.options, rows, () =>
        table([
          ['id', 'kind', 'size', 'revenue', 'definition'],
          ...rows.map((r) => [r.id, r.kind, r.size, r.revenue_share === null ? '' : `${(r.revenue_share * 100).toFixed(1)}%`, r.definition]),
        ]),
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
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new ValidationError(`--limit: "${o.limit}" is not a positive integer`);
      const rows = await withStore(ctx, async (store) => {
        const a = await getAudience(store, id);
        const at = o.asOf ? parseAsOf(o.asOf) : null;
        return store.all(sql`SELECT customer_id, score, reasons FROM memberships
          WHERE audience_id = ${a.id} AND as_of = coalesce(CAST(${at} AS TIMESTAMP), (SELECT max(as_of) FROM runs))
          ORDER BY score DESC, customer_id LIMIT ${limit}`);
      });
      emit(ctx.options, rows, () => table([['customer', 'score', 'reasons'], ...rows.map((r) => [r.customer_id, r.score, r.reasons])]));
    });

  program
    .command('run')
    .description('Compute features and every active audience as of a date, and store the snapshot')
    .option('--as-of <date>', 'default: the day after the last event')
    .action(async (o: { asOf?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const report = await withStore(ctx, async (store) => runAudiences(store, o.asOf ? parseAsOf(o.asOf) : await defaultAsOf(store)));
      emit(ctx.options, report, () =>
        [
          `Run as of ${report.as_of}: ${report.customers} customers, ${report.audiences.length} audiences in ${report.seconds.toFixed(1)} s`,
          table([['audience', 'kind', 'size', 'revenue'], ...report.audiences.map((a) => [a.name, a.kind, a.size, a.revenue.toFixed(2)])]),
        ].join('\n'),
      );
    });
}
