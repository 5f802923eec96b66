/**
 * Audiences benchmark (issue 3): on the demo store, every built-in audience plus 20 user rules, against computing
 * the customer feature table alone, in the same run: the run's stages from the features to the audiences (issue 18:
 * at most 1.2x), and the whole run, whose steps after the audiences (behaviors, cluster fits, previews' lines) came
 * after issue 3's 2x; and in-memory evaluation of one customer against every audience.
 * Usage: npm run bench -- --only audiences [--customers 1000000] [--seed 1] [--out bench/out]
 */
import { createAudience, listAudiences, loadCustomerContext } from '../src/audiences/index.js';
import { defaultAsOf, materializeCustomerFeatures } from '../src/features/index.js';
import { evaluateRule, parseRule, resolveTemplate, type Rule } from '../src/segments/index.js';
import { sql } from '../src/sql/index.js';
import { arg, openDemoStore, fmt, peakRssMb } from './lib.js';
import { runPipeline } from '../src/pipeline/index.js';
import { USER_RULES } from './user-rules.js';

const customers = Number(arg('customers', '1000000'));
const seed = Number(arg('seed', '1'));
const store = await openDemoStore();
const existing = new Set((await listAudiences(store)).map((a) => a.name));
for (const [i, rule] of USER_RULES.entries()) if (!existing.has(`bench rule ${i + 1}`)) await createAudience(store, { name: `bench rule ${i + 1}`, rule });
const asOf = await defaultAsOf(store);

let t = performance.now();
await materializeCustomerFeatures(store, asOf, 'bench_features');
const featuresSeconds = (performance.now() - t) / 1000;
t = performance.now();
// Each stage's seconds, from its start to the next one's (RUN_STAGES order).
const stages = new Map<string, number>();
let current: { name: string; at: number } | undefined;
const close = (at: number): void => {
  if (current) stages.set(current.name, (at - current.at) / 1000);
};
const report = await runPipeline(store, asOf, {
  onStage: (name) => {
    const at = performance.now();
    close(at);
    current = { name, at };
  },
});
close(performance.now());
const runSeconds = (performance.now() - t) / 1000;
// What computes features and audiences: the features stage through the audiences stage (RFM map, thresholds and the
// clusters' assignment between them); the CLV scores before them are the features' input.
const names = [...stages.keys()];
const toAudiences = names.slice(names.indexOf('features'), names.indexOf('audiences') + 1);
const audienceSeconds = toAudiences.reduce((sum, name) => sum + stages.get(name)!, 0);
await store.run(sql`DROP TABLE bench_features`);

// Real time: one customer's context is loaded once, then every audience is evaluated against it in memory.
const audiences = await listAudiences(store);
const rules: Rule[] = audiences.flatMap((a) => (a.definition.kind === 'rule' ? [parseRule(a.definition.text)] : a.definition.kind === 'smart' ? [parseRule(resolveTemplate(a.definition.template, report.thresholds))] : []));
const sample = await store.all<{ customer_id: string }>(sql`SELECT customer_id FROM customer_features WHERE orders >= 5 ORDER BY customer_id LIMIT 20`);
let evaluations = 0;
let evalMs = 0;
let maxMs = 0;
for (const { customer_id } of sample) {
  const ctx = (await loadCustomerContext(store, customer_id, asOf, () => false))!;
  const rounds = 200;
  const s = performance.now();
  for (let r = 0; r < rounds; r++) for (const rule of rules) evaluateRule(rule, ctx);
  const perCustomer = (performance.now() - s) / rounds;
  evalMs += perCustomer;
  maxMs = Math.max(maxMs, perCustomer);
  evaluations++;
}
store.close();

console.log(`\nAudiences, ${customers.toLocaleString('en-US')} customers (seed ${seed}), as of ${asOf}`);
console.log(`  customer feature table alone          ${fmt(featuresSeconds).padStart(7)} s`);
console.log(`  run's ${toAudiences.join(', ')}: ${report.audiences.length} audiences (${report.audiences.filter((a) => a.kind !== 'rule').length} built-in, ${USER_RULES.length} user rules)  ${fmt(audienceSeconds)} s = ${fmt(audienceSeconds / featuresSeconds, 2)}x the feature table (issue 18: <= 1.2x)`);
console.log(`  whole run  ${fmt(runSeconds)} s = ${fmt(runSeconds / featuresSeconds, 2)}x: ${names.map((n) => `${n} ${fmt(stages.get(n)!)} s`).join(', ')}`);
console.log(`  in-memory: one customer against ${rules.length} rule audiences: mean ${fmt(evalMs / evaluations * 1000, 0)} us, worst ${fmt(maxMs * 1000, 0)} us (target < 1 ms); peak RSS ${peakRssMb()} MB`);
