import type { Command } from 'commander';
import { classifyCustomers } from '../../audiences/index.js';
import { CLUSTER_METHOD_NAMES, fitOnLatestRun, fitProductClustering, leaningText, type ClusterMethod } from '../../clusters/index.js';
import { NotFoundError, UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { integerOption } from '../options.js';
import { emit, table } from '../output.js';

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

export function registerClusters(program: Command): void {
  program
    .command('clusters')
    .description('Fit a customer clustering on the latest run (k chosen from the data unless --k), name and explain each cluster, keep them as audiences')
    .option('--entity <entity>', 'customers | products', 'customers')
    .option('--method <method>', `for customers: ${CLUSTER_METHOD_NAMES.join(' | ')}`, 'rfm')
    .option('--k <n>', 'number of clusters (default: chosen by silhouette and elbow)')
    .option('--seed <n>', 'seed of the k-means initialisations', '0')
    .action(async (o: { entity: string; method: string; k?: string; seed: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (o.entity !== 'customers' && o.entity !== 'products') throw new UsageError(`--entity: "${o.entity}" is not one of customers, products`);
      if (!(CLUSTER_METHOD_NAMES as readonly string[]).includes(o.method)) throw new UsageError(`--method: "${o.method}" is not one of ${CLUSTER_METHOD_NAMES.join(', ')}`);
      const k = o.k === undefined ? undefined : integerOption(o.k, '--k', { min: 2, what: 'an integer of 2 or more' });
      const seed = integerOption(o.seed, '--seed', { min: 0, what: 'a non-negative integer' });
      const report = await withStore(ctx, (store) =>
        o.entity === 'products' ? fitProductClustering(store, { k, seed }) : fitOnLatestRun(store, o.method as ClusterMethod, { k, seed }),
      );
      emit(ctx.options, report, () =>
        [
          `${report.method} clustering of ${report.customers.toLocaleString('en-US')} ${o.entity === 'products' ? 'products' : 'buyers'} as of ${report.as_of}: k = ${report.k} (${report.k_reason})`,
          table([
            ['id', 'name', 'size', 'revenue share', o.entity === 'products' ? 'avg revenue' : 'avg spend', 'leans', 'action'],
            ...report.clusters.map((c) => [
              c.id,
              c.name,
              c.size,
              pct(c.revenue_share),
              c.average_spend.toFixed(2),
              leaningText(c.top_features),
              c.action,
            ]),
          ]),
        ].join('\n'),
      );
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
