/**
 * Profile batch benchmark (issue 14): throughput of `segmint profiles` (profilesOf, refresh, the embedded narrator:
 * made and kept) over the same customers with 1 lane (the baseline: one connection), 2 and 4 lanes, in alternating
 * rounds so the machine's load weighs on each alike.
 * Usage: npm run bench -- --only profile-batch [--customers 20000] [--seed 1] [--profiles 300] [--rounds 2]
 * At most 100,000 customers here: the 1M-customer figures are taken by the lead on a quiet machine.
 */
import { runPipeline } from '../src/pipeline/index.js';
import { batchAsOf, profilesOf } from '../src/profiles/index.js';
import { sql } from '../src/sql/index.js';
import { arg, fmt, openDemoStore, peakRssMb } from './lib.js';

const customers = Number(arg('customers', '20000'));
if (customers > 100_000) {
  console.error('bench/profile-batch.ts: at most --customers 100000 (the 1M store is for a quiet machine)');
  process.exit(2);
}
process.argv.push('--customers', String(customers));
const count = Number(arg('profiles', '300'));
const rounds = Number(arg('rounds', '2'));
const store = await openDemoStore();
const run = await store.one<{ as_of: string }>(sql`SELECT strftime(max(as_of), '%Y-%m-%d %H:%M:%S') AS as_of FROM runs`);
if (!run?.as_of) await runPipeline(store, '2026-11-01 00:00:00');
const asOf = await batchAsOf(store, {});
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id), id LIMIT ${count}`)).map((r) => r.id);

const LANES = [1, 2, 4];
const perSecond = new Map<number, number[]>(LANES.map((l) => [l, []]));
await profilesOf(store, ids.slice(0, 20), { asOf, refresh: true, lanes: 1 }, () => undefined);
for (let r = 0; r < rounds; r++) {
  for (const lanes of r % 2 ? [...LANES].reverse() : LANES) {
    const t = performance.now();
    await profilesOf(store, ids, { asOf, refresh: true, lanes }, () => undefined);
    perSecond.get(lanes)!.push((ids.length * 1000) / (performance.now() - t));
  }
}
store.close();

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const baseline = mean(perSecond.get(1)!);
console.log(`\nProfile batch on the ${fmt(customers, 0)}-customer demo store as of ${asOf}: ${ids.length} customers, ${rounds} rounds, profiles made and kept`);
for (const lanes of LANES) {
  const rate = mean(perSecond.get(lanes)!);
  console.log(`  ${lanes} ${lanes === 1 ? 'lane (baseline)' : 'lanes          '}: ${fmt(rate)} profiles/s (${fmt(1000 / rate)} ms each), ${fmt(rate / baseline, 2)}x  [${perSecond.get(lanes)!.map((x) => fmt(x)).join(', ')}]`);
}
console.log(`  peak RSS ${fmt(peakRssMb(), 0)} MB`);
