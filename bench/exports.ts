/**
 * Exports benchmark (issue 16): an audience of half the customers (500,000 on the 1M demo store) written as a CSV of
 * id, email and score, and as an ad-audience file (Google: E.164 phones, SHA-256 of email and phone, ads consent only;
 * first and next, the next with its removals), each against DuckDB writing the same columns with a plain COPY in the
 * same run. Wall and CPU time (CPU of every thread of the process, DuckDB's included), best of --rounds.
 * Usage: npm run bench -- --only exports [--customers 1000000] [--seed 1] [--out bench/out] [--rounds 3]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeExport } from '../src/activation/index.js';
import { createAudience, getAudience, runDate } from '../src/audiences/index.js';
import { defaultAsOf } from '../src/features/index.js';
import { runPipeline } from '../src/pipeline/index.js';
import { raw, sql, type Sql } from '../src/sql/index.js';
import { arg, fmt, openDemoStore, peakRssMb } from './lib.js';

const customers = Number(arg('customers', '1000000'));
const seed = Number(arg('seed', '1'));
const rounds = Number(arg('rounds', '3'));
const dir = join(arg('out', join('bench', 'out')), 'exports');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const store = await openDemoStore();
if (!(await store.one(sql`SELECT 1 FROM runs LIMIT 1`))) await runPipeline(store, await defaultAsOf(store));
const NAME = 'bench export half';
// Half the customers: those at or above the median revenue of the latest run's feature table.
const median = (await store.one<{ m: number }>(sql`SELECT median(revenue) AS m FROM customer_features`))!.m;
const exists = await getAudience(store, NAME).catch(() => undefined);
if (!exists) await createAudience(store, { name: NAME, rule: `revenue >= ${median}` });
const audience = await getAudience(store, NAME);
const asOf = await runDate(store);
const members = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM memberships WHERE audience_id = ${audience.id} AND as_of = CAST(${asOf} AS TIMESTAMP)`))!.n;

interface Timing {
  wall: number;
  cpu: number;
}
async function best(fn: (round: number) => Promise<unknown>): Promise<Timing> {
  let out: Timing = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < rounds; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await fn(r);
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    out = { wall: Math.min(out.wall, wall), cpu: Math.min(out.cpu, (c.user + c.system) / 1e6) };
  }
  return out;
}

const membersAt = sql`memberships m LEFT JOIN customers c ON c.id = m.customer_id WHERE m.audience_id = ${audience.id} AND m.as_of = CAST(${asOf} AS TIMESTAMP)`;
const copy = (select: Sql, path: string) => store.run(sql`COPY (${select}) TO ${path} ${raw('(FORMAT csv, HEADER true)')}`);

const csvBase = await best((r) => copy(sql`SELECT m.customer_id AS id, c.email, m.score FROM ${membersAt} ORDER BY m.score DESC, m.customer_id`, join(dir, `copy-${r}.csv`)));
const csvExport = await best((r) => writeExport(store, audience.id, { format: 'csv', columns: ['id', 'email', 'score'] }, { path: join(dir, `export-${r}.csv`) }));
// The floor of an ad file: DuckDB hashing the same two columns in SQL (phones only stripped to digits, not parsed).
const adBase = await best((r) =>
  copy(
    sql`SELECT sha256(lower(trim(c.email))) AS "Email", CASE WHEN nullif(c.phone, '') IS NOT NULL THEN sha256('+' || regexp_replace(c.phone, '[^0-9]', '', 'g')) END AS "Phone"
      FROM ${membersAt} AND c.consent_ads ORDER BY m.score DESC, m.customer_id`,
    join(dir, `copy-ads-${r}.csv`),
  ),
);
let adRows = 0;
let removals = 0;
// Round 0 is the first file to the destination; every later one is a next file with its removals (none here, the
// members being the same, which still compares the whole last file).
const adFirst = await best(async (r) => {
  await store.run(sql`DELETE FROM export_identities WHERE audience_id = ${audience.id}`);
  await store.run(sql`DELETE FROM audience_exports WHERE audience_id = ${audience.id}`);
  adRows = (await writeExport(store, audience.id, { format: 'csv', destination: 'google' }, { path: join(dir, `google-first-${r}.csv`) })).rows;
});
const adNext = await best(async (r) => {
  removals = (await writeExport(store, audience.id, { format: 'csv', destination: 'google' }, { path: join(dir, `google-next-${r}.csv`) })).removals ?? 0;
});
store.close();

const line = (label: string, t: Timing, base?: Timing) =>
  `  ${label.padEnd(44)} ${fmt(t.wall, 2).padStart(7)} s wall ${fmt(t.cpu, 2).padStart(7)} s CPU${base ? `   ${fmt(t.wall / base.wall, 2)}x / ${fmt(t.cpu / base.cpu, 2)}x the COPY` : ''}`;
console.log(`\nExports, ${customers.toLocaleString('en-US')} customers (seed ${seed}): "${NAME}", ${members.toLocaleString('en-US')} members as of ${asOf}; best of ${rounds}`);
console.log(line('plain COPY: id, email, score', csvBase));
console.log(line('export CSV: id, email, score', csvExport, csvBase));
console.log(line('plain COPY: sha256 email, phone (ads consent)', adBase));
console.log(line(`ad file, google, first (${adRows.toLocaleString('en-US')} rows)`, adFirst, adBase));
console.log(line(`ad file, google, next (${removals} removals)`, adNext, adBase));
console.log(`  peak RSS ${peakRssMb()} MB`);
