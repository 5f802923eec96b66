import type { Command } from 'commander';
import { classifyCustomers } from '../../audiences/index.js';
import { CLUSTER_METHOD_NAMES, describeClustering, fitOnLatestRun, fitProductClustering, leaningText, type ClusteringReport, type ClusterMethod, type ModelKind } from '../../clusters/index.js';
import { NotFoundError, UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { integerOption } from '../options.js';
import { emit, table } from '../output.js';

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function reportText(report: ClusteringReport, products: boolean): string {
  return [
    `${report.method} clustering of ${report.customers.toLocaleString('en-US')} ${products ? 'products' : 'buyers'} as of ${report.as_of}: k = ${report.k} (${report.k_reason})`,
    table([
      ['id', 'name', 'size', 'revenue share', products ? 'avg revenue' : 'avg spend', 'leans', 'action'],
      ...report.clusters.map((c) => [c.id, c.name, c.size, pct(c.revenue_share), c.average_spend.toFixed(2), leaningText(c.top_features), c.action]),
    ]),
    ...report.clusters.flatMap((c) => c.warnings.map((w) => `warning: ${c.name}: ${w}`)),
  ].join('\n');
}

/** customers | products, and for customers the method: what both `clusters` and `clusters show` are about. */
function kindOf(o: { entity: string; method: string }): ModelKind {
  if (o.entity !== 'customers' && o.entity !== 'products') throw new UsageError(`--entity: "${o.entity}" is not one of customers, products`);
  if (!(CLUSTER_METHOD_NAMES as readonly string[]).includes(o.method)) throw new UsageError(`--method: "${o.method}" is not one of ${CLUSTER_METHOD_NAMES.join(', ')}`);
  return o.entity === 'products' ? 'products' : (o.method as ClusterMethod);
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
      const report = await withStore(ctx, (store) => (kind === 'products' ? fitProductClustering(store, { k, seed }) : fitOnLatestRun(store, kind, { k, seed })));
      emit(ctx.options, report, () => reportText(report, kind === 'products'));
    });

  // --entity and --method are the parent's: commander reads them on either side of `show`.
  clusters
    .command('show')
    .description('Print the stored clustering (names, sizes, leanings, warnings) as its last fit left it, without refitting')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const kind = kindOf(cmd.parent!.opts<{ entity: string; method: string }>());
      const report = await withStore(ctx, (store) => describeClustering(store, kind));
      emit(ctx.options, report, () => reportText(report, kind === 'products'));
    });

  program
    .command('classify')
    .description('The audiences a customer is in now, clusters included (nearest centroid, distance, confidence), with reasons')
    .argument('<customer>', 'customer id')
    .action(async (customer: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const audiences = await withStore(ctx, async (store) => (await classifyCustomers(store, [customer])).get(customer));
      if (!audiences) throw new NotFoundError(`no customer "${customer}"`, { customer });
      emit(ctx.options, { customer_id: customer, audiences }, () => table([['audience', 'kind', 'reasons'], ...audiences.map((a) => [a.name, a.kind, a.reasons ?? ''])]));
    });
}
