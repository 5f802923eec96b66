/**
 * Profiles benchmark (issue 14): time per embedded profile (facts, looks, narrator, schema check; not storing it) on
 * the demo store, against the customer features query for the same customers in the same run (a profile reads the
 * run's feature table instead, so the features query is the cost it avoids, and a yardstick of the machine's speed).
 * Usage: npm run bench -- --only profiles [--customers 100000] [--seed 1] [--profiles 200] [--dump FILE.jsonl]
 * The figure is at 1M customers (on a quiet machine: the store is the audiences benchmark's).
 */
import { writeFileSync } from 'node:fs';
import { customerFeatures } from '../src/features/index.js';
import { runPipeline } from '../src/pipeline/index.js';
import { makeProfile, profileAsOf, type Profile } from '../src/profiles/index.js';
import { sql } from '../src/sql/index.js';
import { arg, fmt, openDemoStore, peakRssMb } from './lib.js';

const customers = Number(arg('customers', '100000'));
process.argv.push('--customers', String(customers));
const count = Number(arg('profiles', '200'));
const store = await openDemoStore();
const run = await store.one<{ as_of: string }>(sql`SELECT strftime(max(as_of), '%Y-%m-%d %H:%M:%S') AS as_of FROM runs`);
if (!run?.as_of) await runPipeline(store, '2026-11-01 00:00:00');
const asOf = await profileAsOf(store);
// A sample by hash of the id, so buyers, browsers and the registered all appear as they do in the store.
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id), id LIMIT ${count}`)).map((r) => r.id);

interface Timing {
  ms: number[];
  /** CPU time of the whole process (DuckDB's threads included) per call: steadier than wall time on a loaded machine. */
  cpuMs: number;
}
const timed = async (fn: (id: string) => Promise<unknown>): Promise<Timing> => {
  await fn(ids[0]!);
  const ms: number[] = [];
  const cpu = process.cpuUsage();
  for (const id of ids) {
    const t = performance.now();
    await fn(id);
    ms.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  return { ms: ms.sort((a, b) => a - b), cpuMs: (used.user + used.system) / 1000 / ids.length };
};
const made: Profile[] = [];
const profiles = await timed(async (id) => made.push(await makeProfile(store, id, { asOf })));
const features = await timed((id) => customerFeatures(store, asOf, id));
store.close();
// The profiles made, without their making time, so a change that should not alter them can be checked (--dump FILE).
const dump = arg('dump', '');
if (dump) writeFileSync(dump, `${made.slice(1, ids.length + 1).map(({ generated_at: _, ...p }) => JSON.stringify(p)).join('\n')}\n`);

const summary = ({ ms, cpuMs }: Timing) => {
  const mean = ms.reduce((s, x) => s + x, 0) / ms.length;
  return `mean ${fmt(mean)} ms, median ${fmt(ms[Math.floor(ms.length / 2)]!)} ms, p95 ${fmt(ms[Math.floor(ms.length * 0.95)]!)} ms, CPU ${fmt(cpuMs)} ms`;
};
console.log(`\nProfiles on the ${fmt(customers, 0)}-customer demo store as of ${asOf}, ${ids.length} customers`);
console.log(`  embedded profile (facts, looks, narrator, schema):  ${summary(profiles)}`);
console.log(`  baseline: customer features query, same customers:  ${summary(features)}`);
console.log(`  peak RSS ${fmt(peakRssMb(), 0)} MB`);
