import type { Command } from 'commander';
import type { ClusteringReport, ModelKind } from '../../clusters/index.js';
import { CLUSTER_METHOD_NAMES } from '../../clusters/methods.js';
import { parseAsOf } from '../../features/as-of.js';
import { customerNotFound } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption, integerOption } from '../options.js';
import { emit, table } from '../output.js';

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function reportText(report: ClusteringReport, products: boolean): string {
  return [
    `${report.method} clustering of ${report.customers.toLocaleString('en-US')} ${products ? 'products' : 'buyers'} as of ${report.as_of}: k = ${report.k} (${report.k_reason})`,
    table([
      ['id', 'name', 'size', 'revenue share', products ? 'avg revenue' : 'avg spend', 'leans', 'action'],
      ...report.clusters.map((c) => [c.id, c.name, c.size, pct(c.revenue_share), c.average_spend.toFixed(2), c.leanings, c.action]),
    ]),
    ...report.clusters.flatMap((c) => c.warnings.map((w) => `warning: ${c.name}: ${w}`)),
  ].join('\n');
}

/** customers | products, and for customers the method: what both `clusters` and `clusters show` are about. */
function kindOf(o: { entity: string; method: string }): ModelKind {
  const entity = choiceOption(o.entity, '--entity', ['customers', 'products']);
  const method = choiceOption(o.method, '--method', CLUSTER_METHOD_NAMES);
  return entity === 'products' ? 'products' : method;
}

export function registerClusters(program: Command): void {
  const clusters = program
    .command('clusters')
    .description('Fit a customer clustering on the latest run (k chosen from the data unless --k), name and explain each cluster, keep them as audiences')
    .option('--entity <entity>', 'customers | products', 'customers')
    .option('--method <method>', `for customers: ${CLUSTER_METHOD_NAMES.join(' | ')}`, 'rfm')
    .option('--k <n>', 'number of clusters (default: chosen by silhouette and elbow)')
    .option('--seed <n>', 'seed of the k-means initialisations', '0')
    .action(async (o: { entity: string; method: string; k?: string; seed: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const kind = kindOf(o);
      const k = o.k === undefined ? undefined : integerOption(o.k, '--k', { min: 2, what: 'an integer of 2 or more' });
      const seed = integerOption(o.seed, '--seed', { min: 0, what: 'a non-negative integer' });
      const report = await withStore(ctx, async (store) => {
        const { fitClusters } = await import('../../pipeline/index.js');
        return fitClusters(store, kind, { k, seed });
      });
      emit(ctx.options, report, () => reportText(report, kind === 'products'));
    });

  // --entity and --method are the parent's: commander reads them on either side of `show`.
  clusters
    .command('show')
    .description('Print the stored clustering (names, sizes, leanings, warnings) as its last fit left it, without refitting')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const kind = kindOf(cmd.parent!.opts<{ entity: string; method: string }>());
      const report = await withStore(ctx, async (store) => {
        const { describeClustering } = await import('../../clusters/index.js');
        return describeClustering(store, kind);
      });
      emit(ctx.options, report, () => reportText(report, kind === 'products'));
    });

  program
    .command('classify')
    .description("The audiences a customer is in, clusters included (nearest centroid, distance, confidence), with reasons: as of the latest run, or the day after the customer's newest event when later")
    .argument('<customer>', 'customer id')
    .option('--as-of <date>', 'classify as of this date (rules and RFM cells of the latest run on or before it)')
    .action(async (customer: string, o: { asOf?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const asOf = o.asOf === undefined ? undefined : parseAsOf(o.asOf, '--as-of');
      const answer = await withStore(ctx, async (store) => {
        const { classifyCustomer } = await import('../../audiences/index.js');
        return classifyCustomer(store, customer, asOf);
      });
      if (!answer) throw customerNotFound(customer);
      emit(ctx.options, { customer_id: customer, ...answer }, () =>
        [`${customer} as of ${answer.as_of}`, table([['audience', 'kind', 'reasons'], ...answer.audiences.map((a) => [a.name, a.kind, a.reasons ?? ''])])].join('\n'),
      );
    });
}
