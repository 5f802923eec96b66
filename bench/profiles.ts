/**
 * Profiles benchmark (issue 14): time per embedded profile (facts, looks, narrator, schema check) on the demo store,
 * made as batches make them (profilesOf: chunks read in one pass, kept in the store) with one lane and with two, and
 * one at a time (makeProfile, as GET /v1/customers/:id/profile makes one); against the customer features query for
 * one customer in the same run (a profile reads the run's feature table instead, so the features query is the cost it
 * avoids, and a yardstick of the machine's speed).
 * Usage: npm run bench -- --only profiles [--customers 100000] [--seed 1] [--profiles 10000] [--dump FILE.jsonl]
 * The figure is at 1M customers (on a quiet machine: the store is the audiences benchmark's).
 */
import { writeFileSync } from 'node:fs';
import { customerFeatures } from '../src/features/index.js';
import { runPipeline } from '../src/pipeline/index.js';
import { makeProfile, profileAsOf, profilesOf, type Profile } from '../src/profiles/index.js';
import { sql } from '../src/sql/index.js';
import { arg, fmt, openDemoStore, peakRssMb } from './lib.js';

const customers = Number(arg('customers', '100000'));
process.argv.push('--customers', String(customers));
const count = Number(arg('profiles', '10000'));
/** Customers made one at a time, and features queried one at a time: enough for a steady mean. */
const SINGLE = 50;
const store = await openDemoStore();
const run = await store.one<{ as_of: string }>(sql`SELECT strftime(max(as_of), '%Y-%m-%d %H:%M:%S') AS as_of FROM runs`);
if (!run?.as_of) await runPipeline(store, '2026-11-01 00:00:00');
const asOf = await profileAsOf(store);
// A sample by hash of the id, so buyers, browsers and the registered all appear as they do in the store.
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id), id LIMIT ${count}`)).map((r) => r.id);
const single = ids.slice(0, SINGLE);

interface Timing {
  ms: number[];
  /** CPU time of the whole process (DuckDB's threads included) per profile: steadier than wall time on a loaded machine. */
  cpuMs: number;
}
const timed = async (fn: (id: string) => Promise<unknown>): Promise<Timing> => {
  await fn(single[0]!);
  const ms: number[] = [];
  const cpu = process.cpuUsage();
  for (const id of single) {
    const t = performance.now();
    await fn(id);
    ms.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  return { ms: ms.sort((a, b) => a - b), cpuMs: (used.user + used.system) / 1000 / single.length };
};
const batch = async (lanes: number): Promise<{ made: Profile[]; msPer: number; cpuMs: number }> => {
  const made: Profile[] = [];
  const cpu = process.cpuUsage();
  const t = performance.now();
  await profilesOf(store, ids, { asOf, refresh: true, lanes }, (_id, p) => {
    if (p) made.push(p);
  });
  const used = process.cpuUsage(cpu);
  return { made, msPer: (performance.now() - t) / ids.length, cpuMs: (used.user + used.system) / 1000 / ids.length };
};
const oneLane = await batch(1);
const twoLanes = await batch(2);
const profiles = await timed((id) => makeProfile(store, id, { asOf }));
const features = await timed((id) => customerFeatures(store, asOf, id));
store.close();
// The profiles made, without their making time, so a change that should not alter them can be checked (--dump FILE).
const dump = arg('dump', '');
if (dump) writeFileSync(dump, `${oneLane.made.map(({ generated_at: _, ...p }) => JSON.stringify(p)).join('\n')}\n`);

const summary = ({ ms, cpuMs }: Timing) => {
  const mean = ms.reduce((s, x) => s + x, 0) / ms.length;
  return `mean ${fmt(mean)} ms, median ${fmt(ms[Math.floor(ms.length / 2)]!)} ms, p95 ${fmt(ms[Math.floor(ms.length * 0.95)]!)} ms, CPU ${fmt(cpuMs)} ms`;
};
const perProfile = (b: { msPer: number; cpuMs: number }) => `${fmt(b.msPer)} ms a profile (${fmt(1000 / b.msPer, 0)} a second), CPU ${fmt(b.cpuMs)} ms`;
console.log(`\nProfiles on the ${fmt(customers, 0)}-customer demo store as of ${asOf}, ${ids.length} customers`);
console.log(`  batch, one lane (facts, looks, narrator, schema, kept):   ${perProfile(oneLane)}`);
console.log(`  batch, two lanes:                                         ${perProfile(twoLanes)}`);
console.log(`  one at a time, ${SINGLE} customers (makeProfile):               ${summary(profiles)}`);
console.log(`  baseline: customer features query, same ${SINGLE} customers:   ${summary(features)}`);
console.log(`  peak RSS ${fmt(peakRssMb(), 0)} MB`);
