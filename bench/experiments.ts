/**
 * Experiment mathematics (issue 15): the per-request cost of bucketing, which decide pays once per running experiment
 * and audience holdout, against its floor in the same run, a bare SHA-256 of the same text; and the cost of one
 * experiment report (4 arms, 50 audiences) against the zod parsing of its input and answer alone.
 * Usage: npm run bench -- --only experiments [--visitors 200000]
 */
import { createHash } from 'node:crypto';
import { assignVariant, inHoldout } from '../src/campaigns/bucket.js';
import { experimentInputSchema, experimentReport, experimentReportSchema, type ArmTotals } from '../src/campaigns/stats/index.js';
import { arg, fmt } from './lib.js';

const visitors = Number(arg('visitors', '200000'));
const arms = [
  { id: 'control', weight: 40 },
  { id: 'a', weight: 25 },
  { id: 'b', weight: 25 },
  { id: 'holdout', weight: 10, holdout: true },
];
const ids = Array.from({ length: visitors }, (_, i) => `visitor-${i}`);

function perCallMicros(f: (id: string) => unknown): number {
  for (let i = 0; i < 20_000; i++) f(ids[i % ids.length]!); // warm up
  const t = performance.now();
  for (const id of ids) f(id);
  return ((performance.now() - t) * 1000) / ids.length;
}

// Each measured twice, in turn, keeping the faster: the first pass also pays the JIT and the machine's other load.
const best = (f: (id: string) => unknown): (() => number) => {
  let min = Infinity;
  return () => (min = Math.min(min, perCallMicros(f)));
};
const measures = [
  best((id) => createHash('sha256').update(`exp-1:${id}`, 'utf8').digest()),
  best((id) => assignVariant('exp-1', id, arms)),
  best((id) => inHoldout('aud-1', id, 0.05)),
];
for (let pass = 0; pass < 2; pass++) measures.forEach((m) => m());
const [floor, assign, holdout] = measures.map((m) => m()) as [number, number, number];

const totals = (scale: number): ArmTotals[] =>
  arms.map((arm, i) => {
    const n = Math.round(scale * arm.weight);
    return { arm: arm.id, exposures: n, conversions: Math.round(n * (0.05 + i * 0.002)), revenue: n * 2.5, revenue_squares: n * 110, covariate: { sum: n * 60, squares: n * 7200, with_revenue: n * 180, with_conversions: n * 4 } };
  });
const input = {
  experiment_id: 'exp-1',
  arms,
  control: 'control',
  plan: { minimum_effect: 0.05, planned_exposures: 400_000 },
  totals: totals(3_000),
  audiences: Array.from({ length: 50 }, (_, i) => ({ audience_id: `aud-${i}`, totals: totals(40 + i) })),
};
const time = (f: () => unknown, runs = 200): number => {
  f();
  const t = performance.now();
  for (let i = 0; i < runs; i++) f();
  return (performance.now() - t) / runs;
};
const reportMs = time(() => experimentReport(input));
const answer = experimentReport(input);
const parseMs = time(() => experimentReportSchema.parse(experimentInputSchema.parse(input) && answer));

console.log(`bucketing, ${fmt(visitors, 0)} visitors: assignVariant ${fmt(assign, 2)} µs/call, inHoldout ${fmt(holdout, 2)} µs/call; floor (bare SHA-256) ${fmt(floor, 2)} µs/call; ratio ${fmt(assign / floor, 2)}x`);
console.log(`experiment report, 4 arms x (overall + 50 audiences): ${fmt(reportMs, 2)} ms; of which zod input + answer parsing ${fmt(parseMs, 2)} ms`);
