/**
 * Ingest benchmark (issue 2): generate the demo store, then import its events from CSV and from Parquet and compute
 * the customer feature table, against bare DuckDB reading the same file with a plain RFM GROUP BY, in the same run;
 * each import runs twice, with the file's event ids and without them (ids from each event's content).
 * Usage: npm run bench -- [--customers 1000000] [--seed 1] [--out bench/out] [--formats csv,parquet]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { duckdbMemoryLimit } from '../src/shared/memory.js';
import { arg, benchMemory, fmt, runPhase, type PhaseResult } from './lib.js';

const customers = Number(arg('customers', '1000000'));
const seed = Number(arg('seed', '1'));
const out = arg('out', join('bench', 'out'));
const formats = arg('formats', 'csv,parquet').split(',');
const dir = join(out, `demo-${customers}-${seed}`);
const phase = join('bench', 'ingest-phase.ts');
mkdirSync(out, { recursive: true });

const results: PhaseResult[] = [];
if (!existsSync(join(dir, 'events.parquet'))) results.push(runPhase(phase, ['generate', dir, String(customers), String(seed)]));
for (const format of formats) {
  results.push(runPhase(phase, ['baseline', format, dir]));
  results.push(runPhase(phase, ['floor', format, dir, join(out, `floor-${format}.duckdb`)]));
  results.push(runPhase(phase, ['segmint', format, dir, join(out, `bench-${format}.duckdb`)]));
  results.push(runPhase(phase, ['segmint', format, dir, join(out, `bench-${format}.duckdb`), 'content-ids']));
}

const byPhase = new Map(results.map((r) => [r.phase, r]));
console.log(`\nIngest + features, ${customers.toLocaleString('en-US')} customers (seed ${seed}), DuckDB memory limit ${duckdbMemoryLimit(benchMemory().duckdb)}`);
const gen = byPhase.get('generate');
if (gen) console.log(`generate: ${fmt(gen.seconds)} s, ${gen.rows?.toLocaleString('en-US')} events, ${JSON.stringify(gen.detail)}, peak RSS ${gen.peakRssMb} MB`);
for (const format of formats) {
  const base = byPhase.get(`baseline-${format}`)!;
  const fl = byPhase.get(`floor-${format}`)!;
  const ours = byPhase.get(`segmint-${format}`)!;
  const content = byPhase.get(`segmint-${format}-content-ids`)!;
  const rows = ours.rows ?? 0;
  const line = (label: string, r: PhaseResult) =>
    `  ${label.padEnd(34)} ${fmt(r.seconds).padStart(7)} s  CPU ${fmt(r.cpuSeconds ?? NaN).padStart(7)} s  ${fmt(rows / r.seconds / 1e6, 2).padStart(6)} M rows/s  peak RSS ${String(r.peakRssMb).padStart(5)} MB`;
  // On a loaded machine wall times wander with the other processes; CPU times (every thread's) much less.
  const ratios = (r: PhaseResult) =>
    `ratio vs bare ${fmt(r.seconds / base.seconds, 2)}x, vs floor ${fmt(r.seconds / fl.seconds, 2)}x (CPU: vs bare ${fmt(r.cpuSeconds! / base.cpuSeconds!, 2)}x, vs floor ${fmt(r.cpuSeconds! / fl.cpuSeconds!, 2)}x)`;
  console.log(`${format}:`);
  console.log(line('bare read + RFM GROUP BY', base));
  console.log(line('bare read + persist + RFM (floor)', fl));
  console.log(line('segmint import + features', ours));
  console.log(`  ${ratios(ours)}`);
  console.log(`  segmint detail ${JSON.stringify(ours.detail)}`);
  console.log(line('segmint, ids from content', content));
  console.log(`  ${ratios(content)}`);
  console.log(`  segmint detail ${JSON.stringify(content.detail)}`);
}
