/**
 * Ingest benchmark (issue 2): generate the demo store, then import its events from CSV and from Parquet and compute
 * the customer feature table, against bare DuckDB reading the same file with a plain RFM GROUP BY, in the same run.
 * Usage: npm run bench -- [--customers 1000000] [--seed 1] [--out bench/out]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { arg, fmt, runPhase, type PhaseResult } from './lib.js';

const customers = Number(arg('customers', '1000000'));
const seed = Number(arg('seed', '1'));
const out = arg('out', join('bench', 'out'));
const dir = join(out, `demo-${customers}-${seed}`);
const phase = join('bench', 'ingest-phase.ts');
mkdirSync(out, { recursive: true });

const results: PhaseResult[] = [];
if (!existsSync(join(dir, 'events.parquet'))) results.push(runPhase(phase, ['generate', dir, String(customers), String(seed)]));
for (const format of ['csv', 'parquet']) {
  results.push(runPhase(phase, ['baseline', format, dir]));
  results.push(runPhase(phase, ['segmint', format, dir, join(out, `bench-${format}.duckdb`)]));
}

const byPhase = new Map(results.map((r) => [r.phase, r]));
console.log(`\nIngest + features, ${customers.toLocaleString('en-US')} customers (seed ${seed}), DuckDB memory limit ${process.env.SEGMINT_MEMORY_LIMIT ?? '3GB'}`);
const gen = byPhase.get('generate');
if (gen) console.log(`generate: ${fmt(gen.seconds)} s, ${gen.rows?.toLocaleString('en-US')} events, ${JSON.stringify(gen.detail)}, peak RSS ${gen.peakRssMb} MB`);
for (const format of ['csv', 'parquet']) {
  const base = byPhase.get(`baseline-${format}`)!;
  const ours = byPhase.get(`segmint-${format}`)!;
  const rows = ours.rows ?? 0;
  console.log(
    `${format.padEnd(8)} baseline ${fmt(base.seconds)} s (${fmt(rows / base.seconds / 1e6, 2)} M rows/s, peak ${base.peakRssMb} MB)` +
      ` | segmint import+features ${fmt(ours.seconds)} s (${fmt(rows / ours.seconds / 1e6, 2)} M rows/s, peak ${ours.peakRssMb} MB)` +
      ` | ratio ${fmt(ours.seconds / base.seconds, 2)}x (target <= 2.5x) | ${JSON.stringify(ours.detail)}`,
  );
}
