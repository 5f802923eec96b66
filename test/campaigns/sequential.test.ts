import { describe, expect, it } from 'vitest';
import { experimentReport, type ArmTotals } from '../../src/campaigns/stats/index.js';
import { createRng, deriveSeed, type Rng } from '../../src/models/rng.js';
import { gaussian } from './experiment-data.js';

/**
 * Peeking. Each simulated experiment runs 30 days with 400 visitors per arm per day, and the report is read every
 * day; a "win" is any day on which it declares a difference. With no true difference (A/A), the always-valid
 * interval may do so in at most alpha = 5% of experiments, however many days are looked at; the fixed-horizon
 * p-value read daily does so far more often, which shows the count can tell the two apart.
 */
const DAYS = 30;
const PER_ARM_DAY = 400;
const arms = [
  { id: 'control', weight: 50 },
  { id: 'variant', weight: 50 },
];
const plan = { alpha: 0.05, power: 0.8, minimum_effect: 0.2, planned_exposures: DAYS * PER_ARM_DAY * 2 };

function addDay(t: ArmTotals, rng: Rng, rate: number): void {
  for (let i = 0; i < PER_ARM_DAY; i++) {
    t.exposures++;
    if (rng.next() >= rate) continue;
    const revenue = 40 * Math.exp(0.6 * gaussian(rng));
    t.conversions++;
    t.revenue += revenue;
    t.revenue_squares += revenue * revenue;
  }
}

interface Outcome {
  sequential: { conversion: boolean; revenue: boolean };
  peeked: { conversion: boolean; revenue: boolean };
  atPlannedSample: boolean;
  wrongWay: boolean;
}

function runExperiment(seed: number, variantRate: number): Outcome {
  const rng = createRng(seed);
  const totals = arms.map((arm) => ({ arm: arm.id, exposures: 0, conversions: 0, revenue: 0, revenue_squares: 0 }));
  const out: Outcome = { sequential: { conversion: false, revenue: false }, peeked: { conversion: false, revenue: false }, atPlannedSample: false, wrongWay: false };
  for (let day = 1; day <= DAYS; day++) {
    addDay(totals[0]!, rng, 0.05);
    addDay(totals[1]!, rng, variantRate);
    const c = experimentReport({ experiment_id: 'sim', arms, control: 'control', plan, totals, reveal_on_mismatch: true }).overall.comparisons![0]!;
    const excludesZero = (ci: { low: number; high: number } | undefined): boolean => !!ci && (ci.low > 0 || ci.high < 0);
    out.sequential.conversion ||= c.decision !== 'no_difference_yet';
    out.wrongWay ||= c.decision === 'control_better';
    out.sequential.revenue ||= excludesZero(c.revenue_per_visitor.sequential?.ci);
    out.peeked.conversion ||= (c.conversion_rate.p_value ?? 1) < plan.alpha;
    out.peeked.revenue ||= (c.revenue_per_visitor.p_value ?? 1) < plan.alpha;
    if (day === DAYS) out.atPlannedSample = (c.conversion_rate.p_value ?? 1) < plan.alpha;
  }
  return out;
}

const share = (outcomes: Outcome[], pick: (o: Outcome) => boolean): number => outcomes.filter(pick).length / outcomes.length;

describe('always-valid intervals under daily peeking', () => {
  const aa = Array.from({ length: 1_000 }, (_, i) => runExperiment(deriveSeed(2026, i), 0.05));

  it('1,000 A/A experiments read daily for 30 days: at most 5% false wins on the sequential intervals', () => {
    const conversion = share(aa, (o) => o.sequential.conversion);
    const revenue = share(aa, (o) => o.sequential.revenue);
    console.log(`A/A false wins, sequential: conversion ${conversion}, revenue ${revenue}`);
    expect(conversion).toBeLessThanOrEqual(0.05);
    expect(revenue).toBeLessThanOrEqual(0.05);
  });

  it('the fixed-horizon p-value read daily exceeds 5% by far (but is near 5% read once, at the planned sample)', () => {
    const conversion = share(aa, (o) => o.peeked.conversion);
    const revenue = share(aa, (o) => o.peeked.revenue);
    const once = share(aa, (o) => o.atPlannedSample);
    console.log(`A/A false wins, p < 0.05 read daily: conversion ${conversion}, revenue ${revenue}; read once at the end: ${once}`);
    expect(conversion).toBeGreaterThan(0.1);
    expect(revenue).toBeGreaterThan(0.1);
    expect(once).toBeGreaterThan(0.03);
    expect(once).toBeLessThan(0.07);
  });

  it('still finds a true +25% in most experiments, and never the wrong way round', () => {
    const ab = Array.from({ length: 200 }, (_, i) => runExperiment(deriveSeed(7, i), 0.0625));
    const found = share(ab, (o) => o.sequential.conversion);
    console.log(`A/B +25%: sequential wins ${found}`);
    expect(found).toBeGreaterThan(0.7);
    expect(share(ab, (o) => o.wrongWay)).toBe(0);
  });
});
