/**
 * CLV benchmark (issue 5): on the 1M-customer demo store (opened read-only), the BG/NBD summary and fit against a
 * plain per-customer GROUP BY of the same order lines in the same run; then Gamma-Gamma, scoring every customer, and
 * the catalog path (fit + score into a table).
 * Each step in CPU seconds of the process (DuckDB's threads included) and wall seconds.
 * Usage: npm run bench -- --only clv [--customers 1000000] [--seed 1] [--db FILE] [--every 1] [--unit day]
 * The store is the audiences benchmark's (bench/out/audiences-<customers>-<seed>.duckdb), which runs before this one.
 * `--every 10` keeps the customers whose id hashes to 0 mod 10 (about a tenth) for a smaller run on the same data.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { defaultAsOf } from '../src/features/index.js';
import { customerSummaries, fitBgNbd, fitGammaGamma, fitSummary, materializeClvFeatures, modelOf, parseTimeUnit, scoreCustomers, spendOf } from '../src/models/clv/index.js';
import { distinctHistories } from '../src/models/clv/bgnbd.js';
import { summaryNumbers, summaryRows } from '../src/models/clv/summary.js';
import { raw, sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, benchMemory, audiencesStorePath, fmt, peakRssMb } from './lib.js';

const dbPath = arg('db', audiencesStorePath());
if (!existsSync(dbPath)) {
  console.error(`bench/clv.ts: no store at ${dbPath}; the audiences benchmark builds it (npm run bench -- --only audiences)`);
  process.exit(1);
}
const every = Number(arg('every', '1'));
const unit = parseTimeUnit(arg('unit', 'day'));

// A scratch store in memory whose events and customers are views of the benchmark file, attached read-only: the
// CLV code runs through the ordinary Store, and the benchmark file is never written.
const store = await Store.open({ path: ':memory:', memory: benchMemory() });
await store.run(raw(`ATTACH '${dbPath.replaceAll("'", "''")}' AS bench (READ_ONLY)`));
const sampled = every > 1 ? raw(`WHERE hash(customer_id) % ${every} = 0`) : sql``;
const customerSample = every > 1 ? raw(`WHERE hash(id) % ${every} = 0`) : sql``;
await store.run(sql`DROP TABLE events`);
await store.run(sql`DROP TABLE customers`);
await store.run(sql`CREATE VIEW events AS SELECT * FROM bench.events ${sampled}`);
await store.run(sql`CREATE VIEW customers AS SELECT * FROM bench.customers ${customerSample}`);
const asOf = await defaultAsOf(store);

// CPU seconds of the whole process (DuckDB's threads included) and wall seconds: on a machine shared with other
// work, wall time is partly the others'.
interface Timed {
  cpu: number;
  wall: number;
}
const seconds = async <T>(fn: () => Promise<T> | T): Promise<[T, Timed]> => {
  const [t, c] = [performance.now(), process.cpuUsage()];
  const out = await fn();
  const used = process.cpuUsage(c);
  return [out, { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - t) / 1000 }];
};
const plus = (u: Timed, v: Timed): Timed => ({ cpu: u.cpu + v.cpu, wall: u.wall + v.wall });

// Read into arrays as the summary is (Store.vectors), so the two differ only in what the query computes.
const baselineQuery = sql`SELECT customer_id, CAST(count(*) AS DOUBLE) AS lines, sum(quantity * unit_price) AS amount FROM events WHERE type = 'order' GROUP BY customer_id`;
// Once untimed, so that neither side pays for reading the file from disk.
await store.vectors(baselineQuery);
const [groups, baseline] = await seconds(async () => (await store.vectors(baselineQuery)).customer_id!);
// What the fit reads: the summary's numbers without the ids (summary.ts summaryNumbers).
const [numbers, summarySeconds] = await seconds(() => summaryNumbers(store, summaryRows(asOf, unit)));
const [bg, bgSeconds] = await seconds(() => fitBgNbd(numbers));
const spend = spendOf(numbers);
const [gg, ggSeconds] = await seconds(() => fitGammaGamma(spend));
const histories = distinctHistories(numbers).x.length;
// With the ids, as `clv` scores one customer and clvFeatures reads it.
const [summary, perCustomerSeconds] = await seconds(() => customerSummaries(store, asOf, unit));
const fit = fitSummary(summary, asOf, unit);
const [, scoreSeconds] = await seconds(() => scoreCustomers(modelOf(fit), summary));
const [written, catalogSeconds] = await seconds(() => materializeClvFeatures(store, asOf, 'bench_clv', { unit }));
store.close();

const p = (o: object) => Object.entries(o).map(([k, v]) => `${k} ${+(v as number).toPrecision(5)}`).join(', ');
console.log(`\nCLV on ${dbPath}${every > 1 ? ` (customers with hash(id) % ${every} = 0)` : ''}, as of ${asOf}, unit ${unit}`);
console.log(`  ${fmt(numbers.x.length, 0)} customers with an order (${fmt(groups.length, 0)} in the baseline GROUP BY) in ${fmt(histories, 0)} distinct (x, t_x, T), ${fmt(spend.x.length, 0)} with a repeat spend`);
const line = (label: string, s: Timed, note = ''): void => console.log(`  ${label.padEnd(72)} ${fmt(s.cpu, 2).padStart(7)} s CPU ${fmt(s.wall, 2).padStart(7)} s wall${note}`);
line('baseline: SELECT customer_id, count(*), sum(..) ... GROUP BY customer_id', baseline);
line('summary (x, t_x, T, monetary) into typed arrays, no ids', summarySeconds);
line(`BG/NBD fit (${bg.iterations} iterations + standard errors)`, bgSeconds);
const both = plus(summarySeconds, bgSeconds);
line('summary + BG/NBD fit', both, ` = ${fmt(both.cpu / baseline.cpu, 2)}x the baseline's CPU (${fmt(both.wall / baseline.wall, 2)}x wall)`);
line(`Gamma-Gamma fit (${gg.iterations} iterations + standard errors)`, ggSeconds);
line('summary with the ids, into typed arrays', perCustomerSeconds);
line('score every customer (P(alive), 90-day orders, spend, 365-day CLV)', scoreSeconds);
line(`catalog path: summary + both fits + scores + table of ${fmt(written.rows, 0)} rows`, catalogSeconds);
console.log(`  BG/NBD ${p(bg.params)}; Gamma-Gamma ${p(gg.params)}`);
console.log(`  peak RSS ${peakRssMb()} MB; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
