/**
 * Custom behaviors from words (issue 13): for each description of the 40+ test cases, the interpreter's reading
 * plus the full preview (size, revenue share, waterfall, top products, samples, overlap), timed end to end; the
 * baseline, in the same run, is the rule editor's count-only preview (previewRule) of the same spec. Target: p95 under
 * 2 s on the 1M-customer demo store.
 * Usage: npm run bench -- --only words [--customers 1000000] [--seed 1] [--out bench/out]
 */
import { runPipeline } from '../src/pipeline/index.js';
import { previewRule } from '../src/audiences/rule-builder.js';
import { behaviorPreview } from '../src/audiences/behavior-preview.js';
import { keepPreviewLines, previewLinesHold } from '../src/behaviors/words/index.js';

import { defaultAsOf, featureTableAsOf } from '../src/features/index.js';
import { WORDS_CASES } from '../test/behaviors/words-cases.js';
import { arg, openDemoStore, fmt, peakRssMb } from './lib.js';

const customers = Number(arg('customers', '1000000'));
const seed = Number(arg('seed', '1'));
const store = await openDemoStore();
if (!(await featureTableAsOf(store))) await runPipeline(store, await defaultAsOf(store));
// A store run before previews had kept lines (or changed since) gets them as the step after a run makes them.
const asOf = (await featureTableAsOf(store))!;
let keptMs: number | undefined;
if (!(await previewLinesHold(store, asOf))) {
  const started = performance.now();
  await keepPreviewLines(store, asOf);
  keptMs = performance.now() - started;
}

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;

// The first call builds the store's lexicon (catalog words, BM25 index); it is cached for the others, as in a server.
let t = performance.now();
await behaviorPreview(store, { text: WORDS_CASES[0]!.text });
const firstMs = performance.now() - t;

const previews: number[] = [];
// CPU time of the process (DuckDB's threads included): on a shared machine, less moved by the others than wall time.
const cpu: number[] = [];
const counts: number[] = [];
for (const c of WORDS_CASES) {
  t = performance.now();
  const used = process.cpuUsage();
  const { spec } = await behaviorPreview(store, { text: c.text });
  previews.push(performance.now() - t);
  const { user, system } = process.cpuUsage(used);
  cpu.push((user + system) / 1000);
  t = performance.now();
  await previewRule(store, spec);
  counts.push(performance.now() - t);
}
store.close();

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
console.log(`\nCustom behaviors from words, ${customers.toLocaleString('en-US')} customers (seed ${seed}), ${WORDS_CASES.length} descriptions`);
if (keptMs !== undefined) console.log(`  order lines kept for previews (the step after a run)   ${fmt(keptMs / 1000, 2)} s`);
console.log(`  first call (builds the lexicon and BM25 index)   ${fmt(firstMs / 1000, 2)} s`);
console.log(`  words -> spec -> full preview   p50 ${fmt(percentile(previews, 0.5) / 1000, 2)} s  p95 ${fmt(percentile(previews, 0.95) / 1000, 2)} s  max ${fmt(Math.max(...previews) / 1000, 2)} s (target p95 < 2 s)`);
console.log(`  the same, CPU time                p50 ${fmt(percentile(cpu, 0.5) / 1000, 2)} s  p95 ${fmt(percentile(cpu, 0.95) / 1000, 2)} s`);
console.log(`  baseline: count-only rule preview   p50 ${fmt(percentile(counts, 0.5) / 1000, 2)} s  p95 ${fmt(percentile(counts, 0.95) / 1000, 2)} s`);
console.log(`  ratio ${fmt(sum(previews) / sum(counts), 2)}x the count-only preview over all descriptions; peak RSS ${peakRssMb()} MB`);
