/**
 * Growth benchmark (issue 18): import and a whole run at several sizes of the demo store, each size in its own process
 * (bench/growth-phase.ts), with time, CPU and peak RSS per stage, so that a stage growing faster than the store shows;
 * then the largest size's run again, on a copy of its store, under a memory setting: it must finish with the same
 * memberships and stay within it.
 * Usage: npm run bench -- --only growth [--sizes 100000,1000000] [--memory-check 2GB] [--seed 1] [--out bench/out]
 * The 3M point: --sizes 100000,1000000,3000000 (generating its files takes about 15 minutes, its store 10 GB of disk).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseMemory } from '../src/shared/memory.js';
import { arg, fmt } from './lib.js';
import type { StageMeasure } from './growth-phase.js';

interface SizeResult {
  customers: number;
  events: number;
  memory: { total: number; duckdb: number; structures: number };
  stages: StageMeasure[];
  digest: Array<{ audience_id: string; members: number; hashed: string }>;
}

const sizes = arg('sizes', '100000,1000000').split(',').map(Number);
const seed = arg('seed', '1');
const out = arg('out', join('bench', 'out'));
const check = arg('memory-check', '2GB');
mkdirSync(out, { recursive: true });

const storeOf = (customers: number, setting = 'default') => join(out, `growth-${customers}-${setting}.duckdb`);

/** The import and the run at a size, with the default setting; or with `setting`, the run again on a copy of that store. */
function measure(customers: number, setting?: string): SizeResult {
  const { SEGMINT_MEMORY_LIMIT: _, ...env } = process.env;
  let args = ['import', join(out, `demo-${customers}-${seed}`), storeOf(customers), String(customers), seed];
  if (setting) {
    copyFileSync(storeOf(customers), storeOf(customers, setting));
    args = ['rerun', storeOf(customers, setting)];
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/growth-phase.ts', ...args], {
    encoding: 'utf8',
    env: setting ? { ...env, SEGMINT_MEMORY_LIMIT: setting } : env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`growth-phase ${customers} ${setting ?? ''} exited with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as SizeResult;
}

const results = sizes.map((n) => measure(n));
const stageNames = results[0]!.stages.map((s) => s.stage);
const total = (r: SizeResult, key: 'seconds' | 'cpuSeconds') => r.stages.reduce((sum, s) => sum + s[key], 0);
const peak = (r: SizeResult, skip = '') => Math.max(...r.stages.filter((s) => s.stage !== skip).map((s) => s.peakRssMb));

console.log(`\nGrowth: import and a whole run per size (seed ${seed}), default memory setting (${fmt(results[0]!.memory.total / 1e9, 1)} GB)`);
const header = ['stage', ...sizes.flatMap((n) => [`${n / 1000}k s`, `${n / 1000}k MB`]), ...sizes.slice(1).map((n, i) => `growth ${sizes[i]! / 1000}k->${n / 1000}k`)];
const rows = [...stageNames, 'total'].map((stage) => {
  const of = (r: SizeResult) => (stage === 'total' ? { seconds: total(r, 'seconds'), cpuSeconds: total(r, 'cpuSeconds'), peakRssMb: peak(r) } : r.stages.find((s) => s.stage === stage)!);
  // Growth: how much faster than the store the stage's CPU time grew (1.0 = linear); CPU, as the machine may be shared.
  const growth = results.slice(1).map((r, i) => fmt(of(r).cpuSeconds / Math.max(of(results[i]!).cpuSeconds, 0.05) / (r.customers / results[i]!.customers), 2));
  return [stage, ...results.flatMap((r) => [fmt(of(r).seconds), String(of(r).peakRssMb)]), ...growth];
});
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);

// The chart docs/benchmarks.md shows: seconds per stage at each size (GitHub draws Mermaid charts).
const drawn = stageNames.filter((s) => results.some((r) => r.stages.find((x) => x.stage === s)!.seconds >= 1));
console.log('\n```mermaid\nxychart-beta\n  title "Seconds per stage"');
console.log(`  x-axis [${drawn.map((s) => `"${s}"`).join(', ')}]\n  y-axis "seconds"`);
for (const r of results) console.log(`  bar [${drawn.map((s) => fmt(r.stages.find((x) => x.stage === s)!.seconds, 1).replace(/,/g, '')).join(', ')}]`);
console.log('```');

const largest = results.at(-1)!;
const limited = measure(largest.customers, check);
const same = JSON.stringify(limited.digest) === JSON.stringify(largest.digest);
console.log(`\nThe run again at ${largest.customers.toLocaleString('en-US')} customers with SEGMINT_MEMORY_LIMIT=${check} (DuckDB ${fmt(limited.memory.duckdb / 1e9, 2)} GB): ` +
  `${fmt(total(limited, 'seconds'))} s, peak RSS ${peak(limited)} MB against ${fmt(parseMemory(check)! / 1e6, 0)} MB set ` +
  `(the default run's ${peak(largest, 'import')} MB); memberships of ${limited.digest.length} audiences ${same ? 'identical' : 'DIFFERENT'} to the default run's`);
for (const s of limited.stages) console.log(`  ${s.stage.padEnd(18)} ${fmt(s.seconds).padStart(7)} s  ${String(s.peakRssMb).padStart(6)} MB`);
writeFileSync(join(out, 'growth.json'), JSON.stringify({ results, limited, same }, null, 2));
if (!same) process.exit(1);
