/**
 * Behaviors benchmark (issue 13): scoring every suggested customer behavior over the feature table, against building
 * that feature table alone, in the same run (target: at most 0.3x); product behaviors and customer affinities beside.
 * The store is the audiences benchmark's (built here from the demo files when missing).
 * Usage: npm run bench -- --only behaviors [--customers 1000000] [--seed 1] [--out bench/out]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CUSTOMER_BEHAVIORS, materializeAffinities, materializeCustomerBehaviors, materializeProductBehaviors, PRODUCT_BEHAVIORS } from '../src/behaviors/index.js';
import { importDemoFiles } from '../src/demo/index.js';
import { defaultAsOf, materializeCustomerFeatures } from '../src/features/index.js';
import { ident, sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, benchMemory, audiencesStorePath, demoFiles, fmt, peakRssMb } from './lib.js';

const customers = Number(arg('customers', '1000000'));
const seed = Number(arg('seed', '1'));
const out = arg('out', join('bench', 'out'));
const dir = join(out, `demo-${customers}-${seed}`);
mkdirSync(out, { recursive: true });

const dbPath = audiencesStorePath();
const fresh = !existsSync(dbPath);
const store = await Store.open({ path: dbPath, memory: benchMemory() });
if (fresh) {
  await importDemoFiles(store, await demoFiles(dir, customers, seed));
}
const asOf = await defaultAsOf(store);
// CPU time of the process (DuckDB's threads included) beside the wall time: on a shared machine, less moved by the others.
const cpu = { features: [] as number[], scoring: [] as number[] };
const seconds = async (fn: () => Promise<unknown>, cpuOf?: number[]): Promise<number> => {
  const t = performance.now();
  const used = process.cpuUsage();
  await fn();
  const { user, system } = process.cpuUsage(used);
  cpuOf?.push((user + system) / 1e6);
  return (performance.now() - t) / 1000;
};

const table = 'bench_behavior_features';
// Alternating rounds, so a busy moment of the machine does not land on one side only; the best of each is compared.
const features: number[] = [];
const scoring: number[] = [];
for (let round = 0; round < 2; round++) {
  features.push(await seconds(() => materializeCustomerFeatures(store, asOf, table), cpu.features));
  scoring.push(await seconds(() => materializeCustomerBehaviors(store, { featureTable: table, asOf, table: 'bench_customer_behaviors' }), cpu.scoring));
}
const rows = (await store.one<{ members: number }>(sql`SELECT count(*) AS members FROM bench_customer_behaviors`))!;
const products = await seconds(() => materializeProductBehaviors(store, { asOf, table: 'bench_product_behaviors', signalsTable: 'bench_product_signals' }));
const affinities = await seconds(() => materializeAffinities(store, { asOf, productTable: 'bench_product_behaviors', table: 'bench_affinities' }));
for (const t of [table, 'bench_customer_behaviors', 'bench_product_behaviors', 'bench_product_signals', 'bench_affinities']) await store.run(sql`DROP TABLE IF EXISTS ${ident(t)}`);
store.close();

const best = (xs: number[]): number => Math.min(...xs);
console.log(`\nBehaviors, ${customers.toLocaleString('en-US')} customers (seed ${seed}), as of ${asOf}`);
console.log(`  customer feature table alone                         ${features.map((s) => fmt(s)).join(' s, ')} s`);
console.log(`  scoring ${CUSTOMER_BEHAVIORS.length} customer behaviors over it (${rows.members.toLocaleString('en-US')} memberships kept)  ${scoring.map((s) => fmt(s, 2)).join(' s, ')} s`);
console.log(`  ratio ${fmt(best(scoring) / best(features), 3)}x the feature table, best of each (target <= 0.3x)`);
console.log(`  CPU time: feature table ${cpu.features.map((s) => fmt(s)).join(' s, ')} s; scoring ${cpu.scoring.map((s) => fmt(s, 2)).join(' s, ')} s; ratio ${fmt(best(cpu.scoring) / best(cpu.features), 3)}x`);
console.log(`  ${PRODUCT_BEHAVIORS.length} product behaviors (signals from the events, then scores) ${fmt(products, 2)} s; customer affinities to them ${fmt(affinities, 2)} s; peak RSS ${peakRssMb()} MB`);
