import type { FeatureUnit } from '../features/index.js';
import { CLIP, REASONS, SLOPE, type SignalStats } from './score.js';
import type { BehaviorSpec } from './specs.js';

/*
 * One row's score, in memory, as scoreQuery computes it in SQL for a whole table: for live answers and explain, which
 * score one customer from their own features against the yardsticks a run stored. The same formulas (specs.ts): a
 * robust z per signal, clipped to ±CLIP, 0 where the value is missing or the signal tells nobody apart; the weighted
 * mean of the z values (lean); the score 1 / (1 + exp(-SLOPE (lean - cutoff))).
 */

/** One signal's part in a score. */
export interface SignalPart {
  signal: string;
  weight: number;
  value: number | null;
  median: number | null;
  z: number;
  /** weight × z: how much it pulls the lean (towards the behavior when positive). */
  pull: number;
}

export interface OneScore {
  lean: number;
  score: number;
  member: boolean;
  parts: SignalPart[];
}

const numberOf = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);

/** A signal's robust z for a value, against its yardsticks. */
const zOf = (value: number | null, s: SignalStats | undefined): number =>
  value === null || !s || s.scale === null || s.median === null ? 0 : Math.max(-CLIP, Math.min(CLIP, (value - s.median) / s.scale));
const totalWeight = (spec: BehaviorSpec): number => spec.signals.reduce((t, x) => t + Math.abs(x.weight), 0);

/** The spec's score for one row of signal values (a customer's features); `stats` are the run's yardsticks by signal. */
export function scoreOne(spec: BehaviorSpec, stats: ReadonlyMap<string, SignalStats>, values: Readonly<Record<string, unknown>>): OneScore {
  const parts = spec.signals.map((x) => {
    const s = stats.get(x.signal);
    const value = numberOf(values[x.signal]);
    const z = zOf(value, s);
    return { signal: x.signal, weight: x.weight, value, median: s?.median ?? null, z, pull: x.weight * z };
  });
  const lean = parts.reduce((t, p) => t + p.pull, 0) / totalWeight(spec);
  return { lean, score: 1 / (1 + Math.exp(-SLOPE * (lean - spec.cutoff))), member: lean >= spec.cutoff, parts };
}

/**
 * Whether the row is a member (scoreOne's `member`), without the parts (an object a signal), which only a member's
 * reasons need: the live view scores every customer it evaluates against every behavior, and most are members of few.
 * The pulls add up in scoreOne's order, so the lean is the same number.
 */
export function memberOne(spec: BehaviorSpec, stats: ReadonlyMap<string, SignalStats>, values: Readonly<Record<string, unknown>>): boolean {
  let pulls = 0;
  for (const x of spec.signals) pulls += x.weight * zOf(numberOf(values[x.signal]), stats.get(x.signal));
  return pulls / totalWeight(spec) >= spec.cutoff;
}

/** `x` with `digits` decimals as printf does it: an exact tie goes to the even digit (toFixed takes the larger). */
function printfFixed(x: number, digits: number): string {
  const scaled = x * 10 ** digits;
  const floor = Math.floor(scaled);
  return scaled - floor === 0.5 ? ((floor % 2 === 0 ? floor : floor + 1) / 10 ** digits).toFixed(digits) : x.toFixed(digits);
}

/** A value as the SQL reasons print it (score.ts formatValue): shares as percentages. */
function formatOne(value: number, unit: FeatureUnit): string {
  return unit === 'ratio' ? `${printfFixed(100 * value, 0)}%` : unit === 'count' || unit === 'days' ? printfFixed(value, 1) : printfFixed(value, 2);
}

/** A member's reasons as the run writes them: the signals pulling towards the behavior, strongest first (ties by position). */
export function reasonsOne(score: OneScore, unit: (signal: string) => FeatureUnit): string {
  return score.parts
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.pull > 0 && p.value !== null)
    .sort((a, b) => b.p.pull - a.p.pull || a.i - b.i)
    .slice(0, REASONS)
    .map(({ p }) => `${p.signal} ${formatOne(p.value!, unit(p.signal))} (store median ${p.median === null ? 'none' : formatOne(p.median, unit(p.signal))})`)
    .join('; ');
}
