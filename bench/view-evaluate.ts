/**
 * The live view's evaluation of every customer (issue 17): what saving live memberships and a lookup that misses the
 * view's memo pay a customer. Builds the view of a store, then asks it every customer's audiences (audiencesOf: the
 * kinds' evaluators, the rules and their reasons) `--rounds` times after one round to warm up, and prints the CPU
 * (the process's, DuckDB's threads included, which stay idle here) a customer, and a digest of every customer's
 * answer (ids, kinds and reasons), equal between two checkouts exactly when every answer is. With a checkout's root as
 * second argument, its own code builds and evaluates (a baseline in the same period). With `--profile <file>`, one
 * more round runs under V8's profiler, and the JavaScript's time a customer is printed by part and by function.
 * The audiences benchmark's 20 user rules are added to the store where it lacks them: run it on a copy.
 * Usage: node --import tsx bench/view-evaluate.ts <store.duckdb> [root] [--rounds 3] [--profile <file.cpuprofile>]
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { arg, fmt } from './lib.js';
import { profiled } from './js-profile.js';
import { USER_RULES } from './user-rules.js';

const root = resolve(process.argv[3]?.startsWith('--') ? '.' : (process.argv[3] ?? '.'));
const { createAudience, listAudiences, LiveView } = (await import(resolve(root, 'src/audiences/index.ts'))) as typeof import('../src/audiences/index.js');
const { sql } = (await import(resolve(root, 'src/sql/index.ts'))) as typeof import('../src/sql/index.js');
const { Store } = (await import(resolve(root, 'src/store/index.ts'))) as typeof import('../src/store/index.js');

const rounds = Number(arg('rounds', '3'));
const profile = arg('profile', '');
const store = await Store.open({ path: process.argv[2]! });
const existing = new Set((await listAudiences(store)).map((a) => a.name));
for (const [i, rule] of USER_RULES.entries()) if (!existing.has(`bench rule ${i + 1}`)) await createAudience(store, { name: `bench rule ${i + 1}`, rule });
const view = await LiveView.build(store);
if (!view) throw new Error('no live view on this store');
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY id`)).map((r) => r.id);
store.close();

/** One round over every customer; the digest of their answers when asked. */
const round = (digest?: ReturnType<typeof createHash>): number => {
  let memberships = 0;
  for (const id of ids) {
    const a = view.audiencesOf(id);
    if (!a) continue;
    memberships += a.audiences.length;
    digest?.update(`${id}\t${a.as_of}\t${a.source}\t${JSON.stringify(a.audiences.map((m) => [m.id, m.kind, m.reasons]))}\n`);
  }
  return memberships;
};

const digest = createHash('sha256');
const memberships = round(digest);
const cpu: number[] = [];
for (let r = 0; r < rounds; r++) {
  const before = process.cpuUsage();
  round();
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1e6);
}
const perCustomerUs = (seconds: number): string => fmt((seconds / ids.length) * 1e6, 1);
console.log(
  JSON.stringify({
    root,
    customers: ids.length,
    memberships,
    digest: digest.digest('hex').slice(0, 16),
    cpuSeconds: cpu.map((s) => Math.round(s * 100) / 100),
    usPerCustomer: cpu.map(perCustomerUs),
  }),
);
if (profile) {
  const { times } = await profiled(() => Promise.resolve(round()), profile);
  const us = (ms: number): string => fmt((ms * 1000) / ids.length, 2).padStart(7);
  console.log(`JavaScript under the profiler: ${us(times.total)} us a customer; by function (inclusive):`);
  const parts = ['audiencesOf', 'evaluate', 'row', 'records', 'evaluateRules', 'evaluateRule', 'eventValue', 'ruleReasons', 'explainClauses', 'printRule', 'scoreOf', 'reasonsOne', 'assign', 'reasonsOf'];
  for (const fn of parts)
    console.log(`  ${us(times.inclusive.get(fn) ?? 0)} us  ${fn}`);
  console.log('by function (self), the 30 largest:');
  for (const [fn, ms] of [...times.self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${us(ms)} us  ${fn}`);
}
