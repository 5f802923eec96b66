import type { Command } from 'commander';
import { AUDIENCE_KINDS } from '../../audiences/kinds/names.js';
import { CLUSTER_METHOD_NAMES } from '../../clusters/methods.js';
import { parseAsOf } from '../../features/as-of.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption } from '../options.js';
import { emit, table } from '../output.js';

export function registerAnalysis(program: Command): void {
  program
    .command('movement')
    .description('How customers moved between audiences of one kind from one stored run to another')
    .requiredOption('--from <date>', 'an as-of date with a stored run')
    .requiredOption('--to <date>', 'a later as-of date with a stored run')
    .option('--kind <kind>', `${AUDIENCE_KINDS.join(' | ')}`, 'rfm')
    .option('--clustering <method>', `with --kind cluster: ${CLUSTER_METHOD_NAMES.join(' | ')}`)
    .action(async (o: { from: string; to: string; kind: string; clustering?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const kind = choiceOption(o.kind, '--kind', AUDIENCE_KINDS);
      const clustering = o.clustering === undefined ? undefined : choiceOption(o.clustering, '--clustering', CLUSTER_METHOD_NAMES);
      const m = await withStore(ctx, async (store) => {
        const { movement } = await import('../../audiences/index.js');
        return movement(store, parseAsOf(o.from, '--from'), parseAsOf(o.to, '--to'), kind, clustering);
      });
      emit(ctx.options, m, () =>
        [
          `Movement ${m.from} -> ${m.to} (${m.kind}); rows: from, columns: to`,
          table([['', ...m.labels.map((_, i) => String(i + 1))], ...m.labels.map((l, i) => [`${i + 1} ${l}`, ...m.matrix[i]!])]),
          '',
          table([['audience', 'size from', 'size to', 'entered', 'left'], ...m.audiences.map((a) => [a.name, a.size_from, a.size_to, a.entered, a.left])]),
        ].join('\n'),
      );
    });

  program
    .command('overlap')
    .description('Pairwise overlap (shared members, Jaccard) of two or more audiences at a stored run')
    .argument('<audiences...>', 'ids or names')
    .option('--as-of <date>', 'default: the latest run')
    .action(async (audiences: string[], o: { asOf?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await withStore(ctx, async (store) => {
        const { overlap } = await import('../../audiences/index.js');
        return overlap(store, audiences, o.asOf ? parseAsOf(o.asOf, '--as-of') : undefined);
      });
      emit(ctx.options, r, () =>
        table([['a', 'b', 'size a', 'size b', 'both', 'jaccard'], ...r.pairs.map((p) => [p.a, p.b, p.size_a, p.size_b, p.both, p.jaccard.toFixed(3)])]),
      );
    });

  program
    .command('explain')
    .description('Why a customer is, or is not, in each audience: clauses, their values, and the distance to passing')
    .argument('<customer>', 'customer id')
    .option('--audience <audience>', 'one audience (id or name)')
    .option('--as-of <date>', 'a stored run date (default: the latest)')
    .action(async (customer: string, o: { audience?: string; asOf?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await withStore(ctx, async (store) => {
        const { explainCustomer } = await import('../../audiences/index.js');
        return explainCustomer(store, customer, { audience: o.audience, asOf: o.asOf ? parseAsOf(o.asOf, '--as-of') : undefined });
      });
      emit(ctx.options, r, () =>
        r.audiences
          .map((a) => {
            const head = `${a.member ? 'IN ' : 'OUT'} ${a.name} (${a.kind})${a.reasons ? `: ${a.reasons}` : ''}`;
            const shown = (v: unknown) => JSON.stringify(typeof v === 'number' ? +v.toFixed(4) : v);
            const lines = a.clauses.map((c) => `    ${c.held ? 'yes' : 'no '} ${c.clause} [${shown(c.value)}]${c.gap !== null ? ` off by ${+c.gap.toFixed(2)}` : ''}`);
            return [head, ...lines].join('\n');
          })
          .join('\n'),
      );
    });
}
