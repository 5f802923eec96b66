/**
 * The same run on DuckDB and on ClickHouse (issue 17): a demo store's imported tables (customers, products, events,
 * imports, quarantine) copied into a new DuckDB store and into embedded ClickHouse (chdb), then on each, in its own
 * process, a whole run and the demo's cluster fits (bench/growth-phase.ts rerun), stage by stage; ClickHouse's time
 * as a ratio of DuckDB's, and whether every audience has the same members on both.
 * Usage: npm run bench -- --only engines [--db bench/out/growth-100000-default.duckdb] [--out bench/out]
 * (the store the growth benchmark imports at 100k; needs `npm install --no-save chdb@3.4.0`).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chdbAvailable, copyTables, Store } from '../src/store/index.js';
import { arg, fmt } from './lib.js';
import type { StageMeasure } from './growth-phase.js';

interface RunResult {
  customers: number;
  events: number;
  stages: StageMeasure[];
  digest: Array<{ audience_id: string; members: number; hashed: string }>;
}

const source = arg('db', join('bench', 'out', 'growth-100000-default.duckdb'));
const out = arg('out', join('bench', 'out'));
if (!chdbAvailable()) {
  console.log('engines: skipped, the chdb package is not installed (npm install --no-save chdb@3.4.0)');
  process.exit(0);
}

const targets = { duckdb: join(out, 'engines-duckdb.duckdb'), clickhouse: `chdb:${resolve(out, 'engines-chdb')}` };
rmSync(targets.duckdb, { force: true });
rmSync(`${targets.duckdb}.wal`, { force: true });
rmSync(resolve(out, 'engines-chdb'), { recursive: true, force: true });

/** Copies the imported tables into a new store; its seconds are the load's (Parquet written by DuckDB, read by the target). */
async function load(target: string): Promise<number> {
  const from = await Store.open({ path: source });
  const to = await Store.open({ path: target });
  const t = performance.now();
  await copyTables(from, to);
  const seconds = (performance.now() - t) / 1000;
  from.close();
  to.close();
  return seconds;
}

function run(target: string): RunResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/growth-phase.ts', 'rerun', target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`growth-phase rerun ${target} exited with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RunResult;
}

const loads = { duckdb: await load(targets.duckdb), clickhouse: await load(targets.clickhouse) };
const duck = run(targets.duckdb);
const house = run(targets.clickhouse);

const total = (r: RunResult, key: 'seconds' | 'cpuSeconds') => r.stages.reduce((sum, s) => sum + s[key], 0);
console.log(`\nThe same run on DuckDB and ClickHouse (chdb): ${duck.customers.toLocaleString('en-US')} customers, ${duck.events.toLocaleString('en-US')} events`);
console.log('| stage | DuckDB s | DuckDB CPU s | ClickHouse s | ClickHouse CPU s | ClickHouse / DuckDB (wall) |');
console.log('|---|---:|---:|---:|---:|---:|');
const line = (name: string, d: { seconds: number; cpuSeconds: number }, c: { seconds: number; cpuSeconds: number }) =>
  console.log(`| ${name} | ${fmt(d.seconds)} | ${fmt(d.cpuSeconds)} | ${fmt(c.seconds)} | ${fmt(c.cpuSeconds)} | ${fmt(c.seconds / Math.max(d.seconds, 0.05), 2)} |`);
for (const s of duck.stages) line(s.stage, s, house.stages.find((h) => h.stage === s.stage)!);
line('**whole run**', { seconds: total(duck, 'seconds'), cpuSeconds: total(duck, 'cpuSeconds') }, { seconds: total(house, 'seconds'), cpuSeconds: total(house, 'cpuSeconds') });
console.log(`load (copy of the imported tables): DuckDB ${fmt(loads.duckdb)} s, ClickHouse ${fmt(loads.clickhouse)} s`);
console.log(`peak RSS: DuckDB ${Math.max(...duck.stages.map((s) => s.peakRssMb))} MB, ClickHouse ${Math.max(...house.stages.map((s) => s.peakRssMb))} MB`);
const differ = duck.digest.filter((d) => JSON.stringify(d) !== JSON.stringify(house.digest.find((h) => h.audience_id === d.audience_id)));
const extra = house.digest.filter((h) => !duck.digest.some((d) => d.audience_id === h.audience_id));
console.log(`memberships: ${duck.digest.length} audiences; ${differ.length + extra.length === 0 ? 'every one identical on both engines' : `DIFFERENT: ${[...differ, ...extra].map((d) => d.audience_id).join(', ')}`}`);
if (differ.length + extra.length > 0) process.exitCode = 1;
