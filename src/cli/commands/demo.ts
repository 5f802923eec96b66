import { join } from 'node:path';
import type { Command } from 'commander';
import type { ClusterMethod } from '../../clusters/methods.js';
import type { Store } from '../../store/index.js';
import { contextOf, withStore } from '../context.js';
import { emit, progress, table } from '../output.js';
import { describeReport } from './import.js';
import { dashboardLine, serveUntilStopped } from './serve.js';
import { integerOption, POSITIVE, PORT } from '../options.js';

interface DemoOptions {
  customers: string;
  seed: string;
  dir?: string;
  serve: boolean;
  port: string;
}

async function featureSummary(store: Store) {
  const { sql } = await import('../../sql/index.js');
  return store.one(sql`SELECT count(*) AS customers, count(*) FILTER (WHERE orders > 0) AS buyers,
    round(median(recency_days), 1) AS median_recency_days, round(avg(orders), 2) AS avg_orders,
    round(median(revenue) FILTER (WHERE orders > 0), 2) AS median_revenue, round(sum(revenue), 2) AS revenue
    FROM customer_features`);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Generate the demo fashion store, import it, run features and every audience, and print a summary')
    .option('--customers <n>', 'customers to generate', '10000')
    .option('--seed <s>', 'random seed (same seed, same store)', '42')
    .option('--dir <dir>', 'where the generated files go (default .segmint/demo-<customers>-<seed>)')
    .option('--no-serve', 'do not start the server afterwards')
    .option('--port <n>', 'port of the server', '3000')
    .action(async (o: DemoOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const customers = integerOption(o.customers, '--customers', POSITIVE);
      const seed = integerOption(o.seed, '--seed', POSITIVE);
      const outDir = o.dir ?? join('.segmint', `demo-${customers}-${seed}`);
      const { generateDemo, importDemoFiles } = await import('../../demo/index.js');
      const started = Date.now();
      const bar = await progress(customers, 'generate');
      const files = await generateDemo({ customers, seed, outDir, onProgress: (done) => bar.update(done) });
      bar.stop();
      const generatedMs = Date.now() - started;
      // Imports are idempotent (the generator gives every event an id), so a rerun adds nothing.
      const summary = await withStore(ctx, async (store) => {
          const { CLUSTER_METHOD_NAMES, CLUSTER_METHODS, loadModel } = await import('../../clusters/index.js');
          const { defaultAsOf, materializeProductFeatures } = await import('../../features/index.js');
          const { fitOnLatestRun, runPipeline } = await import('../../pipeline/index.js');
          const { storeStats } = await import('../../store/index.js');
          const imports = await importDemoFiles(store, files);
          const asOf = await defaultAsOf(store);
          // The full pipeline: features, every audience, and the snapshot for that date.
          const run = await runPipeline(store, asOf);
          // Clusterings become audiences at their first fit (k chosen from the data); a rerun's run refits them.
          const clusterings = [];
          for (const method of CLUSTER_METHOD_NAMES) if (!(await loadModel(store, method))) clusterings.push(await fitOnLatestRun(store, method));
          await materializeProductFeatures(store, asOf);
          const stats = await storeStats(store);
          const features = await featureSummary(store);
          const audiences = [
            ...run.audiences.map(({ name, kind, size }) => ({ name, kind, size })),
            ...clusterings.flatMap((r) => r.clusters.map((c) => ({ name: `${CLUSTER_METHODS[r.method as ClusterMethod].label} cluster: ${c.name}`, kind: 'cluster', size: c.size }))),
          ];
          return { db: store.path, dir: outDir, truth: files.truth, as_of: asOf, generated_ms: generatedMs, total_ms: Date.now() - started, imports, stats, features, audiences };
      }, { create: true });
      emit(ctx.options, summary, () =>
        [
          `Demo store: ${customers} customers, seed ${seed}, files in ${outDir} (${(summary.generated_ms / 1000).toFixed(1)} s), store ${summary.db}`,
          ...summary.imports.map(describeReport),
          `Features as of ${summary.as_of}:`,
          table(Object.entries(summary.features ?? {})),
          `Audiences as of ${summary.as_of} (segmint audiences, segmint members ID, segmint explain CUSTOMER, segmint clusters):`,
          table([['audience', 'kind', 'customers'], ...summary.audiences.map((a) => [a.name, a.kind, a.size])]),
          `Done in ${(summary.total_ms / 1000).toFixed(1)} s.`,
        ].join('\n'),
      );
      if (!o.serve) return;
      // The sample storefront's key is made once the server listens and its origin is known; the page reads it then.
      const storefrontDemo = { key: '' };
      await serveUntilStopped(ctx, { port: integerOption(o.port, '--port', PORT), host: '127.0.0.1' }, async (url, workspaces) => {
        const { createKey, DEFAULT_WORKSPACE } = await import('../../server/index.js');
        // A key for whoever started the demo, so the API can be tried at once; only its hash is kept.
        const key = await createKey(workspaces.control, DEFAULT_WORKSPACE, ['admin'], 'demo');
        // The page may be opened as localhost too, which browsers treat as another origin.
        const origins = [url, url.replace('//127.0.0.1:', '//localhost:')].filter((o, i, all) => all.indexOf(o) === i);
        storefrontDemo.key = (await createKey(workspaces.control, DEFAULT_WORKSPACE, ['storefront'], 'demo', origins)).key;
        const campaigns = await workspaces.use(DEFAULT_WORKSPACE, (store) => ensureDemoCampaigns(store));
        process.stderr.write(
          [
            '',
            `Serving the demo store on ${url} (OpenAPI at ${url}/docs); Ctrl-C stops it.`,
            // The key rides in the fragment, which browsers never send: it stays out of server and proxy logs.
            await dashboardLine(url, `sign in with this link: ${url}/#key=${key.key}`),
            `An admin key for it, shown once: ${key.key}`,
            `Try: curl -H 'Authorization: Bearer ${key.key}' ${url}/v1/audiences`,
            `Sample storefront with ${campaigns} active campaigns (segmint campaign list): ${url}/storefront/demo?page=home (page=product or cart; add &customer=ID to sign in as a customer)`,
            '',
          ].join('\n'),
        );
      }, { storefrontDemo });
    });
}

/** The demo campaigns, created and activated unless a campaign of the same name exists (a rerun keeps what it finds). */
async function ensureDemoCampaigns(store: Store): Promise<number> {
  const { createCampaign, listCampaigns, setCampaignStatus } = await import('../../campaigns/index.js');
  const { DEMO_CAMPAIGNS } = await import('../../demo/storefront-campaigns.js');
  const existing = new Set((await listCampaigns(store)).map((c) => c.name));
  for (const c of DEMO_CAMPAIGNS) {
    if (!existing.has(c.name)) await setCampaignStatus(store, (await createCampaign(store, c)).id, 'active');
  }
  return (await listCampaigns(store, 'active')).length;
}
