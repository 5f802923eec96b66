/**
 * CLV benchmark (issues 5 and 18): on the 1M-customer demo store (opened read-only), the BG/NBD summary and fit
 * against three baselines in the same run: a plain per-customer GROUP BY of the same order lines (not the same
 * numbers: it cannot tell purchase days apart), the same summary written by hand in DuckDB (what an analyst would run:
 * the floor of the engine), and pandas + SciPy as lifetimes does it (the summary from the lines, the BG/NBD likelihood
 * per customer minimised by Nelder-Mead), when /usr/bin/python3 has them; then Gamma-Gamma, scoring every customer,
 * and the catalog path (fit + score into a table).
 * Each step in CPU seconds of the process (DuckDB's threads included) and wall seconds.
 * Usage: npm run bench -- --only clv [--customers 1000000] [--seed 1] [--db FILE] [--every 1] [--unit day]
 * The store is the audiences benchmark's (bench/out/audiences-<customers>-<seed>.duckdb), which runs before this one.
 * `--every 10` keeps the customers whose id hashes to 0 mod 10 (about a tenth) for a smaller run on the same data.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { choiceOption } from '../src/cli/options.js';
import { defaultAsOf } from '../src/features/index.js';
import { customerSummaries, fitBgNbd, fitGammaGamma, fitSummary, materializeClvFeatures, modelOf, scoreCustomers, spendOf, TIME_UNITS } from '../src/models/clv/index.js';
import { distinctHistories } from '../src/models/clv/bgnbd.js';
import { lastDayBefore, summaryNumbers, summaryRows } from '../src/models/clv/summary.js';
import { asTimestamp, raw, sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, benchMemory, audiencesStorePath, fmt, peakRssMb } from './lib.js';

const dbPath = arg('db', audiencesStorePath());
if (!existsSync(dbPath)) {
  console.error(`bench/clv.ts: no store at ${dbPath}; the audiences benchmark builds it (npm run bench -- --only audiences)`);
  process.exit(1);
}
const every = Number(arg('every', '1'));
const unit = choiceOption(arg('unit', 'day'), '--unit', TIME_UNITS);

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
// Once untimed, so that no query pays for reading the file from disk.
await store.vectors(baselineQuery);

// The same numbers as an analyst would get them from DuckDB by hand: purchase days, then per customer; double sums,
// unsorted, read into arrays as ours are. The floor the engine sets for the summary.
const byHand = sql`WITH days AS (
    SELECT customer_id, CAST(ts AS DATE) AS day, sum(quantity * unit_price) AS value FROM events
    WHERE type = 'order' AND customer_id IS NOT NULL AND ts < ${asTimestamp(asOf)} GROUP BY customer_id, day)
  SELECT customer_id, CAST(count(*) - 1 AS DOUBLE) AS x, CAST(max(day) - min(day) AS DOUBLE) AS tx,
    CAST(${lastDayBefore(asOf)}::DATE - min(day) AS DOUBLE) AS T, (sum(value) - arg_min(value, day)) / nullif(count(*) - 1, 0) AS monetary
  FROM days GROUP BY customer_id`;
// The three queries in turn, three rounds, each its best round: on a shared machine one run of each moves by 10-20%.
const [groups, baseline, floorSeconds, numbers, summarySeconds] = await (async () => {
  const rounds: Array<[Awaited<ReturnType<typeof store.vectors>>, Timed, Timed, Awaited<ReturnType<typeof summaryNumbers>>, Timed]> = [];
  for (let round = 0; round < 3; round++) {
    const [plain, b] = await seconds(() => store.vectors(baselineQuery));
    const [, f] = await seconds(() => store.vectors(byHand));
    // What the fit reads: the summary's numbers without the ids (summary.ts summaryNumbers).
    const [n, s] = await seconds(() => summaryNumbers(store, summaryRows(asOf, unit)));
    rounds.push([plain, b, f, n, s]);
  }
  const best = (k: 1 | 2 | 4): Timed => rounds.map((r) => r[k]).reduce((a, b) => (b.cpu < a.cpu ? b : a));
  return [rounds[0]![0].customer_id!, best(1), best(2), rounds[0]![3], best(4)] as const;
})();
const [bg, bgSeconds] = await seconds(() => fitBgNbd(numbers));
const spend = spendOf(numbers);
const [gg, ggSeconds] = await seconds(() => fitGammaGamma(spend));
const histories = distinctHistories(numbers).x.length;
// With the ids, as `clv` scores one customer and clvFeatures reads it.
const [summary, perCustomerSeconds] = await seconds(() => customerSummaries(store, asOf, unit));
const fit = fitSummary(summary, asOf, unit);
const [, scoreSeconds] = await seconds(() => scoreCustomers(modelOf(fit), summary));
const [written, catalogSeconds] = await seconds(() => materializeClvFeatures(store, asOf, 'bench_clv', { unit }));
const theirs = unit === 'day' ? await pandasBaseline() : undefined;
store.close();

const p = (o: object) => Object.entries(o).map(([k, v]) => `${k} ${+(v as number).toPrecision(5)}`).join(', ');
console.log(`\nCLV on ${dbPath}${every > 1 ? ` (customers with hash(id) % ${every} = 0)` : ''}, as of ${asOf}, unit ${unit}`);
console.log(`  ${fmt(numbers.x.length, 0)} customers with an order (${fmt(groups.length, 0)} in the baseline GROUP BY) in ${fmt(histories, 0)} distinct (x, t_x, T), ${fmt(spend.x.length, 0)} with a repeat spend`);
const line = (label: string, s: Timed, note = ''): void => console.log(`  ${label.padEnd(72)} ${fmt(s.cpu, 2).padStart(7)} s CPU ${fmt(s.wall, 2).padStart(7)} s wall${note}`);
line('baseline: SELECT customer_id, count(*), sum(..) ... GROUP BY customer_id', baseline);
line('summary (x, t_x, T, monetary) into typed arrays, no ids', summarySeconds);
line(`BG/NBD fit (${bg.iterations} iterations + standard errors)`, bgSeconds);
const both = plus(summarySeconds, bgSeconds);
line('floor: the same summary by hand in DuckDB (purchase days, then customers)', floorSeconds);
line('summary + BG/NBD fit', both, ` = ${fmt(both.cpu / baseline.cpu, 2)}x the plain GROUP BY's CPU (${fmt(both.wall / baseline.wall, 2)}x wall)`);
console.log(`  ${''.padEnd(72)} ${''.padStart(26)} = ${fmt(both.cpu / floorSeconds.cpu, 2)}x the floor's CPU (${fmt(both.wall / floorSeconds.wall, 2)}x wall)`);
if (theirs) {
  line('pandas: the summary from the order lines (lifetimes\' definition)', theirs.summary);
  line(`SciPy: BG/NBD fit per customer, Nelder-Mead as lifetimes (${theirs.evaluations} evaluations)`, theirs.fit);
  const sum = plus(theirs.summary, theirs.fit);
  line('pandas + SciPy summary + BG/NBD fit', sum, ` = ours x ${fmt(sum.cpu / both.cpu, 2)} CPU (x ${fmt(sum.wall / both.wall, 2)} wall)`);
  console.log(`  pandas + SciPy: ${fmt(theirs.customers, 0)} customers; BG/NBD ${p(theirs.params)}`);
}
line(`Gamma-Gamma fit (${gg.iterations} iterations + standard errors)`, ggSeconds);
line('summary with the ids, into typed arrays', perCustomerSeconds);
line('score every customer (P(alive), 90-day orders, spend, 365-day CLV)', scoreSeconds);
line(`catalog path: summary + both fits + scores + table of ${fmt(written.rows, 0)} rows`, catalogSeconds);
console.log(`  BG/NBD ${p(bg.params)}; Gamma-Gamma ${p(gg.params)}`);
console.log(`  peak RSS ${peakRssMb()} MB; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);

/**
 * pandas + SciPy on the same order lines, in a process of its own, timed inside after the imports and the lines' read
 * (a binary file this process writes untimed): the summary as lifetimes' summary_data_from_transaction_data computes it,
 * and the BG/NBD negative log-likelihood per customer minimised by Nelder-Mead on log-parameters, as lifetimes'
 * BetaGeoFitter does. Undefined when /usr/bin/python3 lacks pandas or SciPy.
 */
interface Theirs {
  summary: Timed;
  fit: Timed;
  evaluations: number;
  customers: number;
  params: Record<string, number>;
}
async function pandasBaseline(): Promise<Theirs | undefined> {
  const python = '/usr/bin/python3';
  if (spawnSync(python, ['-c', 'import pandas, scipy'], { stdio: 'ignore' }).status !== 0) {
    console.log('  pandas + SciPy: missing (apt-get install -y python3-pandas python3-scipy); skipped');
    return undefined;
  }
  const lines = await store.vectors(sql`SELECT CAST(hash(customer_id) % 9007199254740991 AS DOUBLE) AS customer, CAST(CAST(ts AS DATE) - DATE '1970-01-01' AS DOUBLE) AS day,
    quantity * unit_price AS value FROM events WHERE type = 'order' AND customer_id IS NOT NULL AND ts < ${asTimestamp(asOf)}`);
  const dir = mkdtempSync(join(tmpdir(), 'segmint-clv-'));
  try {
    for (const name of ['customer', 'day', 'value']) writeFileSync(join(dir, name), lines[name] as Float64Array);
    const end = Date.parse(lastDayBefore(asOf)) / 86_400_000;
    const script = `
import json, sys, time
import numpy as np, pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln
d = sys.argv[1]
lines = pd.DataFrame({n: np.fromfile(d + '/' + n, dtype=np.float64) for n in ('customer', 'day', 'value')})
def clock(): return (time.process_time(), time.perf_counter())
def since(c): return {'cpu': time.process_time() - c[0], 'wall': time.perf_counter() - c[1]}
c = clock()
days = lines.groupby(['customer', 'day'], sort=False)['value'].sum().reset_index()
g = days.groupby('customer', sort=False)
first = g['day'].min(); last = g['day'].max(); n = g.size(); total = g['value'].sum()
first_value = days.loc[g['day'].idxmin()].set_index('customer')['value']
x = (n - 1).to_numpy(float); tx = (last - first).to_numpy(float); T = (${end} - first).to_numpy(float)
monetary = np.where(x > 0, (total - first_value.reindex(first.index)).to_numpy() / np.maximum(x, 1), np.nan)
summary = since(c)
c = clock()
evaluations = 0
def nll(log_params):
    global evaluations
    evaluations += 1
    r, alpha, a, b = np.exp(log_params)
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
    m = np.maximum(A3, A4)
    ll = A1 + A2 + m + np.log(np.exp(A3 - m) + (x > 0) * np.exp(A4 - m))
    return -ll.mean()
fit = minimize(nll, np.log([1.0, 1.0, 1.0, 1.0]), method='Nelder-Mead', tol=1e-7, options={'maxiter': 2000})
params = dict(zip(['r', 'alpha', 'a', 'b'], np.exp(fit.x).tolist()))
print(json.dumps({'summary': summary, 'fit': since(c), 'evaluations': evaluations, 'customers': int(len(x)), 'params': params}))
`;
    const r = spawnSync(python, ['-c', script, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`pandas + SciPy baseline failed: ${r.stderr.trim().split('\n').pop()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Theirs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
